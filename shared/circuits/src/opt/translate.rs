//! Basis translation: every standard gate as CX gates and single-qubit unitaries, exactly (the
//! returned phase makes it exact, not only up to global phase).
//!
//! Controlled single-qubit gates use one CX when the target unitary is traceless (`cy`, `cz`, `ch`:
//! a conjugated CX) and otherwise two CX around one Z rotation, conjugated by the target's
//! eigenbasis. Multi-controlled X, Z and
//! √X gates use the Gray-code phase polynomial of the multi-controlled phase (`2^k − 2` CX on `k`
//! qubits: 6 for `ccx`, 14 for `c3x`).

use num_complex::Complex64 as C;

use crate::ir::StandardGate as G;

use super::mat::{self, EPS, Mat2};
use super::program::Node;

fn diag_phase(angle: f64) -> Mat2 {
    mat::gate_matrix(G::P, &[angle])
}

fn one(out: &mut Vec<Node>, q: u32, m: Mat2) {
    out.push(Node::One { q, m });
}

fn g1(out: &mut Vec<Node>, q: u32, g: G, params: &[f64]) {
    one(out, q, mat::one_qubit_matrix(g, params));
}

fn cx(out: &mut Vec<Node>, c: u32, t: u32) {
    out.push(Node::Cx { c, t });
}

/// Controlled-`u` from `c` to `t`.
fn controlled(out: &mut Vec<Node>, c: u32, t: u32, u: &Mat2) {
    let trace = u[0] + u[3];
    if trace.norm() < EPS {
        // u = λ W with W = V X V† (eigenvalues ±1): controlled-u = P(arg λ) on c, then V·CX·V†.
        let det = u[0] * u[3] - u[1] * u[2];
        let lambda = (-det).sqrt();
        let w: Mat2 = u.map(|x| x / lambda);
        let half = C::new(0.5, 0.0);
        let plus = [
            half + w[0] * half,
            w[1] * half,
            w[2] * half,
            half + w[3] * half,
        ];
        let minus = [
            half - w[0] * half,
            -w[1] * half,
            -w[2] * half,
            half - w[3] * half,
        ];
        let column = |m: &Mat2| -> [C; 2] {
            let (a, b) = ([m[0], m[2]], [m[1], m[3]]);
            let na = (a[0].norm_sqr() + a[1].norm_sqr()).sqrt();
            let nb = (b[0].norm_sqr() + b[1].norm_sqr()).sqrt();
            if na >= nb {
                [a[0] / na, a[1] / na]
            } else {
                [b[0] / nb, b[1] / nb]
            }
        };
        let (vp, vm) = (column(&plus), column(&minus));
        // V = [v+ v-] · H, so that V|+⟩ = v+ and V|−⟩ = v-.
        let s = C::new(std::f64::consts::FRAC_1_SQRT_2, 0.0);
        let v: Mat2 = [
            (vp[0] + vm[0]) * s,
            (vp[0] - vm[0]) * s,
            (vp[1] + vm[1]) * s,
            (vp[1] - vm[1]) * s,
        ];
        one(out, t, mat::adjoint(&v));
        cx(out, c, t);
        one(out, t, v);
        one(out, c, diag_phase(lambda.arg()));
        return;
    }
    // u = V·diag(λ1, λ2)·V† = V·λ1·P(β)·V†: conjugate a controlled phase, whose middle gate is a
    // single Z rotation (the V's merge with the neighbours).
    let (v, l1, l2) = if mat::is_diagonal(u) {
        (mat::IDENTITY, u[0], u[3])
    } else {
        // The λ1 eigenvector spans the columns of u − λ2·I (u is normal).
        let det = u[0] * u[3] - u[1] * u[2];
        let l2 = (trace - (trace * trace - det * 4.0).sqrt()) / 2.0;
        let (a, b) = ([u[0] - l2, u[2]], [u[1], u[3] - l2]);
        let na = (a[0].norm_sqr() + a[1].norm_sqr()).sqrt();
        let nb = (b[0].norm_sqr() + b[1].norm_sqr()).sqrt();
        let e = if na >= nb {
            [a[0] / na, a[1] / na]
        } else {
            [b[0] / nb, b[1] / nb]
        };
        let v: Mat2 = [e[0], -e[1].conj(), e[1], e[0].conj()];
        let d = mat::mul(&mat::adjoint(&v), &mat::mul(u, &v));
        (v, d[0], d[3])
    };
    let beta = (l2 / l1).arg();
    one(out, t, mat::adjoint(&v));
    g1(out, t, G::Rz, &[beta / 2.0]);
    cx(out, c, t);
    g1(out, t, G::Rz, &[-beta / 2.0]);
    cx(out, c, t);
    one(out, t, v);
    one(out, c, diag_phase(l1.arg() + beta / 2.0));
}

/// Where a multi-controlled gate puts the terms of its phase polynomial that involve only its
/// controls (they commute with the rest): at the start, or at the end, where they can cancel against
/// a following gate on the controls (an adder's `ccx a, b, c; cx a, b`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum ControlTerms {
    #[default]
    First,
    Last,
}

/// Phase `phi` on the all-ones state of `qubits`, as a Gray-code phase polynomial: one block of
/// terms per qubit holding their parity, each block on that qubit and the ones before it, in
/// increasing order or (`ControlTerms::Last`) with the last qubit's block right after the first's.
fn multi_controlled_phase(out: &mut Vec<Node>, qubits: &[u32], phi: f64, order: ControlTerms) {
    let k = qubits.len();
    if k == 0 || k > 16 {
        return;
    }
    let scale = phi / (1u64 << (k - 1)) as f64;
    let holders = qubits.iter().enumerate();
    let holders: Vec<(usize, &u32)> = match order {
        ControlTerms::First => holders.collect(),
        // The first qubit's block is one phase gate: first, so that the gate ends with a CX.
        ControlTerms::Last => holders
            .clone()
            .take(1)
            .chain(holders.skip(1).rev())
            .collect(),
    };
    for (h, &holder) in holders {
        let steps = 1usize << h;
        for i in 0..steps {
            let gray = i ^ (i >> 1);
            if i > 0 {
                let flipped = (gray ^ ((i - 1) ^ ((i - 1) >> 1))).trailing_zeros() as usize;
                if let Some(&ctrl) = qubits.get(flipped) {
                    cx(out, ctrl, holder);
                }
            }
            let size = 1 + gray.count_ones();
            let sign = if size % 2 == 1 { 1.0 } else { -1.0 };
            one(out, holder, diag_phase(sign * scale));
        }
        if h > 0
            && let Some(&ctrl) = qubits.get(h - 1)
        {
            cx(out, ctrl, holder);
        }
    }
}

/// Multi-controlled `h·diag(1, e^{iφ})·h` on the last qubit: X for `φ = π`, √X for `φ = π/2`.
fn multi_controlled_x_power(out: &mut Vec<Node>, qubits: &[u32], phi: f64, order: ControlTerms) {
    let Some(&target) = qubits.last() else {
        return;
    };
    g1(out, target, G::H, &[]);
    multi_controlled_phase(out, qubits, phi, order);
    g1(out, target, G::H, &[]);
}

/// Appends `gate` on `qubits` as CX and single-qubit nodes; returns the global phase it adds.
/// `order` places the controls-only terms of multi-controlled X gates.
pub(crate) fn translate(
    gate: G,
    params: &[f64],
    qubits: &[u32],
    order: ControlTerms,
    out: &mut Vec<Node>,
) -> f64 {
    use std::f64::consts::{FRAC_PI_2, PI};
    let q = |i: usize| qubits.get(i).copied().unwrap_or(0);
    if qubits.len() != gate.num_qubits() {
        return 0.0;
    }
    match gate {
        _ if gate.num_qubits() == 1 => g1(out, q(0), gate, params),
        G::Cx => cx(out, q(0), q(1)),
        G::Cy
        | G::Cz
        | G::Ch
        | G::Csx
        | G::Crx
        | G::Cry
        | G::Crz
        | G::Cp
        | G::Cu1
        | G::Cu3
        | G::Cu => {
            // The target block where the control (bit 0) is set: rows and columns 1 and 3.
            let m = mat::gate_unitary(gate, params);
            let at = |r: usize, c: usize| m.get(r * 4 + c).copied().unwrap_or_default();
            controlled(out, q(0), q(1), &[at(1, 1), at(1, 3), at(3, 1), at(3, 3)]);
        }
        G::Swap => {
            // Start with the orientation of the last CX on these qubits, so that the two can cancel.
            let (a, b) = match out
                .iter()
                .rev()
                .find(|n| n.touches(q(0)) || n.touches(q(1)))
            {
                Some(Node::Cx { c, t }) if *c == q(1) && *t == q(0) => (q(1), q(0)),
                _ => (q(0), q(1)),
            };
            cx(out, a, b);
            cx(out, b, a);
            cx(out, a, b);
        }
        G::Rzz => {
            cx(out, q(0), q(1));
            g1(out, q(1), G::Rz, params);
            cx(out, q(0), q(1));
        }
        G::Rxx => {
            g1(out, q(0), G::H, &[]);
            g1(out, q(1), G::H, &[]);
            cx(out, q(0), q(1));
            g1(out, q(1), G::Rz, params);
            cx(out, q(0), q(1));
            g1(out, q(0), G::H, &[]);
            g1(out, q(1), G::H, &[]);
        }
        G::Ccx | G::C3x | G::C4x => multi_controlled_x_power(out, qubits, PI, order),
        G::C3sqrtx => multi_controlled_x_power(out, qubits, FRAC_PI_2, order),
        G::Cswap => {
            cx(out, q(2), q(1));
            multi_controlled_x_power(out, qubits, PI, ControlTerms::First);
            cx(out, q(2), q(1));
        }
        G::Rccx | G::Rc3x => {
            let mut phase = 0.0;
            for (g, p, idx) in gate.definition() {
                let sub: Vec<u32> = idx.iter().map(|&i| q(i)).collect();
                phase += translate(*g, p, &sub, ControlTerms::First, out);
            }
            return phase;
        }
        // One-qubit gates were handled above; nothing else remains.
        _ => {}
    }
    0.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Circuit;
    use crate::opt::euler;
    use crate::sim::{equivalent_up_to_global_phase, unitary};

    /// The circuit of the nodes (one-qubit nodes written as `u` gates, exactly, phase included).
    fn circuit_of(nodes: &[Node], n: usize, phase: f64) -> Circuit {
        let mut c = Circuit::new();
        c.add_qreg("q", n as u32);
        c.global_phase = phase;
        for node in nodes {
            match node {
                Node::One { q, m } => {
                    let s = euler::synthesize(m, crate::opt::basis::OneQubitForm::U);
                    c.global_phase += s.phase;
                    for (g, p) in s.gates {
                        c.gate(g, &p, &[*q]);
                    }
                }
                Node::Cx { c: a, t } => {
                    c.gate(G::Cx, &[], &[*a, *t]);
                }
                Node::Fixed(_) => {}
            }
        }
        c
    }

    #[test]
    fn every_gate_translates_exactly() {
        for (g, order) in G::ALL
            .iter()
            .flat_map(|g| [(*g, ControlTerms::First), (*g, ControlTerms::Last)])
        {
            let n = g.num_qubits();
            let params: Vec<f64> = (0..g.num_params()).map(|i| 0.3 + 0.9 * i as f64).collect();
            // Qubits in a scrambled order, to catch mixed-up roles.
            let qubits: Vec<u32> = (0..n as u32).rev().collect();
            let mut nodes = Vec::new();
            let phase = translate(g, &params, &qubits, order, &mut nodes);
            assert!(nodes.iter().all(|n| !matches!(n, Node::Fixed(_))), "{g:?}");
            let ours = unitary(&circuit_of(&nodes, n, phase)).unwrap();
            let mut reference = Circuit::new();
            reference.add_qreg("q", n as u32);
            reference.gate(g, &params, &qubits);
            let want = unitary(&reference).unwrap();
            assert!(equivalent_up_to_global_phase(&ours, &want, 1e-9), "{g:?}");
            // Exact, phase included.
            let diff = ours
                .data
                .iter()
                .zip(&want.data)
                .map(|(a, b)| (a - b).norm())
                .fold(0.0, f64::max);
            assert!(diff < 1e-9, "{g:?} {order:?}: phase off by {diff}");
        }
    }

    #[test]
    fn control_terms_last_end_a_toffoli_on_its_controls() {
        let last_cx = |order| {
            let mut nodes = Vec::new();
            translate(G::Ccx, &[], &[0, 1, 2], order, &mut nodes);
            nodes.iter().rev().find_map(|n| match n {
                Node::Cx { c, t } => Some((*c, *t)),
                _ => None,
            })
        };
        assert_eq!(last_cx(ControlTerms::Last), Some((0, 1)));
        assert_ne!(last_cx(ControlTerms::First), Some((0, 1)));
    }

    #[test]
    fn cx_counts() {
        let count = |g: G| {
            let mut nodes = Vec::new();
            let qubits: Vec<u32> = (0..g.num_qubits() as u32).collect();
            let params = vec![0.4; g.num_params()];
            translate(g, &params, &qubits, ControlTerms::First, &mut nodes);
            nodes
                .iter()
                .filter(|n| matches!(n, Node::Cx { .. }))
                .count()
        };
        assert_eq!(count(G::Cz), 1);
        assert_eq!(count(G::Cy), 1);
        assert_eq!(count(G::Ch), 1);
        assert_eq!(count(G::Cp), 2);
        assert_eq!(count(G::Swap), 3);
        assert_eq!(count(G::Ccx), 6);
        assert_eq!(count(G::C3x), 14);
        assert_eq!(count(G::C4x), 30);
        assert_eq!(count(G::Cswap), 8);
    }
}
