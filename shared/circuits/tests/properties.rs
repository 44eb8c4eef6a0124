#![allow(clippy::unwrap_used)]
//! Property tests: the parser never panics on mangled input, and random circuits survive
//! emit → parse with an equal IR and an equal unitary.

use proptest::prelude::*;
use synq_circuits::sim::{equivalent_up_to_global_phase, unitary};
use synq_circuits::{
    Circuit, Clbit, Condition, GateOp, Instruction, Operation, Qubit, StandardGate, parse,
    to_qasm2, to_qasm3,
};

const VALID: [&str; 3] = [
    "OPENQASM 2.0;\ninclude \"qelib1.inc\";\ngate g(a, b) x, y { rz(a/2) x; cx x, y; u3(b, -a, pi) y; }\n\
     qreg q[3];\ncreg c[3];\nh q;\ng(pi/4, 0.5) q[0], q[2];\nccx q[0], q[1], q[2];\nbarrier q;\n\
     measure q -> c;\nif (c == 5) x q[1];\nreset q[0];\nrccx q[0], q[1], q[2];\n",
    "OPENQASM 3.0;\ninclude \"stdgates.inc\";\nconst float t = pi / 8;\nqubit[4] q;\nbit[4] c;\n\
     gate f(a) x { rx(a) x; gphase(-a/2); }\nfor int i in [0:2:3] { ctrl @ f(t * i) q[i], q[i + 1]; }\n\
     inv @ pow(2) @ s q[0];\nnegctrl(2) @ x q[0], q[1], q[2];\nc[0] = measure q[0];\n\
     if (c[0] == 1) { z q[3]; }\nmeasure q[1] -> c[1];\nfor uint k in {1, 3} { h q[k]; }\n",
    "OPENQASM 3;\nqubit q;\nbit b;\nU(sin(0.5), cos(1) ^ 2, -ln(2)) q;\nb = measure q;\nif (b == 1) U(0, 0, 0) q;\n",
];

fn mutate(src: &str, edits: &[(u8, usize, char)]) -> String {
    let mut chars: Vec<char> = src.chars().collect();
    for &(kind, at, c) in edits {
        if chars.is_empty() {
            chars.push(c);
            continue;
        }
        let at = at % chars.len();
        match kind % 5 {
            0 => {
                chars.remove(at);
            }
            1 => chars.insert(at, c),
            2 => chars[at] = c,
            3 => {
                let end = (at + 1 + usize::from(c as u8 % 16)).min(chars.len());
                let slice: Vec<char> = chars[at..end].to_vec();
                let dest = (at * 7 + 3) % chars.len();
                for (k, ch) in slice.into_iter().enumerate() {
                    chars.insert(dest + k, ch);
                }
            }
            _ => {
                let end = (at + usize::from(c as u8 % 32)).min(chars.len());
                chars.drain(at..end);
            }
        }
    }
    chars.into_iter().collect()
}

fn interesting_char() -> impl Strategy<Value = char> {
    prop_oneof![
        prop::sample::select(vec![
            ';', ',', '(', ')', '[', ']', '{', '}', '-', '>', '=', '@', ':', '/', '*', '^', '$',
            '"', '0', '9', '.', 'e', 'q', ' ', '\n', 'π', '!',
        ]),
        any::<char>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parser_never_panics_on_random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse(&text);
        let _ = parse(&format!("OPENQASM 3;\n{text}"));
    }

    #[test]
    fn parser_never_panics_on_mutated_programs(
        which in 0..VALID.len(),
        edits in prop::collection::vec((any::<u8>(), any::<usize>(), interesting_char()), 1..8),
    ) {
        let text = mutate(VALID[which], &edits);
        if let Err(e) = parse(&text) {
            // Errors from the text itself point inside it.
            if let Some(pos) = e.position() {
                prop_assert!(pos.line >= 1 && pos.column >= 1);
            }
        }
    }
}

#[test]
fn valid_samples_parse() {
    for src in VALID {
        assert!(!parse(src).unwrap().instructions.is_empty());
    }
    // Register slices are refused, clearly.
    let e = parse("OPENQASM 3; qubit[2] q; bit[2] c; c[0:1] = measure q[0:1];").unwrap_err();
    assert!(e.to_string().contains("slices"), "{e}");
}

fn gate_strategy(n: u32) -> impl Strategy<Value = GateOp> {
    let gates: Vec<StandardGate> = StandardGate::ALL
        .into_iter()
        .filter(|g| g.num_qubits() as u32 <= n)
        .collect();
    (
        prop::sample::select(gates),
        prop::collection::vec(-7.0f64..7.0, 4),
        Just(()).prop_perturb(move |_, mut rng| {
            let mut qs: Vec<u32> = (0..n).collect();
            for i in (1..qs.len()).rev() {
                let j = (rng.next_u32() as usize) % (i + 1);
                qs.swap(i, j);
            }
            qs
        }),
    )
        .prop_map(|(gate, params, qs)| GateOp {
            gate,
            params: params[..gate.num_params()].to_vec(),
            qubits: qs[..gate.num_qubits()].iter().map(|&q| Qubit(q)).collect(),
        })
}

fn unitary_circuit() -> impl Strategy<Value = Circuit> {
    (1u32..=6)
        .prop_flat_map(|n| {
            (
                Just(n),
                prop::collection::vec(gate_strategy(n), 0..30),
                1u32..=n,
                -3.0f64..3.0,
            )
        })
        .prop_map(|(n, gates, split, phase)| {
            let mut c = Circuit::new();
            c.add_qreg("q", split);
            if n > split {
                c.add_qreg("anc", n - split);
            }
            c.global_phase = phase;
            c.instructions = gates
                .into_iter()
                .map(|g| Instruction {
                    op: Operation::Gate(g),
                    condition: None,
                })
                .collect();
            c
        })
}

fn mixed_circuit() -> impl Strategy<Value = Circuit> {
    (
        unitary_circuit(),
        prop::collection::vec((any::<u8>(), any::<u32>(), any::<u32>(), 0u64..4), 0..12),
    )
        .prop_map(|(mut c, extras)| {
            let nq = c.num_qubits() as u32;
            c.global_phase = 0.0;
            c.add_creg("c", 2);
            c.add_creg("flag", 1);
            for (kind, a, b, v) in extras {
                let qubit = Qubit(a % nq);
                let clbit = Clbit(b % 3);
                let at = (a as usize) % (c.instructions.len() + 1);
                let inst = match kind % 5 {
                    0 => Instruction {
                        op: Operation::Measure { qubit, clbit },
                        condition: None,
                    },
                    1 => Instruction {
                        op: Operation::Reset { qubit },
                        condition: None,
                    },
                    2 => Instruction {
                        op: Operation::Barrier {
                            qubits: vec![qubit],
                        },
                        condition: None,
                    },
                    3 => Instruction {
                        op: Operation::Gate(GateOp {
                            gate: StandardGate::X,
                            params: vec![],
                            qubits: vec![qubit],
                        }),
                        condition: Some(Condition::Register {
                            creg: (b % 2) as usize,
                            value: v,
                        }),
                    },
                    _ => Instruction {
                        op: Operation::Measure { qubit, clbit },
                        condition: Some(Condition::Register {
                            creg: 1,
                            value: v % 2,
                        }),
                    },
                };
                c.instructions.insert(at, inst);
            }
            c
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_circuits_round_trip_with_equal_unitary(c in unitary_circuit()) {
        let u = unitary(&c).unwrap();
        let three = parse(&to_qasm3(&c).unwrap()).unwrap();
        prop_assert_eq!(&three, &c);
        prop_assert!(equivalent_up_to_global_phase(&unitary(&three).unwrap(), &u, 1e-9));
        let two = parse(&to_qasm2(&c).unwrap()).unwrap();
        prop_assert_eq!(&two.instructions, &c.instructions);
        prop_assert!(equivalent_up_to_global_phase(&unitary(&two).unwrap(), &u, 1e-9));
    }

    #[test]
    fn circuits_with_measurement_and_conditions_round_trip(c in mixed_circuit()) {
        prop_assert_eq!(&parse(&to_qasm2(&c).unwrap()).unwrap(), &c);
        prop_assert_eq!(&parse(&to_qasm3(&c).unwrap()).unwrap(), &c);
    }
}
