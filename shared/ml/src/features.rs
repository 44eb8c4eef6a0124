//! Features of a circuit as written, before any transpilation: what a fast estimate can afford.
//!
//! Counts enter as `ln(1 + count)` so sizes spanning orders of magnitude stay comparable; shares
//! and ratios enter as they are. The serving side computes the same vector with [`features`].

use synq_circuits::{Circuit, Operation, ResourceCounts, StandardGate as G};

/// Gate groups counted separately (by what they cost and which families use them).
const GROUPS: [(&str, &[G]); 16] = [
    ("h", &[G::H]),
    ("pauli", &[G::X, G::Y, G::Z]),
    ("phase", &[G::S, G::Sdg, G::T, G::Tdg, G::P, G::U1, G::Rz]),
    ("sqrt_x", &[G::Sx, G::Sxdg]),
    ("rotation_xy", &[G::Rx, G::Ry]),
    ("euler", &[G::U, G::U2, G::U3, G::U0]),
    ("cx", &[G::Cx]),
    ("controlled_pauli", &[G::Cy, G::Cz, G::Ch, G::Csx]),
    ("controlled_phase", &[G::Cp, G::Cu1, G::Crz]),
    ("controlled_rotation", &[G::Crx, G::Cry, G::Cu3, G::Cu]),
    ("swap", &[G::Swap]),
    ("ising", &[G::Rxx, G::Rzz]),
    ("toffoli", &[G::Ccx, G::Rccx]),
    ("fredkin", &[G::Cswap]),
    ("multi_controlled", &[G::C3x, G::C3sqrtx, G::C4x, G::Rc3x]),
    ("identity", &[G::Id]),
];

/// CX gates in the usual decomposition of each gate (a static table, not a transpilation).
fn cx_cost(gate: G) -> usize {
    match gate.num_qubits() {
        1 => 0,
        _ => match gate {
            G::Cx | G::Cy | G::Cz | G::Ch => 1,
            G::Swap | G::Rccx => 3,
            G::Ccx | G::Rc3x => 6,
            G::Cswap => 8,
            G::C3x | G::C3sqrtx => 14,
            G::C4x => 36,
            _ => 2,
        },
    }
}

/// The feature names, in vector order.
pub fn feature_names() -> Vec<String> {
    let mut names: Vec<String> = [
        "qubits",
        "clbits",
        "gates",
        "one_qubit_gates",
        "two_qubit_gates",
        "multi_qubit_gates",
        "depth",
        "measurements",
        "mid_circuit_measurements",
        "resets",
        "conditioned",
        "barriers",
        "t_count",
        "cx_cost",
        "two_qubit_depth",
        "fused_depth",
        "one_qubit_runs",
        "cx_cost_depth",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    names.extend(GROUPS.iter().map(|(g, _)| format!("gates_{g}")));
    names.extend(
        [
            "gates_per_qubit",
            "two_qubit_share",
            "non_clifford_angle_share",
            "pair_density",
            "max_degree_share",
            "mean_span",
            "distinct_gates",
            "measured_share",
            "idle_share",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    names
}

fn log_count(x: usize) -> f32 {
    (x as f32).ln_1p()
}

/// Whether an angle is a multiple of π/2 (a Clifford rotation).
fn clifford_angle(theta: f64) -> bool {
    let k = theta / std::f64::consts::FRAC_PI_2;
    (k - k.round()).abs() < 1e-9
}

/// Critical-path lengths of a circuit under several cost models, walked once.
#[derive(Default)]
struct Paths {
    two_qubit_depth: usize,
    fused_depth: usize,
    cx_cost_depth: usize,
    one_qubit_runs: usize,
}

fn paths(circuit: &Circuit) -> Paths {
    let n = circuit.num_qubits();
    let mut two = vec![0usize; n];
    let mut fused = vec![0usize; n];
    let mut cost = vec![0usize; n];
    // Whether the qubit's last operation was a one-qubit gate (so a run continues).
    let mut in_run = vec![false; n];
    let mut p = Paths::default();
    for inst in &circuit.instructions {
        let wires: Vec<usize> = inst
            .op
            .qubits()
            .iter()
            .map(|q| q.index())
            .filter(|&q| q < n)
            .collect();
        let top = |levels: &[usize]| wires.iter().map(|&w| levels[w]).max().unwrap_or(0);
        match &inst.op {
            Operation::Gate(g) if g.qubits.len() == 1 => {
                let q = wires[0];
                if !in_run[q] {
                    fused[q] += 1;
                    p.one_qubit_runs += 1;
                    in_run[q] = true;
                }
            }
            Operation::Barrier { .. } => {
                for levels in [&mut two, &mut fused, &mut cost] {
                    let t = top(levels);
                    wires.iter().for_each(|&w| levels[w] = t);
                }
            }
            op => {
                let (step, weight) = match op {
                    Operation::Gate(g) => (1, cx_cost(g.gate)),
                    _ => (0, 0),
                };
                let next_two = top(&two) + step;
                let next_fused = top(&fused) + 1;
                let next_cost = top(&cost) + weight;
                for &w in &wires {
                    two[w] = next_two;
                    fused[w] = next_fused;
                    cost[w] = next_cost;
                    in_run[w] = false;
                }
            }
        }
    }
    p.two_qubit_depth = two.into_iter().max().unwrap_or(0);
    p.fused_depth = fused.into_iter().max().unwrap_or(0);
    p.cx_cost_depth = cost.into_iter().max().unwrap_or(0);
    p
}

/// The feature vector of `circuit` (same order as [`feature_names`]).
pub fn features(circuit: &Circuit) -> Vec<f32> {
    let counts = ResourceCounts::of(circuit);
    let n = counts.qubits.max(1);
    let mut group_counts = [0usize; GROUPS.len()];
    let mut pairs = std::collections::BTreeSet::new();
    let mut degree = vec![std::collections::BTreeSet::new(); n];
    let (mut span_sum, mut multi) = (0usize, 0usize);
    let (mut angled, mut non_clifford) = (0usize, 0usize);
    let (mut resets, mut conditioned, mut barriers, mut mid_measure) = (0, 0, 0, 0);
    let mut cx_total = 0usize;
    let mut measured = vec![false; n];
    let mut touched = vec![false; n];
    for inst in &circuit.instructions {
        if inst.condition.is_some() {
            conditioned += 1;
        }
        match &inst.op {
            Operation::Gate(g) => {
                if let Some(i) = GROUPS.iter().position(|(_, gs)| gs.contains(&g.gate)) {
                    group_counts[i] += 1;
                }
                cx_total += cx_cost(g.gate);
                for p in &g.params {
                    angled += 1;
                    if !clifford_angle(*p) {
                        non_clifford += 1;
                    }
                }
                let qs: Vec<usize> = g.qubits.iter().map(|q| q.index()).collect();
                for &q in &qs {
                    if q < n {
                        touched[q] = true;
                        if measured[q] {
                            mid_measure += 1;
                            measured[q] = false;
                        }
                    }
                }
                if qs.len() >= 2 {
                    multi += 1;
                    let lo = qs.iter().min().copied().unwrap_or(0);
                    let hi = qs.iter().max().copied().unwrap_or(0);
                    span_sum += hi - lo;
                    for (i, &a) in qs.iter().enumerate() {
                        for &b in &qs[i + 1..] {
                            pairs.insert((a.min(b), a.max(b)));
                            if a < n && b < n {
                                degree[a].insert(b);
                                degree[b].insert(a);
                            }
                        }
                    }
                }
            }
            Operation::Measure { qubit, .. } => {
                if let Some(m) = measured.get_mut(qubit.index()) {
                    *m = true;
                }
            }
            Operation::Reset { .. } => resets += 1,
            Operation::Barrier { .. } => barriers += 1,
        }
    }
    let paths = paths(circuit);
    let possible_pairs = (n * (n - 1) / 2).max(1);
    let mut v = vec![
        log_count(counts.qubits),
        log_count(counts.clbits),
        log_count(counts.gates),
        log_count(counts.one_qubit_gates),
        log_count(counts.two_qubit_gates),
        log_count(counts.multi_qubit_gates),
        log_count(counts.depth),
        log_count(counts.measurements),
        log_count(mid_measure),
        log_count(resets),
        log_count(conditioned),
        log_count(barriers),
        log_count(counts.t_count),
        log_count(cx_total),
        log_count(paths.two_qubit_depth),
        log_count(paths.fused_depth),
        log_count(paths.one_qubit_runs),
        log_count(paths.cx_cost_depth),
    ];
    v.extend(group_counts.iter().map(|&c| log_count(c)));
    let gates = counts.gates.max(1) as f32;
    v.extend([
        counts.gates as f32 / n as f32 / 100.0,
        counts.two_qubit_gates as f32 / gates,
        if angled == 0 {
            0.0
        } else {
            non_clifford as f32 / angled as f32
        },
        pairs.len() as f32 / possible_pairs as f32,
        degree.iter().map(|d| d.len()).max().unwrap_or(0) as f32 / (n.max(2) - 1) as f32,
        if multi == 0 {
            0.0
        } else {
            span_sum as f32 / multi as f32 / n as f32
        },
        counts.ops_by_name.len() as f32 / 10.0,
        counts.measurements.min(n) as f32 / n as f32,
        touched.iter().filter(|t| !**t).count() as f32 / n as f32,
    ]);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_vector() {
        let c = synq_circuits::parse(
            "OPENQASM 2.0; include \"qelib1.inc\"; qreg q[3]; creg c[3]; h q[0]; t q[0]; cx q[0], q[1]; \
             ccx q[0], q[1], q[2]; measure q[0] -> c[0]; x q[0]; measure q -> c;",
        )
        .unwrap();
        let v = features(&c);
        let names = feature_names();
        assert_eq!(v.len(), names.len());
        let get = |name: &str| v[names.iter().position(|n| n == name).unwrap()];
        assert_eq!(get("gates_toffoli"), 1f32.ln_1p());
        assert_eq!(get("cx_cost"), 7f32.ln_1p());
        assert_eq!(get("mid_circuit_measurements"), 1f32.ln_1p());
        // h·t is one run on q0, x another; q1 and q2 have no one-qubit gates.
        assert_eq!(get("one_qubit_runs"), 2f32.ln_1p());
        assert_eq!(get("cx_cost_depth"), 7f32.ln_1p());
        assert_eq!(get("two_qubit_depth"), 2f32.ln_1p());
        assert!(v.iter().all(|x| x.is_finite()));
    }
}
