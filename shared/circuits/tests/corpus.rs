#![allow(clippy::unwrap_used)]
//! The committed corpus of real OpenQASM files (MQT Bench circuits written by Qiskit, in
//! `tests/corpus/`, with `facts.json` holding what Qiskit reports about each file): every file parses,
//! and its counts equal Qiskit's. Skipped, with a note, while the corpus is absent.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use synq_circuits::sim::StateVector;
use synq_circuits::{
    Circuit, Operation, ParseOptions, ResourceCounts, StandardDefinitions, parse_with,
};

/// Largest circuit whose state is checked against Qiskit's (`sv_top` is recorded up to 12 qubits).
const SV_MAX_QUBITS: usize = 12;

/// Qiskit's instruction names for the gates it names differently from the file. Qiskit's OpenQASM 3
/// importer also reads `id` as a `U(0, 0, 0)`, which it counts as `u`.
fn qiskit_name<'a>(name: &'a str, fmt: &str) -> &'a str {
    match (name, fmt) {
        ("c3x" | "c4x", _) => "mcx",
        ("c3sqrtx", _) => "c3sx",
        ("rc3x", _) => "rcccx",
        ("id", "qasm3") => "u",
        (other, _) => other,
    }
}

/// `qelib1.inc` gates whose Qiskit instruction name differs from their OpenQASM name (`mcx`, `c3sx`,
/// `rcccx`). The facts generator keeps library gates by *Qiskit* name, so `facts_inlined` has these
/// decomposed into Qiskit's definitions, which we do not reproduce: such files are checked by state only.
const DECOMPOSED_IN_FACTS: [&str; 4] = ["c3x", "c4x", "c3sqrtx", "rc3x"];

fn get_usize(v: &Value, key: &str) -> Option<usize> {
    v.get(key).and_then(Value::as_u64).map(|x| x as usize)
}

/// Differences between our counts and Qiskit's facts for one file.
fn compare(ours: &ResourceCounts, facts: &Value, fmt: &str) -> Vec<String> {
    let mut diffs = Vec::new();
    let mut check = |what: &str, mine: usize, key: &str| {
        if let Some(theirs) = get_usize(facts, key)
            && theirs != mine
        {
            diffs.push(format!("{what}: ours {mine}, Qiskit {theirs}"));
        }
    };
    check("qubits", ours.qubits, "num_qubits");
    check("clbits", ours.clbits, "num_clbits");
    check("depth", ours.depth, "depth");
    check("1q gates", ours.one_qubit_gates, "num_1q_gates");
    check("2q gates", ours.two_qubit_gates, "num_2q_gates");
    check(
        "multi-qubit gates",
        ours.multi_qubit_gates,
        "num_multiq_gates",
    );
    check("cx", ours.cx, "cx_count");
    check("t-count", ours.t_count, "t_count");
    check("measurements", ours.measurements, "num_measure");
    let mut mine: BTreeMap<String, usize> = BTreeMap::new();
    for (name, n) in &ours.ops_by_name {
        *mine.entry(qiskit_name(name, fmt).to_string()).or_default() += n;
    }
    let theirs: BTreeMap<String, usize> = facts
        .get("count_ops")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_u64()? as usize)))
                .collect()
        })
        .unwrap_or_default();
    if mine != theirs {
        diffs.push(format!("count_ops: ours {mine:?}, Qiskit {theirs:?}"));
    }
    diffs
}

/// Our probabilities of the basis states Qiskit lists in `sv_top` (`[[index, probability], …]`, the
/// state before the final measurements), compared; `None` when the circuit is not unitary apart from
/// barriers and measurements.
fn compare_state(circuit: &Circuit, sv_top: &Value) -> Option<Vec<String>> {
    let top = sv_top.as_array()?;
    if circuit.num_qubits() > SV_MAX_QUBITS {
        return None;
    }
    let mut state = StateVector::zero(circuit.num_qubits());
    for inst in &circuit.instructions {
        match &inst.op {
            Operation::Gate(g) if inst.condition.is_none() => {
                state.apply_gate(g.gate, &g.params, &g.qubits)
            }
            Operation::Barrier { .. } | Operation::Measure { .. } if inst.condition.is_none() => {}
            _ => return None,
        }
    }
    let probs = state.probabilities();
    let mut diffs = Vec::new();
    for pair in top {
        let (Some(index), Some(p)) = (
            pair.get(0).and_then(Value::as_u64),
            pair.get(1).and_then(Value::as_f64),
        ) else {
            continue;
        };
        let ours = probs.get(index as usize).copied().unwrap_or(f64::NAN);
        if (ours - p).abs().is_nan() || (ours - p).abs() >= 1e-6 {
            diffs.push(format!("probability of |{index}⟩: ours {ours}, Qiskit {p}"));
        }
    }
    Some(diffs)
}

#[test]
fn corpus_parses_and_counts_match_qiskit() {
    // SYNQ_CORPUS_DIR points the test at another copy (for example a fresh `gen_corpus.py --out DIR`).
    let dir = std::env::var_os("SYNQ_CORPUS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus"));
    // The corpus is committed: a missing one is a failure, never a skip.
    let text = std::fs::read_to_string(dir.join("facts.json"))
        .unwrap_or_else(|e| panic!("corpus {}: no facts.json: {e}", dir.display()));
    let doc: Value = serde_json::from_str(&text).unwrap();
    let options = ParseOptions {
        standard_definitions: StandardDefinitions::ExpandOutsideLibrary,
        ..Default::default()
    };
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut states = 0;
    let mut state_only = 0;
    for entry in doc["circuits"].as_array().unwrap() {
        let id = entry["id"].as_str().unwrap_or("?");
        let Some(files) = entry.get("files").and_then(Value::as_object) else {
            continue;
        };
        for (fmt, rel) in files {
            let path = dir.join(rel.as_str().unwrap());
            let source = std::fs::read_to_string(&path).unwrap();
            let circuit = match parse_with(&source, &options) {
                Ok(c) => c,
                Err(e) => {
                    failures.push(format!("{id} [{fmt}]: does not parse: {e}"));
                    continue;
                }
            };
            checked += 1;
            if let Some(sv) = entry.get("sv_top")
                && let Some(diffs) = compare_state(&circuit, sv)
            {
                states += 1;
                failures.extend(diffs.into_iter().map(|d| format!("{id} [{fmt}]: {d}")));
            }
            let Some(facts) = entry.get("facts_inlined").and_then(|f| f.get(fmt)) else {
                continue;
            };
            let ours = ResourceCounts::of(&circuit);
            if facts.get("control_flow").and_then(Value::as_bool) == Some(true) {
                // Loops are unrolled and conditions kept per instruction, so only sizes compare.
                for (what, mine, key) in [
                    ("qubits", ours.qubits, "num_qubits"),
                    ("clbits", ours.clbits, "num_clbits"),
                ] {
                    if get_usize(facts, key) != Some(mine) {
                        failures.push(format!("{id} [{fmt}]: {what} differ"));
                    }
                }
                continue;
            }
            if fmt == "qasm2"
                && DECOMPOSED_IN_FACTS
                    .iter()
                    .any(|g| ours.ops_by_name.contains_key(*g))
            {
                state_only += 1;
                continue;
            }
            for d in compare(&ours, facts, fmt) {
                failures.push(format!("{id} [{fmt}]: {d}"));
            }
        }
    }
    eprintln!(
        "corpus: {checked} files parsed, {states} states simulated, {state_only} checked by state only, {} problems",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
