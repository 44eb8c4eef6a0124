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
            let _ = handle(Endpoint::Optimize, &body, 1, &limits());
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
            let body = serde_json::json!({ "qasm": qasm, "level": shots % 5 }).to_string();
            if let Ok(json) = handle(Endpoint::Optimize, body.as_bytes(), 1, &limits()) {
                let r: OptimizeResponse = serde_json::from_str(&json).unwrap();
                prop_assert!(parse(&r.qasm, &limits()).is_ok(), "{}", r.qasm);
            }
        }
    }
}

mod optimize {
    use super::*;
    use crate::Counts;
    use synq_circuits::sim::{equivalent_up_to_global_phase, unitary};

    /// Three qubits, no measurements: small enough for its unitary, with work for every pass.
    const SMALL: &str = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[3];\nh q[0];\nh q[0];\n\
                         cx q[0], q[1];\ncx q[0], q[1];\nt q[1];\nccx q[0], q[1], q[2];\nrz(0.3) q[2];\n\
                         rz(-0.1) q[2];\ncu1(0.7) q[2], q[0];\nswap q[1], q[2];\ny q[0];\n";

    fn req(qasm: &str, level: Option<u64>, basis: Option<&[&str]>) -> OptimizeRequest {
        OptimizeRequest {
            qasm: qasm.into(),
            level,
            basis: basis.map(|b| b.iter().map(|s| s.to_string()).collect()),
            format: None,
        }
    }

    fn field_error(r: &OptimizeRequest) -> (ErrorCode, Option<String>, String) {
        let e = optimize(r, &limits()).unwrap_err();
        (e.code, e.field, e.message)
    }

    #[test]
    fn keeps_the_unitary_and_never_grows_past_the_translation() {
        let input = parse(SMALL, &limits()).unwrap();
        let expected = unitary(&input).unwrap();
        let bases: [Option<&[&str]>; 4] = [
            None,
            Some(&["cx", "u3"]),
            Some(&["cx", "rz", "ry"]),
            Some(&["rz", "sx", "cx"]),
        ];
        for basis in bases {
            let translated = optimize(&req(SMALL, Some(0), basis), &limits()).unwrap();
            for level in 0..=3 {
                for format in [Format::OpenQasm2, Format::OpenQasm3] {
                    let r = optimize(
                        &OptimizeRequest {
                            format: Some(format),
                            ..req(SMALL, Some(level), basis)
                        },
                        &limits(),
                    )
                    .unwrap();
                    let what = format!("{basis:?} level {level} {format:?}:\n{}", r.qasm);
                    assert_eq!((r.level, r.format), (level as u8, format), "{what}");
                    assert_eq!(format_of(&r.qasm), format, "{what}");
                    // The answer re-parses, acts as the input does, and uses only the basis.
                    let again = parse(&r.qasm, &limits()).unwrap();
                    assert!(
                        equivalent_up_to_global_phase(&unitary(&again).unwrap(), &expected, 1e-9),
                        "{what}"
                    );
                    assert_eq!(Counts::from(ResourceCounts::of(&again)), r.after, "{what}");
                    assert!(
                        r.after.gate_counts.keys().all(|g| r.basis.contains(g)),
                        "{what}"
                    );
                    assert!(r.after.gates <= translated.after.gates, "{what}");
                    let analyzed = analyze(&AnalyzeRequest { qasm: SMALL.into() }, &limits());
                    assert_eq!(r.before, analyzed.unwrap().counts, "{what}");
                }
            }
            let best = optimize(&req(SMALL, Some(3), basis), &limits()).unwrap();
            assert!(
                best.after.gates < translated.after.gates,
                "{basis:?}: {} vs {}",
                best.after.gates,
                translated.after.gates
            );
        }
    }

    #[test]
    fn defaults_to_level_2_the_ibm_basis_and_the_inputs_format() {
        let r = optimize(&req(BELL3, None, None), &limits()).unwrap();
        assert_eq!((r.level, r.format), (DEFAULT_LEVEL, Format::OpenQasm3));
        assert_eq!(r.basis, ["cx", "rz", "sx", "x"]);
        let r = optimize(&req(BELL2, None, None), &limits()).unwrap();
        assert_eq!(r.format, Format::OpenQasm2);
        assert!(r.qasm.starts_with("OPENQASM 2.0;"), "{}", r.qasm);
        // Repeats in the basis are dropped.
        let r = optimize(&req(BELL2, None, Some(&["cx", "u3", "cx"])), &limits()).unwrap();
        assert_eq!(r.basis, ["cx", "u3"]);
    }

    #[test]
    fn keeps_measurements_so_the_outcomes_are_the_same() {
        // |110⟩ after X on qubits 1 and 2 through gates that cancel: a deterministic outcome.
        let qasm = "OPENQASM 2.0; include \"qelib1.inc\"; qreg q[3]; creg c[3]; x q[1]; h q[2]; \
                    cx q[1], q[2]; cx q[1], q[2]; s q[2]; s q[2]; h q[2]; measure q -> c;";
        let expected = simulate(&sim(qasm), 0, &limits()).unwrap();
        assert_eq!(expected.counts.keys().collect::<Vec<_>>(), ["110"]);
        for level in 0..=3 {
            let r = optimize(&req(qasm, Some(level), None), &limits()).unwrap();
            assert_eq!(r.after.measurements, 3);
            assert_eq!(simulate(&sim(&r.qasm), 0, &limits()).unwrap(), expected);
        }
        // The Bell pair's seeded counts survive too.
        let r = optimize(&req(BELL2, Some(3), None), &limits()).unwrap();
        assert_eq!(
            simulate(&sim(&r.qasm), 0, &limits()).unwrap(),
            simulate(&sim(BELL2), 0, &limits()).unwrap()
        );
    }

    #[test]
    fn a_bad_level_names_the_field() {
        for level in [4, 255, 256, u64::MAX] {
            let (code, field, message) = field_error(&req(BELL2, Some(level), None));
            assert_eq!(
                (code, field.as_deref()),
                (ErrorCode::InvalidMessage, Some("level"))
            );
            assert!(message.contains("0 to 3"), "{message}");
        }
    }

    #[test]
    fn a_bad_basis_names_the_field_and_the_supported_families() {
        let bases: [&[&str]; 5] = [
            &["cz", "rz", "sx"],
            &["cx", "h"],
            &["cx", "bogus"],
            &[],
            &["cx", "ccx"],
        ];
        for basis in bases {
            let (code, field, message) = field_error(&req(BELL2, None, Some(basis)));
            assert_eq!(
                (code, field.as_deref()),
                (ErrorCode::InvalidMessage, Some("basis")),
                "{basis:?}"
            );
            assert!(message.contains("rz+sx"), "{message}");
        }
        // The basis is checked before the program.
        let (_, field, _) = field_error(&req("not qasm", None, Some(&["h"])));
        assert_eq!(field.as_deref(), Some("basis"));
    }

    #[test]
    fn bad_qasm_is_invalid_circuit_at_a_line_and_column() {
        let qasm = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\nh q[0]\ncx q[0], q[1];\n";
        let e = optimize(&req(qasm, None, None), &limits()).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidCircuit, "{e}");
        assert_eq!((e.line, e.column), (Some(5), Some(1)), "{e}");
    }

    #[test]
    fn a_result_openqasm_2_cannot_write_is_refused_by_format() {
        let qasm = "OPENQASM 3.0; include \"stdgates.inc\"; qubit[2] q; bit[2] c; c[0] = measure q[0]; \
                    if (c[0]) { x q[1]; }";
        let ok = optimize(&req(qasm, None, None), &limits()).unwrap();
        assert_eq!(ok.format, Format::OpenQasm3);
        let r = OptimizeRequest {
            format: Some(Format::OpenQasm2),
            ..req(qasm, None, None)
        };
        let e = optimize(&r, &limits()).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            (ErrorCode::InvalidMessage, Some("format")),
            "{e}"
        );
    }

    #[test]
    fn the_translation_is_bounded() {
        let mut qasm = String::from("OPENQASM 2.0; include \"qelib1.inc\"; qreg q[3];");
        let ccx = translated_gate_size(StandardGate::Ccx, &Basis::ibm());
        let fits = limits().max_optimize_gates / ccx;
        qasm += &" ccx q[0], q[1], q[2];".repeat(fits);
        assert!(optimize(&req(&qasm, Some(0), None), &limits()).is_ok());
        qasm += " ccx q[0], q[1], q[2];";
        let e = optimize(&req(&qasm, Some(0), None), &limits()).unwrap_err();
        assert_eq!(e.code, ErrorCode::LimitExceeded, "{e}");
        // The estimate is an upper bound of the real translation.
        let c = parse(SMALL, &limits()).unwrap();
        let translated = optimize(&req(SMALL, Some(0), None), &limits()).unwrap();
        assert!(translated_size(&c, &Basis::ibm()) >= translated.after.gates);
    }

    #[test]
    fn answers_the_wire_shape() {
        let body =
            serde_json::json!({ "qasm": BELL2, "level": 1, "basis": ["cx", "u3"] }).to_string();
        let json = handle(Endpoint::Optimize, body.as_bytes(), 0, &limits()).unwrap();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["format"], "openqasm2");
        assert_eq!(v["level"], 1);
        assert_eq!(v["basis"], serde_json::json!(["cx", "u3"]));
        assert_eq!(v["before"]["gate_counts"]["h"], 1);
        assert_eq!(v["after"]["gate_counts"]["u3"], 1);
        assert!(v["qasm"].as_str().unwrap().contains("u3("), "{json}");
        let e = handle(
            Endpoint::Optimize,
            br#"{"qasm": "", "level": "2"}"#,
            0,
            &limits(),
        )
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("level"));
    }
}
