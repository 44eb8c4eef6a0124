//! Single-qubit synthesis: any 2×2 unitary as the shortest Euler form of a basis, with the global
//! phase that makes it exact.

use std::f64::consts::{FRAC_PI_2, PI, TAU};

use crate::ir::StandardGate as G;

use super::basis::OneQubitForm;
use super::mat::{self, EPS, Mat2};

/// Angles below this (mod 2π) are dropped; angles this close to a special value take its shortcut.
const ANGLE_EPS: f64 = 1e-9;

/// A one-qubit gate sequence in time order, and the phase `β` with `U = e^{iβ} · product`.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Synthesis {
    pub(crate) gates: Vec<(G, Vec<f64>)>,
    pub(crate) phase: f64,
}

/// `U = e^{iα} Rz(φ) Ry(θ) Rz(λ)` with `θ ∈ [0, π]`: returns `(θ, φ, λ)`.
pub(crate) fn zyz_angles(u: &Mat2) -> (f64, f64, f64) {
    // With `u = e^{iα}·V`, `V ∈ SU(2)`, `α = arg(det u)/2`: `V₀₀ = cos(θ/2)·e^{-i(φ+λ)/2}` and
    // `V₁₀ = sin(θ/2)·e^{i(φ−λ)/2}`. Angles off by 2π change both Z rotations' signs, not `u`.
    let det = u[0] * u[3] - u[1] * u[2];
    let alpha = det.arg() / 2.0;
    let (a, b) = (u[0].norm_sqr().sqrt(), u[2].norm_sqr().sqrt());
    let theta = 2.0 * b.atan2(a);
    let sum = if a > EPS {
        -2.0 * (u[0].arg() - alpha)
    } else {
        0.0
    };
    let diff = if b > EPS {
        2.0 * (u[2].arg() - alpha)
    } else {
        0.0
    };
    (theta, (sum + diff) / 2.0, (sum - diff) / 2.0)
}

/// `x` wrapped into `(-π, π]`.
pub(crate) fn wrap(x: f64) -> f64 {
    let r = x.rem_euclid(TAU);
    if r > PI { r - TAU } else { r }
}

fn near(a: f64, b: f64) -> bool {
    (a - b).abs() < ANGLE_EPS
}

/// Where a synthesis writes its gates: a list of them, or only their number.
trait Sink {
    fn push(&mut self, gate: G, params: &[f64]);
}

impl Sink for Vec<(G, Vec<f64>)> {
    fn push(&mut self, gate: G, params: &[f64]) {
        Vec::push(self, (gate, params.to_vec()));
    }
}

impl Sink for usize {
    fn push(&mut self, _: G, _: &[f64]) {
        *self += 1;
    }
}

/// Pushes a Z rotation (as `gate`) unless it is a multiple of 2π.
fn push_z(out: &mut impl Sink, gate: G, angle: f64) {
    let a = wrap(angle);
    if a.abs() > ANGLE_EPS && (a.abs() - TAU).abs() > ANGLE_EPS {
        out.push(gate, &[a]);
    }
}

fn sx_form(angles: (f64, f64, f64), z: G, with_x: bool, out: &mut impl Sink) {
    let (theta, phi, lambda) = angles;
    if near(theta, 0.0) {
        push_z(out, z, phi + lambda);
    } else if near(theta, FRAC_PI_2) {
        push_z(out, z, lambda - FRAC_PI_2);
        out.push(G::Sx, &[]);
        push_z(out, z, phi + FRAC_PI_2);
    } else if near(theta, PI) && with_x {
        out.push(G::X, &[]);
        push_z(out, z, phi - lambda - PI);
    } else {
        push_z(out, z, lambda - PI);
        out.push(G::Sx, &[]);
        push_z(out, z, PI - theta);
        out.push(G::Sx, &[]);
        push_z(out, z, phi);
    }
}

/// The shortest sequence of `form` for `u` (empty for the identity up to phase).
pub(crate) fn synthesize(u: &Mat2, form: OneQubitForm) -> Synthesis {
    let mut gates = Vec::new();
    emit(u, form, &mut gates);
    let product = product(&gates);
    Synthesis {
        phase: mat::phase_between(u, &product),
        gates,
    }
}

/// How many gates [`synthesize`] writes `u` with (without building them).
pub(crate) fn gate_count(u: &Mat2, form: OneQubitForm) -> usize {
    let mut count = 0;
    emit(u, form, &mut count);
    count
}

/// Writes the gates of [`synthesize`] (without the phase) to `out`.
fn emit(u: &Mat2, form: OneQubitForm, out: &mut impl Sink) {
    if mat::is_identity_up_to_phase(u) {
        return;
    }
    let (theta, phi, lambda) = zyz_angles(u);
    match form {
        OneQubitForm::ZSX { with_x } => sx_form((theta, phi, lambda), G::Rz, with_x, out),
        OneQubitForm::PSX { with_x } => sx_form((theta, phi, lambda), G::P, with_x, out),
        OneQubitForm::U3 => out.push(G::U3, &[theta, wrap(phi), wrap(lambda)]),
        OneQubitForm::U => out.push(G::U, &[theta, wrap(phi), wrap(lambda)]),
        OneQubitForm::ZYZ => {
            if near(theta, 0.0) {
                push_z(out, G::Rz, phi + lambda);
            } else {
                push_z(out, G::Rz, lambda);
                out.push(G::Ry, &[theta]);
                push_z(out, G::Rz, phi);
            }
        }
        OneQubitForm::ZXZ => {
            if near(theta, 0.0) {
                push_z(out, G::Rz, phi + lambda);
            } else {
                push_z(out, G::Rz, lambda - FRAC_PI_2);
                out.push(G::Rx, &[theta]);
                push_z(out, G::Rz, phi + FRAC_PI_2);
            }
        }
    }
}

/// The matrix of a one-qubit gate sequence in time order.
pub(crate) fn product(gates: &[(G, Vec<f64>)]) -> Mat2 {
    gates.iter().fold(mat::IDENTITY, |acc, (g, p)| {
        mat::mul(&mat::one_qubit_matrix(*g, p), &acc)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_complex::Complex64 as C;

    fn close(a: &Mat2, b: &Mat2, phase: f64) -> bool {
        let p = C::from_polar(1.0, phase);
        a.iter().zip(b).all(|(x, y)| (x - p * y).norm() < 1e-9)
    }

    fn check(u: &Mat2, form: OneQubitForm, max_len: usize) {
        let s = synthesize(u, form);
        assert!(s.gates.len() <= max_len, "{form:?}: {:?}", s.gates);
        assert_eq!(gate_count(u, form), s.gates.len());
        assert!(
            close(u, &product(&s.gates), s.phase),
            "{form:?}: {:?}",
            s.gates
        );
    }

    const FORMS: [OneQubitForm; 8] = [
        OneQubitForm::ZSX { with_x: true },
        OneQubitForm::ZSX { with_x: false },
        OneQubitForm::PSX { with_x: true },
        OneQubitForm::PSX { with_x: false },
        OneQubitForm::U3,
        OneQubitForm::U,
        OneQubitForm::ZYZ,
        OneQubitForm::ZXZ,
    ];

    #[test]
    fn every_standard_gate_and_random_products() {
        let mut samples: Vec<Mat2> = G::ALL
            .iter()
            .filter(|g| g.num_qubits() == 1)
            .map(|g| {
                let p: Vec<f64> = (0..g.num_params()).map(|i| 0.4 + 1.3 * i as f64).collect();
                mat::gate_matrix(*g, &p)
            })
            .collect();
        for k in 0..40 {
            let t = k as f64 * 0.77;
            samples.push(mat::gate_matrix(G::U3, &[t, 2.0 * t + 0.1, -t]));
            samples.push(mat::gate_matrix(G::U3, &[PI, t, 0.3 * t]));
            samples.push(mat::gate_matrix(G::U3, &[FRAC_PI_2, t, -0.3 * t]));
            samples.push(mat::gate_matrix(G::Rz, &[t]));
        }
        for u in &samples {
            for form in FORMS {
                check(u, form, 5);
            }
        }
    }

    #[test]
    fn known_gates_are_short_in_the_ibm_form() {
        let form = OneQubitForm::ZSX { with_x: true };
        let len = |g: G, p: &[f64]| synthesize(&mat::gate_matrix(g, p), form).gates.len();
        assert_eq!(len(G::X, &[]), 1);
        assert_eq!(len(G::Sx, &[]), 1);
        assert_eq!(len(G::Rz, &[0.3]), 1);
        assert_eq!(len(G::T, &[]), 1);
        assert_eq!(len(G::H, &[]), 3);
        assert_eq!(len(G::Y, &[]), 2);
        assert_eq!(len(G::Id, &[]), 0);
        assert_eq!(len(G::Rz, &[TAU]), 0);
        assert!(len(G::Ry, &[0.3]) <= 4);
    }
}
