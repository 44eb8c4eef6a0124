//! 2×2 complex matrices for single-qubit runs: products, predicates, and the matrix of a standard
//! one-qubit gate (taken from the simulator, so the optimizer and the simulator agree by construction).

use std::f64::consts::FRAC_PI_4;

use num_complex::Complex64 as C;

use crate::ir::StandardGate;
use crate::sim::StateVector;
use crate::units::Qubit;

/// Entries are considered zero below this.
pub(crate) const EPS: f64 = 1e-10;

/// A row-major 2×2 matrix `[m00, m01, m10, m11]`.
pub(crate) type Mat2 = [C; 4];

pub(crate) const IDENTITY: Mat2 = [
    C::new(1.0, 0.0),
    C::new(0.0, 0.0),
    C::new(0.0, 0.0),
    C::new(1.0, 0.0),
];

const fn c(re: f64, im: f64) -> C {
    C::new(re, im)
}

const ONE: C = c(1.0, 0.0);
const ZERO: C = c(0.0, 0.0);
pub(crate) const PAULI_X: Mat2 = [c(0.0, 0.0), c(1.0, 0.0), c(1.0, 0.0), c(0.0, 0.0)];
pub(crate) const PAULI_Y: Mat2 = [c(0.0, 0.0), c(0.0, -1.0), c(0.0, 1.0), c(0.0, 0.0)];
pub(crate) const PAULI_Z: Mat2 = [c(1.0, 0.0), c(0.0, 0.0), c(0.0, 0.0), c(-1.0, 0.0)];
pub(crate) const S: Mat2 = [c(1.0, 0.0), c(0.0, 0.0), c(0.0, 0.0), c(0.0, 1.0)];
pub(crate) const SDG: Mat2 = [c(1.0, 0.0), c(0.0, 0.0), c(0.0, 0.0), c(0.0, -1.0)];
pub(crate) const SX: Mat2 = [c(0.5, 0.5), c(0.5, -0.5), c(0.5, -0.5), c(0.5, 0.5)];
pub(crate) const SXDG: Mat2 = [c(0.5, -0.5), c(0.5, 0.5), c(0.5, 0.5), c(0.5, -0.5)];
const R: f64 = std::f64::consts::FRAC_1_SQRT_2;
pub(crate) const H: Mat2 = [c(R, 0.0), c(R, 0.0), c(R, 0.0), c(-R, 0.0)];

/// `Rz(θ) = e^{-iθZ/2}`.
pub(crate) fn rz(theta: f64) -> Mat2 {
    let h = C::from_polar(1.0, theta / 2.0);
    [h.conj(), c(0.0, 0.0), c(0.0, 0.0), h]
}

/// `Rx(θ) = e^{-iθX/2}`.
pub(crate) fn rx(theta: f64) -> Mat2 {
    let (s, k) = (theta / 2.0).sin_cos();
    [c(k, 0.0), c(0.0, -s), c(0.0, -s), c(k, 0.0)]
}

/// `a · b` (apply `b` first, then `a`).
pub(crate) fn mul(a: &Mat2, b: &Mat2) -> Mat2 {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
    ]
}

/// The conjugate transpose.
pub(crate) fn adjoint(a: &Mat2) -> Mat2 {
    [a[0].conj(), a[2].conj(), a[1].conj(), a[3].conj()]
}

/// The unitary of a `k`-qubit standard gate (`2^k × 2^k`, row-major, bit `j` = the gate's qubit `j`).
pub(crate) fn gate_unitary(gate: StandardGate, params: &[f64]) -> Vec<C> {
    let k = gate.num_qubits();
    let dim = 1usize << k;
    let qubits: Vec<Qubit> = (0..k as u32).map(Qubit).collect();
    let mut m = vec![C::new(0.0, 0.0); dim * dim];
    for col in 0..dim {
        let mut s = StateVector::basis(k, col);
        s.apply_gate(gate, params, &qubits);
        for (row, a) in s.amplitudes().iter().enumerate() {
            if let Some(x) = m.get_mut(row * dim + col) {
                *x = *a;
            }
        }
    }
    m
}

/// The matrix of a one-qubit standard gate (identity for gates on more qubits).
pub(crate) fn gate_matrix(gate: StandardGate, params: &[f64]) -> Mat2 {
    if gate.num_qubits() != 1 {
        return IDENTITY;
    }
    let m = gate_unitary(gate, params);
    match m.as_slice() {
        [a, b, c, d] => [*a, *b, *c, *d],
        _ => IDENTITY,
    }
}

/// [`gate_matrix`], written out for the gates the synthesis emits most (the simulator builds the
/// others; the tests check that both agree).
pub(crate) fn one_qubit_matrix(gate: StandardGate, params: &[f64]) -> Mat2 {
    match (gate, params) {
        (StandardGate::Rz, [theta]) => rz(*theta),
        (StandardGate::Rx, [theta]) => rx(*theta),
        (StandardGate::P, [lambda]) => [ONE, ZERO, ZERO, C::from_polar(1.0, *lambda)],
        (StandardGate::T, []) => [ONE, ZERO, ZERO, C::from_polar(1.0, FRAC_PI_4)],
        (StandardGate::Tdg, []) => [ONE, ZERO, ZERO, C::from_polar(1.0, -FRAC_PI_4)],
        (StandardGate::S, []) => S,
        (StandardGate::Sdg, []) => SDG,
        (StandardGate::Sx, []) => SX,
        (StandardGate::Sxdg, []) => SXDG,
        (StandardGate::H, []) => H,
        (StandardGate::X, []) => PAULI_X,
        (StandardGate::Y, []) => PAULI_Y,
        (StandardGate::Z, []) => PAULI_Z,
        (StandardGate::Id, []) => IDENTITY,
        _ => gate_matrix(gate, params),
    }
}

/// Whether the off-diagonal entries vanish (the matrix commutes with a CX control).
pub(crate) fn is_diagonal(m: &Mat2) -> bool {
    m[1].norm_sqr() < EPS * EPS && m[2].norm_sqr() < EPS * EPS
}

/// Whether the matrix is `a·I + b·X` (it commutes with a CX target).
pub(crate) fn is_x_type(m: &Mat2) -> bool {
    (m[0] - m[3]).norm_sqr() < EPS * EPS && (m[1] - m[2]).norm_sqr() < EPS * EPS
}

/// Whether `m` is the identity times a phase.
pub(crate) fn is_identity_up_to_phase(m: &Mat2) -> bool {
    is_diagonal(m) && (m[0] - m[3]).norm_sqr() < EPS * EPS
}

/// `φ` such that `a ≈ e^{iφ} b`, for unitaries `a` and `b` equal up to phase.
pub(crate) fn phase_between(a: &[C], b: &[C]) -> f64 {
    let overlap: C = a.iter().zip(b).map(|(x, y)| x * y.conj()).sum();
    overlap.arg()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::StandardGate as G;

    #[test]
    fn predicates() {
        assert!(is_diagonal(&gate_matrix(G::Rz, &[0.3])));
        assert!(is_x_type(&gate_matrix(G::Rx, &[0.3])));
        assert!(is_x_type(&gate_matrix(G::Sx, &[])));
        assert!(!is_x_type(&gate_matrix(G::H, &[])));
        let h = gate_matrix(G::H, &[]);
        assert!(is_identity_up_to_phase(&mul(&h, &h)));
        let s = gate_matrix(G::S, &[]);
        assert!(is_identity_up_to_phase(&mul(&s, &adjoint(&s))));
        let z = gate_matrix(G::Z, &[]);
        let rz = gate_matrix(G::Rz, &[std::f64::consts::PI]);
        assert!((phase_between(&rz, &z) + std::f64::consts::FRAC_PI_2).abs() < 1e-12);
    }

    #[test]
    fn constants_and_rotations_match_the_simulator() {
        let same = |a: &Mat2, b: &Mat2| a.iter().zip(b).all(|(x, y)| (x - y).norm() < 1e-15);
        for (g, p) in [
            (G::Rz, 0.7),
            (G::Rx, -1.3),
            (G::P, 2.9),
            (G::T, 0.0),
            (G::Tdg, 0.0),
            (G::S, 0.0),
            (G::Sdg, 0.0),
            (G::Sx, 0.0),
            (G::Sxdg, 0.0),
            (G::H, 0.0),
            (G::X, 0.0),
            (G::Y, 0.0),
            (G::Z, 0.0),
            (G::Id, 0.0),
            (G::U3, 0.4),
        ] {
            let params = vec![p; g.num_params()];
            assert!(
                same(&one_qubit_matrix(g, &params), &gate_matrix(g, &params)),
                "{g:?}"
            );
        }
        for t in [-2.5, 0.0, 0.7, 3.0] {
            assert!(same(&rz(t), &gate_matrix(G::Rz, &[t])));
            assert!(same(&rx(t), &gate_matrix(G::Rx, &[t])));
        }
    }
}
