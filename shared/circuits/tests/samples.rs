#![allow(clippy::unwrap_used)]
//! Hand-written OpenQASM 2 and 3 programs: they parse, simulate to the right distributions and count
//! correctly.

use std::collections::BTreeMap;
use std::f64::consts::PI;

use num_complex::Complex64;
use synq_circuits::sim::{SimOptions, Unitary, equivalent_up_to_global_phase, run_shots, unitary};
use synq_circuits::{Circuit, ResourceCounts, parse, to_qasm2, to_qasm3};

const SHOTS: u64 = 4000;

fn shots(c: &Circuit) -> BTreeMap<String, u64> {
    let counts = run_shots(c, SHOTS, 2024, &SimOptions::default()).unwrap();
    assert_eq!(counts.values().sum::<u64>(), SHOTS);
    counts
}

fn frac(counts: &BTreeMap<String, u64>, key: &str) -> f64 {
    counts.get(key).copied().unwrap_or(0) as f64 / SHOTS as f64
}

fn ops(c: &ResourceCounts, name: &str) -> usize {
    c.ops_by_name.get(name).copied().unwrap_or(0)
}

fn round_trips(c: &Circuit) {
    assert_eq!(&parse(&to_qasm3(c).unwrap()).unwrap(), c);
    if c.global_phase == 0.0
        && let Ok(text) = to_qasm2(c)
    {
        assert_eq!(&parse(&text).unwrap(), c);
    }
}

const BELL2: &str = r#"OPENQASM 2.0;
include "qelib1.inc";
qreg q[2];
creg c[2];
h q[0];
cx q[0], q[1];
measure q -> c;
"#;

const BELL3: &str = r#"OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
bit[2] c;
h q[0];
cx q[0], q[1];
c = measure q;
"#;

#[test]
fn bell() {
    for src in [BELL2, BELL3] {
        let c = parse(src).unwrap();
        let s = shots(&c);
        assert_eq!(s.len(), 2, "{s:?}");
        assert!((frac(&s, "00") - 0.5).abs() < 0.05);
        assert!((frac(&s, "11") - 0.5).abs() < 0.05);
        let r = ResourceCounts::of(&c);
        assert_eq!(
            (r.qubits, r.clbits, r.gates, r.cx, r.measurements, r.depth),
            (2, 2, 2, 1, 2, 3)
        );
        assert_eq!((r.one_qubit_gates, r.two_qubit_gates), (1, 1));
        round_trips(&c);
    }
    assert_eq!(parse(BELL2).unwrap(), parse(BELL3).unwrap());
}

#[test]
fn ghz() {
    let two = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[5];\ncreg c[5];\nh q[0];\n\
               cx q[0],q[1];\ncx q[1],q[2];\ncx q[2],q[3];\ncx q[3],q[4];\nbarrier q;\nmeasure q -> c;\n";
    let three = "OPENQASM 3.0;\ninclude \"stdgates.inc\";\nqubit[5] q;\nbit[5] c;\nh q[0];\n\
                 for int i in [0:3] { cx q[i], q[i + 1]; }\nbarrier q;\nfor int i in [0:4] { c[i] = measure q[i]; }\n";
    for src in [two, three] {
        let c = parse(src).unwrap();
        let s = shots(&c);
        assert_eq!(s.keys().collect::<Vec<_>>(), vec!["00000", "11111"]);
        assert!((frac(&s, "11111") - 0.5).abs() < 0.05);
        let r = ResourceCounts::of(&c);
        assert_eq!(
            (r.cx, r.measurements, r.depth, ops(&r, "barrier")),
            (4, 5, 6, 1)
        );
        round_trips(&c);
    }
}

const QFT4: &str = r#"OPENQASM 2.0;
include "qelib1.inc";
qreg q[4];
h q[3];
cu1(pi/2) q[3], q[2];
cu1(pi/4) q[3], q[1];
cu1(pi/8) q[3], q[0];
h q[2];
cu1(pi/2) q[2], q[1];
cu1(pi/4) q[2], q[0];
h q[1];
cu1(pi/2) q[1], q[0];
h q[0];
swap q[0], q[3];
swap q[1], q[2];
"#;

#[test]
fn qft4_is_the_dft() {
    let c = parse(QFT4).unwrap();
    let n = 16usize;
    let mut dft = Vec::with_capacity(n * n);
    for row in 0..n {
        for col in 0..n {
            dft.push(Complex64::from_polar(
                0.25,
                2.0 * PI * (row * col) as f64 / n as f64,
            ));
        }
    }
    let dft = Unitary { dim: n, data: dft };
    assert!(equivalent_up_to_global_phase(
        &unitary(&c).unwrap(),
        &dft,
        1e-10
    ));
    let r = ResourceCounts::of(&c);
    assert_eq!(
        (
            ops(&r, "h"),
            ops(&r, "cu1"),
            ops(&r, "swap"),
            r.two_qubit_gates,
            r.depth
        ),
        (4, 6, 2, 8, 8)
    );

    // OpenQASM 3: QFT as a gate, undone with `inv @`, returns the input basis state.
    let three = "OPENQASM 3.0;\ninclude \"stdgates.inc\";\n\
        gate qft4 a, b, c, d { h d; cp(pi/2) d, c; cp(pi/4) d, b; cp(pi/8) d, a; h c; cp(pi/2) c, b;\n\
        cp(pi/4) c, a; h b; cp(pi/2) b, a; h a; swap a, d; swap b, c; }\n\
        qubit[4] q;\nbit[4] m;\nx q[0];\nx q[2];\nqft4 q[0], q[1], q[2], q[3];\ninv @ qft4 q[0], q[1], q[2], q[3];\nm = measure q;\n";
    let c3 = parse(three).unwrap();
    let s = shots(&c3);
    assert_eq!(s.get("0101"), Some(&SHOTS));
    round_trips(&c3);
}

#[test]
fn grover_two_qubits_finds_the_marked_state() {
    let two = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\ncreg c[2];\nh q;\ncz q[0], q[1];\n\
               h q;\nx q;\ncz q[0], q[1];\nx q;\nh q;\nmeasure q -> c;\n";
    let three = "OPENQASM 3;\ninclude \"stdgates.inc\";\nqubit[2] q;\nbit[2] c;\n\
                 gate oracle a, b { ctrl @ z a, b; }\ngate diffuser a, b { h a; h b; x a; x b; cz a, b; x a; x b; h a; h b; }\n\
                 h q;\noracle q[0], q[1];\ndiffuser q[0], q[1];\nc[0] = measure q[0];\nc[1] = measure q[1];\n";
    for src in [two, three] {
        let c = parse(src).unwrap();
        assert_eq!(shots(&c).get("11"), Some(&SHOTS));
        let r = ResourceCounts::of(&c);
        assert_eq!(
            (
                ops(&r, "h"),
                ops(&r, "x"),
                ops(&r, "cz"),
                r.measurements,
                r.depth
            ),
            (6, 4, 2, 2, 8)
        );
        round_trips(&c);
    }
}

#[test]
fn teleportation_with_classical_feedback() {
    let two = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[3];\ncreg c0[1];\ncreg c1[1];\ncreg c2[1];\n\
        u3(0.3, 0.2, 0.1) q[0];\nh q[1];\ncx q[1], q[2];\ncx q[0], q[1];\nh q[0];\n\
        measure q[0] -> c0[0];\nmeasure q[1] -> c1[0];\nif (c1 == 1) x q[2];\nif (c0 == 1) z q[2];\n\
        u3(-0.3, -0.1, -0.2) q[2];\nmeasure q[2] -> c2[0];\n";
    let three = "OPENQASM 3.0;\ninclude \"stdgates.inc\";\nqubit[3] q;\nbit[3] c;\n\
        U(0.3, 0.2, 0.1) q[0];\nh q[1];\ncx q[1], q[2];\ncx q[0], q[1];\nh q[0];\n\
        c[0] = measure q[0];\nc[1] = measure q[1];\nif (c[1] == 1) { x q[2]; }\nif (c[0]) { z q[2]; }\n\
        inv @ U(0.3, 0.2, 0.1) q[2];\nc[2] = measure q[2];\n";
    let c = parse(two).unwrap();
    let s = shots(&c);
    assert!(s.keys().all(|k| k.starts_with('0')), "{s:?}");
    assert_eq!(s.len(), 4, "{s:?}");
    let r = ResourceCounts::of(&c);
    assert_eq!(
        (r.qubits, r.clbits, r.measurements, r.cx, r.depth),
        (3, 3, 3, 2, 8)
    );
    round_trips(&c);

    let c = parse(three).unwrap();
    let s = shots(&c);
    assert!(s.keys().all(|k| k.starts_with('0')), "{s:?}");
    assert_eq!(s.len(), 4, "{s:?}");
    // A bit condition reads one clbit only, so the conditioned x and z do not wait on each other's bit.
    assert_eq!(ResourceCounts::of(&c).depth, 8);
    round_trips(&c);
}
