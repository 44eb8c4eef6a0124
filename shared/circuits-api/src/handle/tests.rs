use super::*;
use crate::handle;

const BELL2: &str = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\ncreg c[2];\nh q[0];\ncx q[0], q[1];\nmeasure q -> c;\n";
const BELL3: &str = "// Bell\nOPENQASM 3.0;\ninclude \"stdgates.inc\";\nqubit[2] q;\nbit[2] c;\nh q[0];\ncx q[0], q[1];\nc = measure q;\n";

fn limits() -> Limits {
    Limits::default()
}

fn sim(qasm: &str) -> SimulateRequest {
    SimulateRequest {
        qasm: qasm.into(),
        shots: None,
        seed: Some(7),
        max_qubits: None,
    }
}

fn ghz(n: usize) -> String {
    let mut s = format!("OPENQASM 2.0; include \"qelib1.inc\"; qreg q[{n}]; creg c[{n}]; h q[0];");
    for i in 1..n {
        s += &format!(" cx q[0], q[{i}];");
    }
    s + " measure q -> c;"
}

#[test]
fn analyzes_a_bell_pair() {
    for (qasm, format) in [(BELL2, Format::OpenQasm2), (BELL3, Format::OpenQasm3)] {
        let r = analyze(&AnalyzeRequest { qasm: qasm.into() }, &limits()).unwrap();
        assert_eq!(r.format, format);
        let c = r.counts;
        assert_eq!((c.qubits, c.clbits, c.gates), (2, 2, 2));
        assert_eq!((c.one_qubit, c.two_qubit, c.multi_qubit), (1, 1, 0));
        assert_eq!((c.cx, c.t_count, c.depth, c.measurements), (1, 0, 3, 2));
        assert_eq!(c.gate_counts.get("h"), Some(&1));
        assert_eq!(c.gate_counts.get("measure"), Some(&2));
    }
}

#[test]
fn analyze_answers_the_wire_shape() {
    let body = serde_json::json!({ "qasm": BELL2 }).to_string();
    let json = handle(Endpoint::Analyze, body.as_bytes(), 0, &limits()).unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["format"], "openqasm2");
    for key in [
        "qubits",
        "clbits",
        "gate_counts",
        "one_qubit",
        "two_qubit",
        "multi_qubit",
        "cx",
        "t_count",
        "depth",
        "measurements",
    ] {
        assert!(v["counts"].get(key).is_some(), "{key} in {json}");
    }
    assert_eq!(v["counts"]["gate_counts"]["cx"], 1);
}

#[test]
fn simulates_a_bell_pair_deterministically() {
    let a = simulate(&sim(BELL2), 0, &limits()).unwrap();
    assert_eq!((a.shots, a.seed, a.qubits), (DEFAULT_SHOTS, 7, 2));
    assert_eq!(a.counts.values().sum::<u64>(), DEFAULT_SHOTS);
    assert!(a.counts.keys().all(|k| k == "00" || k == "11"), "{a:?}");
    let zeros = a.counts.get("00").copied().unwrap_or(0);
    assert!((400..=624).contains(&zeros), "{a:?}");
    assert_eq!(simulate(&sim(BELL2), 99, &limits()).unwrap(), a);
    assert_eq!(
        simulate(&sim(BELL3), 0, &limits()).unwrap().counts,
        a.counts
    );
}

#[test]
fn a_missing_seed_is_the_callers_below_2_pow_53() {
    let req = SimulateRequest {
        seed: None,
        shots: Some(10),
        ..sim(BELL2)
    };
    let r = simulate(&req, u64::MAX, &limits()).unwrap();
    assert_eq!(r.seed, SAFE_SEED_MASK);
    let again = SimulateRequest {
        seed: Some(r.seed),
        ..req
    };
    assert_eq!(simulate(&again, 0, &limits()).unwrap(), r);
}

#[test]
fn bad_qasm_is_invalid_circuit_at_a_line_and_column() {
    let qasm = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\nh q[0]\ncx q[0], q[1];\n";
    for e in [
        analyze(&AnalyzeRequest { qasm: qasm.into() }, &limits()).unwrap_err(),
        simulate(&sim(qasm), 0, &limits()).unwrap_err(),
    ] {
        assert_eq!(e.code, ErrorCode::InvalidCircuit, "{e}");
        assert_eq!((e.line, e.column), (Some(5), Some(1)), "{e}");
    }
    let e = analyze(
        &AnalyzeRequest {
            qasm: "OPENQASM 2.0; qreg q[1]; foo q[0];".into(),
        },
        &limits(),
    )
    .unwrap_err();
    assert_eq!((e.code, e.line), (ErrorCode::InvalidCircuit, Some(1)));
    assert!(e.column.is_some());
}

#[test]
fn simulation_is_capped_at_the_servers_qubits() {
    let cap = limits().max_sim_qubits;
    let ok = simulate(&sim(&ghz(cap)), 0, &limits()).unwrap();
    assert_eq!(ok.qubits, cap);
    assert!(
        ok.counts
            .keys()
            .all(|k| !k.contains('1') || !k.contains('0'))
    );
    let req = SimulateRequest {
        max_qubits: Some(64),
        ..sim(&ghz(cap + 1))
    };
    let e = simulate(&req, 0, &limits()).unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (ErrorCode::LimitExceeded, None)
    );
    assert!(e.message.contains(&cap.to_string()), "{e}");
}

#[test]
fn callers_cap_their_own_qubits() {
    let req = SimulateRequest {
        max_qubits: Some(1),
        ..sim(BELL2)
    };
    let e = simulate(&req, 0, &limits()).unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (ErrorCode::LimitExceeded, Some("max_qubits"))
    );
    let req = SimulateRequest {
        max_qubits: Some(2),
        ..sim(BELL2)
    };
    assert!(simulate(&req, 0, &limits()).is_ok());
}

#[test]
fn shots_are_bounded() {
    for shots in [0, MAX_SHOTS + 1] {
        let req = SimulateRequest {
            shots: Some(shots),
            ..sim(BELL2)
        };
        let e = simulate(&req, 0, &limits()).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            (ErrorCode::InvalidMessage, Some("shots"))
        );
    }
    let req = SimulateRequest {
        shots: Some(MAX_SHOTS),
        ..sim(BELL2)
    };
    assert_eq!(
        simulate(&req, 0, &limits())
            .unwrap()
            .counts
            .values()
            .sum::<u64>(),
        MAX_SHOTS
    );
}

#[test]
fn work_is_bounded() {
    // A mid-circuit measurement forces shot-by-shot runs: 18 qubits × 40 steps × 100,000 shots.
    let mut qasm = String::from(
        "OPENQASM 2.0; include \"qelib1.inc\"; qreg q[18]; creg c[18]; h q; measure q[0] -> c[0]; x q[0];",
    );
    qasm += " measure q -> c;";
    let req = SimulateRequest {
        shots: Some(MAX_SHOTS),
        ..sim(&qasm)
    };
    let e = simulate(&req, 0, &limits()).unwrap_err();
    assert_eq!(e.code, ErrorCode::LimitExceeded, "{e}");
    assert!(e.message.contains("amplitude updates"), "{e}");
    // The same circuit with few shots runs.
    let req = SimulateRequest {
        shots: Some(4),
        ..sim(&qasm)
    };
    assert_eq!(
        simulate(&req, 0, &limits())
            .unwrap()
            .counts
            .values()
            .sum::<u64>(),
        4
    );
}

#[test]
fn clbits_are_bounded() {
    let qasm =
        "OPENQASM 2.0; include \"qelib1.inc\"; qreg q[1]; creg c[129]; measure q[0] -> c[0];";
    let e = simulate(&sim(qasm), 0, &limits()).unwrap_err();
    assert_eq!(e.code, ErrorCode::LimitExceeded, "{e}");
}

#[test]
fn expansion_is_bounded() {
    let qasm = "OPENQASM 3.0; include \"stdgates.inc\"; qubit q; for int i in [0:999999] { x q; }";
    let e = analyze(&AnalyzeRequest { qasm: qasm.into() }, &limits()).unwrap_err();
    assert_eq!(e.code, ErrorCode::LimitExceeded, "{e}");
    assert!(e.line.is_some(), "{e:?}");
}

#[test]
fn bodies_are_bounded() {
    let limits = Limits {
        max_body_bytes: 64,
        ..limits()
    };
    let body = serde_json::json!({ "qasm": BELL2 }).to_string();
    let e = handle(Endpoint::Simulate, body.as_bytes(), 0, &limits).unwrap_err();
    assert_eq!(e.code, ErrorCode::MessageTooLarge);
    assert_eq!(e.code.http_status(), 413);
    assert!(limits.check_body_size(64).is_ok());
    assert!(limits.check_body_size(65).is_err());
}

#[test]
fn formats() {
    assert_eq!(format_of("OPENQASM 2.0;"), Format::OpenQasm2);
    assert_eq!(
        format_of("  /* x */ // y\n OPENQASM /* v */ 2;"),
        Format::OpenQasm2
    );
    assert_eq!(format_of("OPENQASM 3.0;"), Format::OpenQasm3);
    assert_eq!(format_of("qubit q; // OPENQASM 2.0;"), Format::OpenQasm3);
    assert_eq!(format_of(""), Format::OpenQasm3);
    assert_eq!(format_of("/* unterminated"), Format::OpenQasm3);
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn on_any_bytes(body in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = handle(Endpoint::Analyze, &body, 1, &limits());
            let _ = handle(Endpoint::Simulate, &body, 1, &limits());
        }

        #[test]
        fn on_mangled_bell_programs(cut in 0usize..200, insert in "[ -~]{0,4}", shots in 0u64..2000) {
            let mut qasm: String = BELL2.chars().take(cut).collect();
            qasm += &insert;
            qasm += &BELL2.chars().skip(cut).collect::<String>();
            let body = serde_json::json!({ "qasm": qasm, "shots": shots, "seed": 1 }).to_string();
            if let Ok(json) = handle(Endpoint::Simulate, body.as_bytes(), 1, &limits()) {
                let r: SimulateResponse = serde_json::from_str(&json).unwrap();
                prop_assert_eq!(r.counts.values().sum::<u64>(), shots);
            }
            let _ = handle(Endpoint::Analyze, body.as_bytes(), 1, &limits());
        }
    }
}
