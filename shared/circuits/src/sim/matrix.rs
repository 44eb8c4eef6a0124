//! Dense matrices of the standard gates. Row-major; bit `j` of a row or column index is the gate's
//! `j`-th qubit (the first qubit is least significant, as in Qiskit), controls come first.

use std::f64::consts::{FRAC_1_SQRT_2, FRAC_PI_2, FRAC_PI_4};

use num_complex::Complex64 as C;

use crate::ir::StandardGate as G;

const O: C = C::new(0.0, 0.0);
const I1: C = C::new(1.0, 0.0);
const IM: C = C::new(0.0, 1.0);

fn phase(theta: f64) -> C {
    C::from_polar(1.0, theta)
}

/// `u(θ, φ, λ)`, the general single-qubit gate of `qelib1.inc`.
pub(crate) fn u3(theta: f64, phi: f64, lambda: f64) -> [C; 4] {
    let (s, c) = (theta / 2.0).sin_cos();
    [
        C::from(c),
        -phase(lambda) * s,
        phase(phi) * s,
        phase(phi + lambda) * c,
    ]
}

fn one_qubit(g: G, p: &[f64]) -> Option<[C; 4]> {
    let a = |i: usize| p.get(i).copied().unwrap_or(0.0);
    let h = C::from(FRAC_1_SQRT_2);
    Some(match g {
        G::Id | G::U0 => [I1, O, O, I1],
        G::X => [O, I1, I1, O],
        G::Y => [O, -IM, IM, O],
        G::Z => [I1, O, O, -I1],
        G::H => [h, h, h, -h],
        G::S => [I1, O, O, IM],
        G::Sdg => [I1, O, O, -IM],
        G::T => [I1, O, O, phase(FRAC_PI_4)],
        G::Tdg => [I1, O, O, phase(-FRAC_PI_4)],
        G::Sx => {
            let (x, y) = (C::new(0.5, 0.5), C::new(0.5, -0.5));
            [x, y, y, x]
        }
        G::Sxdg => {
            let (x, y) = (C::new(0.5, -0.5), C::new(0.5, 0.5));
            [x, y, y, x]
        }
        G::Rx => {
            let (s, c) = (a(0) / 2.0).sin_cos();
            [C::from(c), -IM * s, -IM * s, C::from(c)]
        }
        G::Ry => {
            let (s, c) = (a(0) / 2.0).sin_cos();
            [C::from(c), C::from(-s), C::from(s), C::from(c)]
        }
        G::Rz => [phase(-a(0) / 2.0), O, O, phase(a(0) / 2.0)],
        G::P | G::U1 => [I1, O, O, phase(a(0))],
        G::U2 => u3(FRAC_PI_2, a(0), a(1)),
        G::U3 | G::U => u3(a(0), a(1), a(2)),
        _ => return None,
    })
}

/// Embeds `target` (acting on the high qubits) under `controls` low control qubits.
fn controlled(target: &[C], target_qubits: usize, controls: usize) -> Vec<C> {
    let dim = 1usize << (target_qubits + controls);
    let cmask = (1usize << controls) - 1;
    let tdim = 1usize << target_qubits;
    let mut m = vec![O; dim * dim];
    for r in 0..dim {
        for c in 0..dim {
            let v = if r & cmask == cmask && c & cmask == cmask {
                target
                    .get((r >> controls) * tdim + (c >> controls))
                    .copied()
                    .unwrap_or(O)
            } else if r == c {
                I1
            } else {
                O
            };
            if let Some(x) = m.get_mut(r * dim + c) {
                *x = v;
            }
        }
    }
    m
}

fn swap() -> Vec<C> {
    let mut m = vec![O; 16];
    for (r, c) in [(0, 0), (1, 2), (2, 1), (3, 3)] {
        if let Some(x) = m.get_mut(r * 4 + c) {
            *x = I1;
        }
    }
    m
}

/// For gates that are a single-qubit gate under controls: how many controls (the first qubits) and
/// the target's 2×2 matrix. The simulator applies these without building the full matrix.
pub(crate) fn as_controlled(gate: G, params: &[f64]) -> Option<(usize, [C; 4])> {
    if let Some(m) = one_qubit(gate, params) {
        return Some((0, m));
    }
    let a = |i: usize| params.get(i).copied().unwrap_or(0.0);
    let base = |g: G, p: &[f64]| one_qubit(g, p);
    Some(match gate {
        G::Cx => (1, base(G::X, &[])?),
        G::Cy => (1, base(G::Y, &[])?),
        G::Cz => (1, base(G::Z, &[])?),
        G::Ch => (1, base(G::H, &[])?),
        G::Csx => (1, base(G::Sx, &[])?),
        G::Crx => (1, base(G::Rx, params)?),
        G::Cry => (1, base(G::Ry, params)?),
        G::Crz => (1, base(G::Rz, params)?),
        G::Cp | G::Cu1 => (1, base(G::P, params)?),
        G::Cu3 => (1, base(G::U3, params)?),
        G::Cu => (1, u3(a(0), a(1), a(2)).map(|x| x * phase(a(3)))),
        G::Ccx => (2, base(G::X, &[])?),
        G::C3x => (3, base(G::X, &[])?),
        G::C3sqrtx => (3, base(G::Sx, &[])?),
        G::C4x => (4, base(G::X, &[])?),
        _ => return None,
    })
}

/// The matrix of a gate given by its library definition, column by column.
fn from_definition(gate: G) -> Vec<C> {
    use super::state::StateVector;
    use crate::units::Qubit;
    let k = gate.num_qubits();
    let dim = 1usize << k;
    let mut m = vec![O; dim * dim];
    for col in 0..dim {
        let mut s = StateVector::basis(k, col);
        for (g, params, qubits) in gate.definition() {
            let qs: Vec<Qubit> = qubits.iter().map(|&q| Qubit(q as u32)).collect();
            s.apply_gate(*g, params, &qs);
        }
        for (row, a) in s.amplitudes().iter().enumerate() {
            if let Some(x) = m.get_mut(row * dim + col) {
                *x = *a;
            }
        }
    }
    m
}

/// The unitary of `gate` with `params`, of dimension `2^gate.num_qubits()`.
pub(crate) fn gate_matrix(gate: G, params: &[f64]) -> Vec<C> {
    if let Some(m) = one_qubit(gate, params) {
        return m.to_vec();
    }
    let a = |i: usize| params.get(i).copied().unwrap_or(0.0);
    let ctrl1 =
        |g: G, p: &[f64], n: usize| controlled(&one_qubit(g, p).unwrap_or([I1, O, O, I1]), 1, n);
    match gate {
        G::Cx => ctrl1(G::X, &[], 1),
        G::Cy => ctrl1(G::Y, &[], 1),
        G::Cz => ctrl1(G::Z, &[], 1),
        G::Ch => ctrl1(G::H, &[], 1),
        G::Csx => ctrl1(G::Sx, &[], 1),
        G::Crx => ctrl1(G::Rx, params, 1),
        G::Cry => ctrl1(G::Ry, params, 1),
        G::Crz => ctrl1(G::Rz, params, 1),
        G::Cp | G::Cu1 => ctrl1(G::P, params, 1),
        G::Cu3 => ctrl1(G::U3, params, 1),
        G::Cu => {
            let g = phase(a(3));
            controlled(&u3(a(0), a(1), a(2)).map(|x| x * g), 1, 1)
        }
        G::Swap => swap(),
        G::Rxx => {
            let (s, c) = (a(0) / 2.0).sin_cos();
            let (c, s) = (C::from(c), -IM * s);
            vec![c, O, O, s, O, c, s, O, O, s, c, O, s, O, O, c]
        }
        G::Rzz => {
            let (m, p) = (phase(-a(0) / 2.0), phase(a(0) / 2.0));
            vec![m, O, O, O, O, p, O, O, O, O, p, O, O, O, O, m]
        }
        G::Ccx => ctrl1(G::X, &[], 2),
        G::Cswap => controlled(&swap(), 2, 1),
        G::C3x => ctrl1(G::X, &[], 3),
        G::C3sqrtx => ctrl1(G::Sx, &[], 3),
        G::C4x => ctrl1(G::X, &[], 4),
        G::Rccx | G::Rc3x => from_definition(gate),
        // One-qubit gates were handled above.
        _ => vec![I1, O, O, I1],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_unitary(m: &[C], dim: usize) -> bool {
        (0..dim).all(|i| {
            (0..dim).all(|j| {
                let dot: C = (0..dim)
                    .map(|k| m[k * dim + i].conj() * m[k * dim + j])
                    .sum();
                let want = if i == j { 1.0 } else { 0.0 };
                (dot - want).norm() < 1e-12
            })
        })
    }

    #[test]
    fn every_gate_is_unitary() {
        for g in G::ALL {
            let params: Vec<f64> = (0..g.num_params()).map(|i| 0.3 + i as f64).collect();
            let m = gate_matrix(g, &params);
            let dim = 1 << g.num_qubits();
            assert_eq!(m.len(), dim * dim, "{g:?}");
            assert!(is_unitary(&m, dim), "{g:?}");
        }
    }

    #[test]
    fn controlled_form_matches_the_full_matrix() {
        use crate::sim::state::StateVector;
        use crate::units::Qubit;
        for g in G::ALL {
            let params: Vec<f64> = (0..g.num_params()).map(|i| 0.7 - i as f64).collect();
            let Some((nc, m)) = as_controlled(g, &params) else {
                continue;
            };
            let k = g.num_qubits();
            let qubits: Vec<Qubit> = (0..k as u32).rev().map(Qubit).collect();
            for col in 0..1usize << k {
                let mut a = StateVector::basis(k, col);
                let mut b = a.clone();
                a.apply(&gate_matrix(g, &params), &qubits);
                b.apply_controlled(m, &qubits[..nc], qubits[nc]);
                for (x, y) in a.amplitudes().iter().zip(b.amplitudes()) {
                    assert!((x - y).norm() < 1e-12, "{g:?}");
                }
            }
        }
    }

    #[test]
    fn cx_control_is_first_qubit() {
        let m = gate_matrix(G::Cx, &[]);
        // |q1 q0> = |01> (index 1, control set) maps to |11> (index 3).
        assert_eq!(m[3 * 4 + 1], I1);
        assert_eq!(m[2 * 4 + 2], I1);
    }
}
