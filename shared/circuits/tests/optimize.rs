#![allow(clippy::unwrap_used)]
//! The optimizer keeps every circuit's unitary (global phase included) at every level and in every
//! basis, never returns more gates than the plain translation, only emits basis gates, and does the
//! cancellations each level promises.

use std::f64::consts::{FRAC_PI_2, FRAC_PI_4, PI};

use proptest::prelude::*;
use synq_circuits::opt::{Basis, OptimizeOptions, gate_count, optimize};
use synq_circuits::sim::{Unitary, unitary};
use synq_circuits::{
    Circuit, Clbit, Condition, GateOp, Instruction, Operation, Qubit, ResourceCounts, StandardGate,
    parse,
};

fn bases() -> Vec<Basis> {
    vec![
        Basis::ibm(),
        Basis::cx_u3(),
        Basis::cx_rz_ry(),
        Basis::from_names(&["cx", "rz", "sx"]).unwrap(),
        Basis::from_names(&["cx", "p", "sx", "x"]).unwrap(),
        Basis::from_names(&["cx", "rz", "rx"]).unwrap(),
        Basis::from_names(&["cx", "u"]).unwrap(),
    ]
}

fn max_diff(a: &Unitary, b: &Unitary) -> f64 {
    a.data
        .iter()
        .zip(&b.data)
        .map(|(x, y)| (x - y).norm())
        .fold(0.0, f64::max)
}

fn in_basis(c: &Circuit, basis: &Basis) -> bool {
    c.instructions.iter().all(|i| match &i.op {
        Operation::Gate(g) => basis.contains(g.gate),
        _ => true,
    })
}

/// Special angles make cancellations and merges likely; random ones test the general paths.
fn angle() -> impl Strategy<Value = f64> {
    prop_oneof![
        prop::sample::select(vec![0.0, FRAC_PI_4, FRAC_PI_2, PI, -FRAC_PI_2, 2.0 * PI]),
        -7.0f64..7.0,
    ]
}

fn gate_strategy(n: u32, pool: Vec<StandardGate>) -> impl Strategy<Value = GateOp> {
    let pool: Vec<StandardGate> = pool
        .into_iter()
        .filter(|g| g.num_qubits() as u32 <= n)
        .collect();
    (
        prop::sample::select(pool),
        prop::collection::vec(angle(), 4),
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

fn circuit_on(
    qubits: std::ops::RangeInclusive<u32>,
    max_gates: usize,
    pool: Vec<StandardGate>,
) -> impl Strategy<Value = Circuit> {
    qubits
        .prop_flat_map(move |n| {
            (
                Just(n),
                prop::collection::vec(gate_strategy(n, pool.clone()), 0..max_gates),
                -3.0f64..3.0,
            )
        })
        .prop_map(|(n, gates, phase)| {
            let mut c = Circuit::new();
            c.add_qreg("q", n);
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

fn circuit(max_gates: usize, pool: Vec<StandardGate>) -> impl Strategy<Value = Circuit> {
    circuit_on(1..=6, max_gates, pool)
}

/// CX gates and the single-qubit gates that do or do not commute with them, densely on 2–3
/// qubits: every commutation rule gets exercised.
fn commutation_pool() -> Vec<StandardGate> {
    use StandardGate as G;
    vec![
        G::Cx,
        G::Cx,
        G::Cx,
        G::X,
        G::Sx,
        G::Rx,
        G::Rz,
        G::T,
        G::S,
        G::H,
        G::Z,
        G::Ry,
    ]
}

/// A few gates on few qubits, so that inverses meet and cancel often.
fn clifford_t_pool() -> Vec<StandardGate> {
    use StandardGate as G;
    vec![
        G::H,
        G::X,
        G::Z,
        G::S,
        G::Sdg,
        G::T,
        G::Tdg,
        G::Sx,
        G::Rz,
        G::Rx,
        G::Cx,
        G::Cz,
        G::Swap,
        G::Cp,
        G::Ccx,
    ]
}

fn check_levels(c: &Circuit) -> Result<(), TestCaseError> {
    let want = unitary(c).unwrap();
    for basis in bases() {
        let mut sizes = Vec::new();
        for level in 0..=3 {
            let out = optimize(
                c,
                &OptimizeOptions {
                    level,
                    basis: basis.clone(),
                },
            )
            .unwrap();
            prop_assert!(in_basis(&out, &basis), "level {level}: not in {basis:?}");
            let diff = max_diff(&unitary(&out).unwrap(), &want);
            prop_assert!(
                diff < 1e-8,
                "level {level}, {basis:?}: unitary differs by {diff}"
            );
            sizes.push(gate_count(&out));
        }
        prop_assert!(
            sizes.iter().all(|s| *s <= sizes[0]),
            "{basis:?}: sizes by level {sizes:?}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn every_level_keeps_the_unitary_of_random_circuits(
        c in circuit(24, StandardGate::ALL.to_vec())
    ) {
        check_levels(&c)?;
    }

    #[test]
    fn every_level_keeps_the_unitary_of_cancelling_circuits(c in circuit(40, clifford_t_pool())) {
        check_levels(&c)?;
    }

    #[test]
    fn every_level_keeps_the_unitary_of_dense_cx_circuits(
        c in circuit_on(2..=3, 16, commutation_pool())
    ) {
        check_levels(&c)?;
    }

    #[test]
    fn level_three_brings_any_two_qubit_circuit_to_at_most_three_cx(
        c in circuit_on(2..=2, 24, commutation_pool())
    ) {
        let cx = |level| {
            let out = optimize(&c, &OptimizeOptions { level, basis: Basis::ibm() }).unwrap();
            ResourceCounts::of(&out).cx
        };
        // Unless the resynthesized circuit would have more gates than the translation (then level 3
        // keeps what level 2 found).
        let (two, three) = (cx(2), cx(3));
        prop_assert!(three <= two, "level 2: {two} CX, level 3: {three}");
        prop_assert!(three <= 3 || three == two, "level 2: {two} CX, level 3: {three}");
    }

    #[test]
    fn level_three_never_has_more_cx_than_level_two(c in circuit_on(3..=5, 40, commutation_pool())) {
        let cx = |level| {
            let out = optimize(&c, &OptimizeOptions { level, basis: Basis::ibm() }).unwrap();
            ResourceCounts::of(&out).cx
        };
        prop_assert!(cx(3) <= cx(2));
    }

    #[test]
    fn level_three_measures_swapped_qubits_instead_of_swapping_them(
        c in circuit_on(2..=5, 30, clifford_t_pool())
    ) {
        let mut c = c;
        let n = c.num_qubits() as u32;
        c.add_creg("c", n);
        for q in 0..n {
            c.instructions.push(Instruction {
                op: Operation::Measure { qubit: Qubit(q), clbit: Clbit(q) },
                condition: None,
            });
        }
        let out = optimize(&c, &OptimizeOptions { level: 3, basis: Basis::ibm() }).unwrap();
        // Which qubit the output measures into each clbit: the one holding that input qubit's state.
        let mut holder = vec![u32::MAX; n as usize];
        for inst in &out.instructions {
            if let Operation::Measure { qubit, clbit } = inst.op {
                holder[clbit.0 as usize] = qubit.0;
            }
        }
        let mut sorted = holder.clone();
        sorted.sort_unstable();
        prop_assert_eq!(sorted, (0..n).collect::<Vec<_>>());
        // The gates' unitary is the input's followed by moving each qubit q to holder[q].
        let gates_only = |c: &Circuit| {
            let mut g = c.clone();
            g.instructions.retain(|i| matches!(i.op, Operation::Gate(_)));
            unitary(&g).unwrap()
        };
        let (before, after) = (gates_only(&c), gates_only(&out));
        let mut moved = before.clone();
        for row in 0..before.dim {
            let to: usize = (0..n as usize).filter(|q| row >> q & 1 == 1).map(|q| 1 << holder[q]).sum();
            for col in 0..before.dim {
                moved.data[to * before.dim + col] = before.get(row, col);
            }
        }
        let diff = max_diff(&after, &moved);
        prop_assert!(diff < 1e-8, "differs by {diff}");
    }

    #[test]
    fn measurements_resets_barriers_and_conditions_stay_in_order(
        c in circuit(20, clifford_t_pool()),
        extras in prop::collection::vec((0u8..4, any::<u32>(), any::<u32>()), 0..8),
    ) {
        let mut c = c;
        let nq = c.num_qubits() as u32;
        c.add_creg("c", 2);
        for (kind, a, b) in extras {
            let qubit = Qubit(a % nq);
            let at = (b as usize) % (c.instructions.len() + 1);
            let (op, condition) = match kind {
                0 => (Operation::Measure { qubit, clbit: Clbit(b % 2) }, None),
                1 => (Operation::Reset { qubit }, None),
                2 => (Operation::Barrier { qubits: vec![qubit] }, None),
                _ => (
                    Operation::Gate(GateOp {
                        gate: StandardGate::H,
                        params: vec![],
                        qubits: vec![qubit],
                    }),
                    Some(Condition::Bit { clbit: Clbit(b % 2), value: true }),
                ),
            };
            c.instructions.insert(at, Instruction { op, condition });
        }
        let fixed = |c: &Circuit| -> Vec<Instruction> {
            c.instructions
                .iter()
                .filter(|i| !matches!(i.op, Operation::Gate(_)))
                .cloned()
                .collect()
        };
        let conditioned = |c: &Circuit| c.instructions.iter().filter(|i| i.condition.is_some()).count();
        // Level 3 may measure other qubits (SWAP elision, tested below): compare without qubits.
        let without_qubits = |list: Vec<Instruction>| -> Vec<Instruction> {
            list.into_iter()
                .map(|mut i| {
                    match &mut i.op {
                        Operation::Measure { qubit, .. } | Operation::Reset { qubit } => *qubit = Qubit(0),
                        Operation::Barrier { qubits } => qubits.clear(),
                        Operation::Gate(g) => g.qubits.clear(),
                    }
                    i
                })
                .collect()
        };
        for level in 0..=3 {
            let out = optimize(&c, &OptimizeOptions { level, basis: Basis::ibm() }).unwrap();
            prop_assert!(out.validate().is_ok());
            if level < 3 {
                prop_assert_eq!(fixed(&out), fixed(&c));
            } else {
                prop_assert_eq!(without_qubits(fixed(&out)), without_qubits(fixed(&c)));
            }
            // A conditioned `h` becomes rz·sx·rz, each piece under the condition.
            prop_assert_eq!(conditioned(&out), 3 * conditioned(&c));
        }
    }
}

fn opt(src: &str, level: u8) -> Circuit {
    let c = parse(src).unwrap();
    let out = optimize(
        &c,
        &OptimizeOptions {
            level,
            basis: Basis::ibm(),
        },
    )
    .unwrap();
    let (a, b) = (unitary(&c).unwrap(), unitary(&out).unwrap());
    assert!(max_diff(&a, &b) < 1e-9, "{src} at level {level}");
    out
}

fn header(n: u32) -> String {
    format!("OPENQASM 2.0; include \"qelib1.inc\"; qreg q[{n}];")
}

#[test]
fn level_zero_translates_gate_by_gate() {
    let out = opt(
        &format!("{} h q[0]; h q[0]; cx q[0], q[1]; t q[1];", header(2)),
        0,
    );
    let counts = ResourceCounts::of(&out);
    // h = rz·sx·rz, twice; t = rz.
    assert_eq!(counts.gates, 8);
    assert_eq!(counts.cx, 1);
}

#[test]
fn level_one_fuses_runs_and_cancels_adjacent_pairs() {
    let src = format!(
        "{} h q[0]; h q[0]; cx q[0], q[1]; cx q[0], q[1]; rz(0.2) q[1]; rz(-0.2) q[1]; \
         t q[0]; t q[0]; s q[0]; x q[1];",
        header(2)
    );
    let out = opt(&src, 1);
    // t·t·s = rz(π); x stays.
    assert_eq!(gate_count(&out), 2);
    // A Toffoli followed by a CX on its controls ends with that CX: they cancel (6 + 1 − 2).
    let out = opt(
        &format!("{} ccx q[0], q[1], q[2]; cx q[0], q[1];", header(3)),
        1,
    );
    assert_eq!(ResourceCounts::of(&out).cx, 5);
}

#[test]
fn level_two_cancels_across_commuting_gates() {
    // The CX pair is separated by an rz on the control and an rx on the target, and a CX sharing the
    // control: level 1 keeps both, level 2 cancels them; the two rz merge across the CX.
    let src = format!(
        "{} cx q[0], q[1]; rz(0.3) q[0]; rx(0.4) q[1]; cx q[0], q[2]; cx q[0], q[1]; rz(0.5) q[0];",
        header(3)
    );
    let one = ResourceCounts::of(&opt(&src, 1));
    let two = ResourceCounts::of(&opt(&src, 2));
    assert_eq!(one.cx, 3);
    assert_eq!(two.cx, 1);
    assert!(two.gates < one.gates, "{two:?} vs {one:?}");
}

#[test]
fn level_three_resynthesizes_two_qubit_blocks() {
    let cx_at =
        |src: &str, level| ResourceCounts::of(&opt(&format!("{} {src}", header(3)), level)).cx;
    // (source, CX at level 2, CX at level 3)
    let cases = [
        // A controlled phase then a SWAP on the same pair, between single-qubit gates: one 3-CX
        // unitary.
        (
            "u3(0.1, 0.2, 0.3) q[0]; u3(0.4, 0.5, 0.6) q[1]; cp(0.3) q[0], q[1]; \
             u3(0.1, 0.2, 0.3) q[0]; u3(0.4, 0.5, 0.6) q[1]; swap q[0], q[1]; \
             u3(0.7, 0.2, 0.3) q[0]; u3(0.4, 0.9, 0.6) q[1];",
            5,
            3,
        ),
        // Controlled rotations around each other: 3 CX, but with more gates than their translation
        // into the basis has, so level 3 keeps level 2's circuit.
        (
            "crx(0.3) q[0], q[1]; cry(0.5) q[1], q[0]; crz(0.7) q[0], q[1];",
            6,
            6,
        ),
        // Two ZZ rotations, written with CX gates pointing either way: one ZZ rotation.
        (
            "cx q[0], q[1]; rz(0.3) q[1]; cx q[0], q[1]; cx q[1], q[0]; rz(0.2) q[0]; cx q[1], q[0];",
            4,
            2,
        ),
        // XX and ZZ interactions with single-qubit gates around them.
        (
            "h q[2]; rxx(0.4) q[1], q[2]; rzz(0.7) q[1], q[2]; t q[1];",
            4,
            2,
        ),
        // Two SWAPs as six CX in alternating directions: nothing.
        (
            "cx q[0], q[1]; cx q[1], q[0]; cx q[0], q[1]; cx q[1], q[0]; cx q[0], q[1]; cx q[1], q[0];",
            6,
            0,
        ),
        // A block interrupted by a gate on a third qubit is two blocks; each is already minimal.
        (
            "cp(0.3) q[0], q[1]; cx q[1], q[2]; cp(0.5) q[0], q[1];",
            5,
            5,
        ),
    ];
    for (src, two, three) in cases {
        assert_eq!(cx_at(src, 2), two, "{src}");
        assert_eq!(cx_at(src, 3), three, "{src}");
    }
}

/// The probability of each value of the clbits (as an integer, clbit `i` as bit `i`), for a circuit
/// whose measurements all come after its gates.
fn outcome_probabilities(c: &Circuit) -> Vec<f64> {
    let mut state = synq_circuits::sim::StateVector::zero(c.num_qubits());
    let mut into = Vec::new();
    for inst in &c.instructions {
        match &inst.op {
            Operation::Gate(g) => state.apply_gate(g.gate, &g.params, &g.qubits),
            Operation::Measure { qubit, clbit } => into.push((qubit.0, clbit.0)),
            _ => {}
        }
    }
    let mut p = vec![0.0; 1 << c.num_clbits()];
    for (index, prob) in state.probabilities().into_iter().enumerate() {
        let value: usize = into
            .iter()
            .filter(|(q, _)| index >> q & 1 == 1)
            .map(|(_, b)| 1 << b)
            .sum();
        p[value] += prob;
    }
    p
}

#[test]
fn level_three_measures_instead_of_swapping_before_final_measurements() {
    // A two-qubit QFT of an uneven state: its SWAP (3 CX) goes, and the measurements read the other
    // qubits.
    let src = "OPENQASM 2.0; include \"qelib1.inc\"; qreg q[2]; creg c[2]; ry(0.3) q[0]; ry(1.1) q[1]; \
               h q[1]; cp(pi/2) q[1], q[0]; h q[0]; swap q[0], q[1]; measure q -> c;";
    let c = parse(src).unwrap();
    let run = |level| {
        optimize(
            &c,
            &OptimizeOptions {
                level,
                basis: Basis::ibm(),
            },
        )
        .unwrap()
    };
    assert_eq!(ResourceCounts::of(&run(2)).cx, 5);
    let out = run(3);
    assert_eq!(ResourceCounts::of(&out).cx, 2);
    let text = synq_circuits::to_qasm2(&out).unwrap();
    assert!(
        text.contains("measure q[1] -> c[0];") && text.contains("measure q[0] -> c[1];"),
        "{text}"
    );
    let (want, got) = (outcome_probabilities(&c), outcome_probabilities(&out));
    assert!(
        want.iter().zip(&got).all(|(a, b)| (a - b).abs() < 1e-12),
        "{want:?} vs {got:?}"
    );
    assert!(want.iter().any(|p| (p - 0.25).abs() > 0.05), "{want:?}");
}

#[test]
fn global_phase_is_kept() {
    let src = "OPENQASM 3; include \"stdgates.inc\"; qubit[1] q; gphase(0.3); z q[0]; rz(pi) q[0];";
    let out = opt(src, 3);
    assert_eq!(gate_count(&out), 0);
    assert!((out.global_phase - (0.3 - FRAC_PI_2)).abs() < 1e-9);
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let mut c = Circuit::new();
    c.add_qreg("q", 1);
    c.gate(StandardGate::Cx, &[], &[0, 3]);
    assert!(optimize(&c, &OptimizeOptions::default()).is_err());
    let ok = Circuit::new();
    assert!(
        optimize(
            &ok,
            &OptimizeOptions {
                level: 4,
                basis: Basis::ibm()
            }
        )
        .is_err()
    );
    let mut nan = Circuit::new();
    nan.add_qreg("q", 1);
    nan.gate(StandardGate::Rz, &[f64::NAN], &[0]);
    assert!(optimize(&nan, &OptimizeOptions::default()).is_err());
}
