//! The circuits bench: every `.qasm` file of a folder parsed, then optimized into the IBM basis
//! {cx, rz, sx, x} by `synq_circuits::optimize`, timed over several runs.
//!
//! Only the optimizer is timed (as `transpile` is on the Qiskit side of `bench/circuits/compare.py`);
//! parsing is timed once, apart. Files are read as Qiskit's importers read them
//! ([`StandardDefinitions::ExpandOutsideLibrary`]), so both tools start from the same circuit.
//!
//! This module uses only `std`, `anyhow`, `serde` and `synq-circuits`: `bench/circuits-wasm` builds
//! the same file for WebAssembly (WASI), so keep it free of the native-only dependencies.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use serde::Serialize;

use crate::median::median;
use synq_circuits::opt::{Basis, OptimizeOptions, gate_count, optimize};
use synq_circuits::{Circuit, ParseOptions, ResourceCounts, StandardDefinitions, parse_with};

/// The basis every circuit is optimized into.
pub(crate) const BASIS: [&str; 4] = ["cx", "rz", "sx", "x"];

/// One circuit's result.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct CircuitResult {
    /// The file name without `.qasm`.
    pub(crate) name: String,
    pub(crate) qubits: usize,
    /// Unitary gates, CX gates and depth of the parsed input.
    pub(crate) gates_before: usize,
    pub(crate) cx_before: usize,
    pub(crate) depth_before: usize,
    /// Unitary gates, CX gates and depth (Qiskit's definition: measurements count) after optimizing.
    pub(crate) gates: usize,
    pub(crate) cx: usize,
    pub(crate) depth: usize,
    /// Median wall time of `optimize` over the runs, in seconds.
    pub(crate) time_s: f64,
    pub(crate) min_time_s: f64,
    /// Wall time of parsing the file once, in seconds (not part of `time_s`).
    pub(crate) parse_s: f64,
}

/// A file that could not be parsed or optimized.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Failure {
    pub(crate) name: String,
    pub(crate) error: String,
}

/// Sums over the circuits that worked.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub(crate) struct Totals {
    pub(crate) circuits: usize,
    pub(crate) gates_before: usize,
    pub(crate) gates: usize,
    pub(crate) cx: usize,
    pub(crate) depth: usize,
    /// Sum of the per-circuit median times.
    pub(crate) time_s: f64,
    pub(crate) parse_s: f64,
}

/// The `circuits` report.
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    pub(crate) dir: String,
    pub(crate) level: u8,
    pub(crate) basis: [&'static str; 4],
    pub(crate) runs: usize,
    pub(crate) circuits: Vec<CircuitResult>,
    pub(crate) failures: Vec<Failure>,
    pub(crate) totals: Totals,
}

/// The `.qasm` files directly in `dir`, sorted by name.
pub(crate) fn qasm_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if is_qasm(&path) && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn is_qasm(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "qasm")
}

/// Parses and optimizes every `.qasm` file of `dir`, `runs` times each. A file that fails is listed
/// in `failures`; the bench itself fails only when `dir` cannot be read or holds no `.qasm` file.
pub(crate) fn run(dir: &Path, level: u8, runs: usize) -> anyhow::Result<Report> {
    if level > 3 {
        bail!("--level must be 0 to 3, not {level}");
    }
    let files = qasm_files(dir)?;
    if files.is_empty() {
        bail!("no .qasm files in {}", dir.display());
    }
    let mut circuits = Vec::new();
    let mut failures = Vec::new();
    for path in &files {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let outcome = std::fs::read_to_string(path)
            .with_context(|| format!("reading {}", path.display()))
            .and_then(|source| measure(&name, &source, level, runs));
        match outcome {
            Ok(result) => {
                eprintln!(
                    "circuits: {name}: {} gates, {} cx, depth {} in {:.3} ms",
                    result.gates,
                    result.cx,
                    result.depth,
                    result.time_s * 1e3
                );
                circuits.push(result);
            }
            Err(e) => {
                eprintln!("circuits: {name}: FAILED: {e:#}");
                failures.push(Failure {
                    name,
                    error: format!("{e:#}"),
                });
            }
        }
    }
    let totals = totals(&circuits);
    Ok(Report {
        dir: dir.display().to_string(),
        level,
        basis: BASIS,
        runs,
        circuits,
        failures,
        totals,
    })
}

/// Parses `source` once and optimizes it `runs` times (at least once).
pub(crate) fn measure(
    name: &str,
    source: &str,
    level: u8,
    runs: usize,
) -> anyhow::Result<CircuitResult> {
    let parse_options = ParseOptions {
        standard_definitions: StandardDefinitions::ExpandOutsideLibrary,
        ..ParseOptions::default()
    };
    let start = Instant::now();
    let circuit = parse_with(source, &parse_options).map_err(|e| anyhow::anyhow!("parse: {e}"))?;
    let parse_s = start.elapsed().as_secs_f64();
    let options = OptimizeOptions {
        level,
        basis: Basis::from_names(&BASIS).map_err(|e| anyhow::anyhow!("basis: {e}"))?,
    };
    let mut times = Vec::with_capacity(runs.max(1));
    let mut out: Option<Circuit> = None;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        let optimized =
            optimize(&circuit, &options).map_err(|e| anyhow::anyhow!("optimize: {e}"))?;
        times.push(start.elapsed().as_secs_f64());
        if let Some(previous) = &out
            && gate_count(previous) != gate_count(&optimized)
        {
            bail!("optimize is not deterministic");
        }
        out = Some(optimized);
    }
    let out = out.context("no run")?;
    let before = ResourceCounts::of(&circuit);
    let after = ResourceCounts::of(&out);
    Ok(CircuitResult {
        name: name.to_owned(),
        qubits: circuit.num_qubits(),
        gates_before: before.gates,
        cx_before: before.cx,
        depth_before: before.depth,
        gates: after.gates,
        cx: after.cx,
        depth: after.depth,
        time_s: median(&times).unwrap_or(0.0),
        min_time_s: times.iter().copied().fold(f64::INFINITY, f64::min),
        parse_s,
    })
}

/// Sums over `circuits`.
pub(crate) fn totals(circuits: &[CircuitResult]) -> Totals {
    circuits.iter().fold(Totals::default(), |mut t, c| {
        t.circuits += 1;
        t.gates_before += c.gates_before;
        t.gates += c.gates;
        t.cx += c.cx;
        t.depth += c.depth;
        t.time_s += c.time_s;
        t.parse_s += c.parse_s;
        t
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const BELL_TWICE: &str = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\ncreg c[2];\n\
        h q[0];\nh q[0];\nh q[0];\ncx q[0], q[1];\ncx q[0], q[1];\ncx q[0], q[1];\nmeasure q -> c;\n";

    #[test]
    fn measures_a_circuit_in_the_basis() {
        let r = measure("bell", BELL_TWICE, 3, 3).unwrap();
        assert_eq!(r.name, "bell");
        assert_eq!(r.qubits, 2);
        assert_eq!((r.gates_before, r.cx_before), (6, 3));
        // h = rz sx rz (up to phase), one cx left.
        assert_eq!(r.cx, 1);
        assert_eq!(r.gates, 4);
        assert_eq!(r.depth, 5); // 3 for h, cx, measure
        assert!(r.time_s >= 0.0 && r.min_time_s <= r.time_s);
        let level0 = measure("bell", BELL_TWICE, 0, 1).unwrap();
        assert_eq!(level0.cx, 3);
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let err = measure("bad", "OPENQASM 2.0;\nqreg q[1];\nfoo q[0];\n", 3, 1).unwrap_err();
        assert!(format!("{err:#}").contains("parse"), "{err:#}");
    }

    #[test]
    fn totals_add_up() {
        let a = measure("a", BELL_TWICE, 3, 1).unwrap();
        let t = totals(&[a.clone(), a.clone()]);
        assert_eq!(t.circuits, 2);
        assert_eq!(t.gates, 2 * a.gates);
        assert_eq!(t.cx, 2 * a.cx);
        assert_eq!(t.depth, 2 * a.depth);
        assert_eq!(totals(&[]), Totals::default());
    }

    #[test]
    fn reads_only_qasm_files_sorted_and_lists_failures() {
        let dir = std::env::temp_dir().join(format!("synq-bench-circuits-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("b.qasm"), BELL_TWICE).unwrap();
        std::fs::write(dir.join("a.qasm"), "OPENQASM 2.0;\nqreg q[1];\nfoo q[0];\n").unwrap();
        std::fs::write(dir.join("notes.txt"), "not a circuit").unwrap();
        let names: Vec<_> = qasm_files(&dir)
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a.qasm", "b.qasm"]);
        let report = run(&dir, 3, 2).unwrap();
        assert_eq!(report.circuits.len(), 1);
        assert_eq!(report.failures.len(), 1);
        assert_eq!(report.failures[0].name, "a");
        assert_eq!(report.totals.circuits, 1);
        assert!(run(&dir, 4, 1).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(run(&dir, 3, 1).is_err());
    }
}
