#![allow(clippy::unwrap_used)]
//! The optimizer on the committed corpus: every circuit of at most 8 qubits whose part before the
//! final measurements is unitary, optimized at each level into `{cx, rz, sx, x}`, prepares the same
//! states as the input (seen from its measurements: level 3 measures swapped qubits instead of
//! swapping them) and is no larger than the level-0 translation. A summary compares our totals
//! with Qiskit's `transpile` at optimization levels 0 and 3 (recorded in `facts.json`), and level 3
//! must not exceed Qiskit's O3 in gates or in CX gates (issue 5's targets).

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use num_complex::Complex64;
use serde_json::Value;
use synq_circuits::opt::{Basis, OptimizeOptions, optimize};
use synq_circuits::sim::StateVector;
use synq_circuits::{
    Circuit, Operation, ParseOptions, Qubit, ResourceCounts, StandardDefinitions, StandardGate,
    parse_with,
};

const MAX_QUBITS: usize = 8;

/// The state the gates of `circuit` prepare from `start` (measurements and barriers skipped: the
/// circuits checked have nothing non-unitary before their final measurements).
fn run(circuit: &Circuit, start: &StateVector) -> StateVector {
    let mut s = start.clone();
    s.rotate_phase(circuit.global_phase);
    for inst in &circuit.instructions {
        if let Operation::Gate(g) = &inst.op {
            s.apply_gate(g.gate, &g.params, &g.qubits);
        }
    }
    s
}

/// |0…0⟩ and a fixed entangled, unevenly weighted state, so that the check sees more than one column.
fn starts(n: usize) -> Vec<StateVector> {
    let mut other = StateVector::zero(n);
    for q in 0..n as u32 {
        other.apply_gate(
            StandardGate::U3,
            &[0.3 + 0.4 * q as f64, 0.7 * q as f64, 0.1],
            &[Qubit(q)],
        );
        if q > 0 {
            other.apply_gate(StandardGate::Cx, &[], &[Qubit(q - 1), Qubit(q)]);
        }
    }
    vec![StateVector::zero(n), other]
}

/// Whether two states are equal up to a global phase.
fn same_state(a: &[Complex64], b: &[Complex64]) -> bool {
    let overlap: Complex64 = a.iter().zip(b).map(|(x, y)| x.conj() * y).sum();
    (overlap.norm() - 1.0).abs() < 1e-8
}

/// The qubit each clbit is measured from (the last measurement into it).
fn measured_from(circuit: &Circuit) -> HashMap<u32, u32> {
    let mut from = HashMap::new();
    for inst in &circuit.instructions {
        if let Operation::Measure { qubit, clbit } = inst.op {
            from.insert(clbit.0, qubit.0);
        }
    }
    from
}

/// `state` of `out` with its qubits named as in `input`: a qubit `out` measures into clbit `c` is
/// the one `input` measures into `c`, and the others keep their index. Level 3 leaves out SWAP
/// gates before final measurements and measures the swapped qubits instead, so its states equal the
/// input's only in the measurements' frame.
fn in_input_labels(state: &StateVector, out: &Circuit, input: &Circuit) -> Vec<Complex64> {
    let n = out.num_qubits();
    let mut name: Vec<usize> = (0..n).collect();
    let theirs = measured_from(input);
    for (clbit, ours) in measured_from(out) {
        if let (Some(slot), Some(&q)) = (name.get_mut(ours as usize), theirs.get(&clbit)) {
            *slot = q as usize;
        }
    }
    let mut sorted = name.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        (0..n).collect::<Vec<_>>(),
        "measurements do not rename qubits one to one"
    );
    let mut renamed = vec![Complex64::new(0.0, 0.0); state.amplitudes().len()];
    for (index, amplitude) in state.amplitudes().iter().enumerate() {
        let to: usize = (0..n)
            .filter(|p| index >> p & 1 == 1)
            .map(|p| 1 << name[p])
            .sum();
        renamed[to] = *amplitude;
    }
    renamed
}

#[derive(Default, Clone, Copy)]
struct Totals {
    gates: usize,
    cx: usize,
    seconds: f64,
}

fn qiskit(entry: &Value, level: &str) -> Totals {
    let f = &entry["transpiled"][level];
    let n = |k: &str| f[k].as_u64().unwrap_or(0) as usize;
    Totals {
        gates: n("num_1q_gates") + n("num_2q_gates") + n("num_multiq_gates"),
        cx: n("cx_count"),
        seconds: f["time_s"].as_f64().unwrap_or(0.0),
    }
}

#[test]
fn corpus_optimizes_to_equivalent_smaller_circuits() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("facts.json")).unwrap()).unwrap();
    let options = ParseOptions {
        standard_definitions: StandardDefinitions::ExpandOutsideLibrary,
        ..Default::default()
    };
    let mut ours = [Totals::default(); 4];
    let (mut o0, mut o3) = (Totals::default(), Totals::default());
    let mut failures = Vec::new();
    let mut circuits = 0;
    let mut beaten_by_o3 = Vec::new();
    for entry in doc["circuits"].as_array().unwrap() {
        let id = entry["id"].as_str().unwrap_or("?");
        if entry["sv_top"].is_null()
            || entry["num_qubits"].as_u64().unwrap_or(99) > MAX_QUBITS as u64
        {
            continue;
        }
        let fmt = entry["transpile_input"].as_str().unwrap();
        let rel = entry["files"][fmt].as_str().unwrap();
        let source = std::fs::read_to_string(dir.join(rel)).unwrap();
        let circuit = parse_with(&source, &options).unwrap();
        circuits += 1;
        let n = circuit.num_qubits();
        let inputs = starts(n);
        let want: Vec<StateVector> = inputs.iter().map(|s| run(&circuit, s)).collect();
        let mut sizes = [0usize; 4];
        for level in 0..=3u8 {
            let started = Instant::now();
            let out = optimize(
                &circuit,
                &OptimizeOptions {
                    level,
                    basis: Basis::ibm(),
                },
            )
            .unwrap();
            let elapsed = started.elapsed();
            let counts = ResourceCounts::of(&out);
            let t = &mut ours[level as usize];
            t.gates += counts.gates;
            t.cx += counts.cx;
            t.seconds += elapsed.as_secs_f64();
            sizes[level as usize] = counts.gates;
            for (input, expected) in inputs.iter().zip(&want) {
                let got = in_input_labels(&run(&out, input), &out, &circuit);
                if !same_state(&got, expected.amplitudes()) {
                    failures.push(format!("{id} at level {level}: a different state"));
                }
            }
            if level == 3 && counts.gates > qiskit(entry, "o3").gates {
                beaten_by_o3.push(format!(
                    "{id} {}/{}cx vs {}/{}cx",
                    counts.gates,
                    counts.cx,
                    qiskit(entry, "o3").gates,
                    qiskit(entry, "o3").cx
                ));
            }
        }
        if sizes.iter().any(|s| *s > sizes[0]) {
            failures.push(format!("{id}: larger than its translation: {sizes:?}"));
        }
        for (total, add) in [
            (&mut o0, qiskit(entry, "o0")),
            (&mut o3, qiskit(entry, "o3")),
        ] {
            total.gates += add.gates;
            total.cx += add.cx;
            total.seconds += add.seconds;
        }
    }
    eprintln!(
        "optimizer on {circuits} corpus circuits (≤ {MAX_QUBITS} qubits), basis {{cx, rz, sx, x}}:"
    );
    let ms = |s: f64| Duration::from_secs_f64(s).as_secs_f64() * 1e3;
    for (level, t) in ours.iter().enumerate() {
        eprintln!(
            "  ours level {level}: {:6} gates, {:5} cx, {:8.1} ms (test profile)",
            t.gates,
            t.cx,
            ms(t.seconds)
        );
    }
    for (name, t) in [("Qiskit O0", o0), ("Qiskit O3", o3)] {
        eprintln!(
            "  {name}:      {:6} gates, {:5} cx, {:8.1} ms",
            t.gates,
            t.cx,
            ms(t.seconds)
        );
    }
    let best = ours[3];
    eprintln!(
        "  ours L3 / Qiskit O3: gates {:.3}, cx {:.3}; circuits where O3 has fewer gates: {}",
        best.gates as f64 / o3.gates as f64,
        best.cx as f64 / o3.cx as f64,
        beaten_by_o3.len()
    );
    for line in beaten_by_o3.iter().take(400) {
        eprintln!("    {line}");
    }
    assert!(circuits >= 150, "only {circuits} circuits checked");
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Issue 5's targets, on the corpus: no more gates and no more CX than Qiskit's O3 (nor O0).
    for (name, qiskit) in [("O3", o3), ("O0", o0)] {
        assert!(
            best.gates <= qiskit.gates && best.cx <= qiskit.cx,
            "level 3 ({} gates, {} cx) is larger than Qiskit {name} ({} gates, {} cx)",
            best.gates,
            best.cx,
            qiskit.gates,
            qiskit.cx
        );
    }
}

/// Every corpus file, including the dynamic ones (mid-circuit measurement, reset, conditions) and the
/// large ones: every level succeeds, validates, and is no larger than the translation.
#[test]
fn every_corpus_file_optimizes_without_growing() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("facts.json")).unwrap()).unwrap();
    let options = ParseOptions {
        standard_definitions: StandardDefinitions::ExpandOutsideLibrary,
        ..Default::default()
    };
    let mut files = 0;
    for entry in doc["circuits"].as_array().unwrap() {
        let Some(paths) = entry["files"].as_object() else {
            continue;
        };
        for (fmt, rel) in paths {
            let source = std::fs::read_to_string(dir.join(rel.as_str().unwrap())).unwrap();
            let circuit = parse_with(&source, &options).unwrap();
            files += 1;
            let mut sizes = Vec::new();
            for level in 0..=3u8 {
                let out = optimize(
                    &circuit,
                    &OptimizeOptions {
                        level,
                        basis: Basis::ibm(),
                    },
                )
                .unwrap();
                assert!(out.validate().is_ok(), "{} [{fmt}]", entry["id"]);
                sizes.push(ResourceCounts::of(&out).gates);
            }
            assert!(
                sizes.iter().all(|s| *s <= sizes[0]),
                "{} [{fmt}]: {sizes:?}",
                entry["id"]
            );
        }
    }
    assert!(files >= 500, "{files} files");
}
