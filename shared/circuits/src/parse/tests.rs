use super::*;
use crate::ir::{Condition, Operation, StandardGate as G};
use crate::units::{Clbit, Qubit};

fn gates(c: &Circuit) -> Vec<(G, Vec<f64>, Vec<u32>)> {
    c.instructions
        .iter()
        .filter_map(|i| match &i.op {
            Operation::Gate(g) => Some((
                g.gate,
                g.params.clone(),
                g.qubits.iter().map(|q| q.0).collect(),
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn qasm2_basics() {
    let c = parse(
        "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\nqreg r[1];\ncreg c[2];\n\
         U(pi/2, 0, pi) q[0];\nCX q[0], r[0];\nh q;\nmeasure q -> c;\nreset r[0];\nbarrier q, r;\n\
         if (c == 3) x r[0];\n",
    )
    .unwrap();
    assert_eq!(c.num_qubits(), 3);
    assert_eq!(c.num_clbits(), 2);
    let g = gates(&c);
    assert_eq!(g[0].0, G::U);
    assert_eq!(g[1], (G::Cx, vec![], vec![0, 2]));
    assert_eq!(g[2], (G::H, vec![], vec![0]));
    assert_eq!(g[3], (G::H, vec![], vec![1]));
    let last = c.instructions.last().unwrap();
    assert_eq!(
        last.condition,
        Some(Condition::Register { creg: 0, value: 3 })
    );
    assert!(matches!(
        c.instructions[5].op,
        Operation::Measure {
            qubit: Qubit(1),
            clbit: Clbit(1)
        }
    ));
}

#[test]
fn gate_definitions_expand() {
    let c = parse(
        "OPENQASM 2.0;\ninclude \"qelib1.inc\";\n\
         gate mygate(theta, phi) a, b { rz(theta/2) a; cx a, b; u1(-phi) b; }\n\
         qreg q[2];\nmygate(pi, 0.5) q[1], q[0];\n",
    )
    .unwrap();
    let g = gates(&c);
    assert_eq!(g.len(), 3);
    assert_eq!(g[0], (G::Rz, vec![std::f64::consts::FRAC_PI_2], vec![1]));
    assert_eq!(g[1], (G::Cx, vec![], vec![1, 0]));
    assert_eq!(g[2], (G::U1, vec![-0.5], vec![0]));
}

#[test]
fn opaque_is_refused_with_position() {
    let e = parse("OPENQASM 2.0;\nqreg q[1];\nopaque foo a;\n").unwrap_err();
    assert!(matches!(e, CircuitError::Opaque { ref name, .. } if name == "foo"));
    assert_eq!(e.position(), Some(Position::new(3, 1)));
}

#[test]
fn errors_carry_line_and_column() {
    let e = parse("OPENQASM 2.0;\nqreg q[2];\nh q[5];\n").unwrap_err();
    assert_eq!(e.position(), Some(Position::new(3, 5)));
    let e = parse("OPENQASM 2.0;\nqreg q[2]\nh q[0];").unwrap_err();
    assert!(matches!(e, CircuitError::Syntax { .. }));
    assert_eq!(e.position(), Some(Position::new(3, 1)));
    let e = parse("OPENQASM 3;\nqubit q;\nfoo q;").unwrap_err();
    assert_eq!(e.position(), Some(Position::new(3, 1)));
    assert!(parse("OPENQASM 2.0; qreg q[1]; cx q[0], q[0];").is_err());
    assert!(parse("OPENQASM 2.0; qreg q[1]; rx q[0];").is_err());
    assert!(parse("OPENQASM 2.0; qreg q[1]; include \"other.inc\";").is_err());
}

#[test]
fn qasm3_core() {
    let c = parse(
        "OPENQASM 3.0;\ninclude \"stdgates.inc\";\nqubit[3] q;\nbit[3] c;\nconst float t = pi / 4;\n\
         ctrl @ x q[0], q[1];\nctrl(2) @ x q[0], q[1], q[2];\ninv @ s q[0];\npow(2) @ t q[1];\n\
         negctrl @ z q[2], q[0];\nrx(2 * t) q[2];\nfor int i in [0:2] { h q[i]; }\n\
         c[0] = measure q[0];\nmeasure q[1] -> c[1];\nc = measure q;\nif (c == 5) { x q[0]; }\n\
         if (c[1] == 1) x q[1];\ngphase(0.5);\nU(0.1, 0.2, 0.3) q[0];\n",
    )
    .unwrap();
    let g = gates(&c);
    assert_eq!(g[0], (G::Cx, vec![], vec![0, 1]));
    assert_eq!(g[1], (G::Ccx, vec![], vec![0, 1, 2]));
    assert_eq!(g[2], (G::Sdg, vec![], vec![0]));
    assert_eq!(g[3], (G::T, vec![], vec![1]));
    assert_eq!(g[4], (G::T, vec![], vec![1]));
    assert_eq!(g[5], (G::X, vec![], vec![2]));
    assert_eq!(g[6], (G::Cz, vec![], vec![2, 0]));
    assert_eq!(g[7], (G::X, vec![], vec![2]));
    assert_eq!(g[8].0, G::Rx);
    assert_eq!(
        g[9..12].iter().map(|x| x.2[0]).collect::<Vec<_>>(),
        vec![0, 1, 2]
    );
    assert_eq!(c.global_phase, 0.5);
    let measures = c
        .instructions
        .iter()
        .filter(|i| matches!(i.op, Operation::Measure { .. }))
        .count();
    assert_eq!(measures, 5);
    assert!(c.instructions.iter().any(|i| i.condition
        == Some(Condition::Bit {
            clbit: Clbit(1),
            value: true
        })));
}

#[test]
fn else_branches_on_bits() {
    let c = parse(
        "OPENQASM 3;\ninclude \"stdgates.inc\";\nqubit[2] q;\nbit[2] c;\nc[0] = measure q[0];\n\
         if (c[0] == true) { x q[1]; } else { h q[1]; z q[1]; }\nif (!c[0]) x q[0]; else y q[0];\n",
    )
    .unwrap();
    let conds: Vec<_> = c
        .instructions
        .iter()
        .skip(1)
        .map(|i| (i.op.name(), i.condition.clone()))
        .collect();
    let bit = |value| {
        Some(Condition::Bit {
            clbit: Clbit(0),
            value,
        })
    };
    assert_eq!(
        conds,
        vec![
            ("x", bit(true)),
            ("h", bit(false)),
            ("z", bit(false)),
            ("x", bit(false)),
            ("y", bit(true))
        ]
    );
    let c = parse("OPENQASM 3; qubit q; bit[3] c; if ((c[0] ^ c[2]) == true) { x q; } else { y q; } if (!(c[1] ^ c[0])) z q;")
        .unwrap();
    let parity = |value, bits: &[u32]| {
        Some(Condition::Parity {
            clbits: bits.iter().map(|&b| Clbit(b)).collect(),
            value,
        })
    };
    let conds: Vec<_> = c.instructions.iter().map(|i| i.condition.clone()).collect();
    assert_eq!(
        conds,
        vec![
            parity(true, &[0, 2]),
            parity(false, &[0, 2]),
            parity(false, &[1, 0])
        ]
    );
    let e = parse("OPENQASM 3; qubit q; bit[2] c; if (c == 1) x q; else y q;").unwrap_err();
    assert!(matches!(e, CircuitError::Unsupported { .. }));
}

#[test]
fn modifiers_on_defined_gates() {
    let c = parse(
        "OPENQASM 3;\ninclude \"stdgates.inc\";\ngate g(a) x, y { rz(a) x; cx x, y; gphase(a); }\n\
         qubit[3] q;\ninv @ g(0.5) q[0], q[1];\nctrl @ g(0.25) q[2], q[0], q[1];\n",
    )
    .unwrap();
    let g = gates(&c);
    assert_eq!(g[0], (G::Cx, vec![], vec![0, 1]));
    assert_eq!(g[1], (G::Rz, vec![-0.5], vec![0]));
    assert_eq!(c.global_phase, -0.5);
    assert_eq!(g[2], (G::Crz, vec![0.25], vec![2, 0]));
    assert_eq!(g[3], (G::Ccx, vec![], vec![2, 0, 1]));
    assert_eq!(g[4], (G::P, vec![0.25], vec![2]));
}

#[test]
fn standard_gate_definitions_keep_their_names() {
    let c = parse("OPENQASM 3;\ngate rzz(t) a, b { cx a, b; rz(t) b; cx a, b; }\nqubit[2] q;\nrzz(0.3) q[0], q[1];\n").unwrap();
    assert_eq!(gates(&c), vec![(G::Rzz, vec![0.3], vec![0, 1])]);
}

#[test]
fn definitions_outside_the_library_can_be_expanded() {
    let src = "OPENQASM 3;\ngate rzz(t) a, b { cx a, b; rz(t) b; cx a, b; }\ngate h a { U(pi/2, 0, pi) a; }\n\
               qubit[2] q;\nrzz(0.3) q[0], q[1];\nh q[0];\n";
    let options = ParseOptions {
        standard_definitions: StandardDefinitions::ExpandOutsideLibrary,
        ..Default::default()
    };
    let c = parse_with(src, &options).unwrap();
    let names: Vec<G> = gates(&c).into_iter().map(|g| g.0).collect();
    assert_eq!(names, vec![G::Cx, G::Rz, G::Cx, G::H]);
}

#[test]
fn relative_phase_toffolis_are_standard_gates() {
    let c = parse(
        "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[4];\nrccx q[0], q[1], q[2];\nrc3x q[0], q[1], q[2], q[3];\n",
    )
    .unwrap();
    let names: Vec<G> = gates(&c).into_iter().map(|g| g.0).collect();
    assert_eq!(names, vec![G::Rccx, G::Rc3x]);
}

#[test]
fn limits_stop_blowups() {
    let mut src = String::from("OPENQASM 2.0;\ninclude \"qelib1.inc\";\ngate g0 a { x a; x a; }\n");
    for i in 1..40 {
        src.push_str(&format!("gate g{i} a {{ g{} a; g{} a; }}\n", i - 1, i - 1));
    }
    src.push_str("qreg q[1];\ng39 q[0];\n");
    let e = parse(&src).unwrap_err();
    assert!(matches!(e, CircuitError::TooLarge { .. }), "{e}");
    let deep = format!(
        "OPENQASM 3; qubit q; rx({}1{}) q;",
        "(".repeat(10_000),
        ")".repeat(10_000)
    );
    assert!(matches!(parse(&deep), Err(CircuitError::TooLarge { .. })));
    assert!(parse("OPENQASM 3; qubit q; for int i in [0:100000000000] { x q; }").is_err());
}
