//! The KAK (Cartan) decomposition of a two-qubit unitary:
//! `U = e^{iφ} · (A₁ ⊗ A₀) · exp(i(x·XX + y·YY + z·ZZ)) · (B₁ ⊗ B₀)`, and the number of CX gates the
//! interaction `(x, y, z)` needs.
//!
//! In the magic basis local gates are real orthogonal matrices and the interaction is diagonal, so
//! `Uᵀ·U` there (after scaling `U` into SU(4)) is a complex symmetric unitary whose real orthogonal
//! eigenbasis gives `B` and whose eigenvalues give the coordinates. Coordinates are only defined up
//! to the moves of the Weyl group — shifting one by π/2 (a local `P⊗P` gate), exchanging two (a
//! local basis change on both qubits) — and [`Kak::reduce`] and [`Kak::exchange`] apply those moves
//! while keeping the product equal, so the synthesis can bring a coordinate where its circuit wants it.
//! Up to these moves, the coordinates say how many CX gates the unitary needs: none when all three
//! are multiples of π/2, one for CX's own class `(π/4, 0, 0)`, two when one of them is a multiple of
//! π/2, and three otherwise.

use std::f64::consts::{FRAC_PI_2, FRAC_PI_4};

use num_complex::Complex64 as C;

use super::eigen;
use super::mat::{self, Mat2};
use super::mat4::{self, Mat4};

/// Coordinates this close to a multiple of π/2 (or to π/4 off one) count as on it. Moving one by
/// this much changes the unitary by about as much, well under the optimizer's tolerance.
pub(crate) const SNAP: f64 = 1e-10;

const H: f64 = std::f64::consts::FRAC_1_SQRT_2;

/// The magic basis (columns): Φ⁺, iΨ⁺, Ψ⁻, iΦ⁻ in the `b0 + 2·b1` order.
const MAGIC: Mat4 = {
    let z = C::new(0.0, 0.0);
    let r = C::new(H, 0.0);
    let i = C::new(0.0, H);
    [
        r,
        z,
        z,
        i, //
        z,
        i,
        r,
        z, //
        z,
        i,
        C::new(-H, 0.0),
        z, //
        r,
        z,
        z,
        C::new(0.0, -H),
    ]
};

/// A decomposition `U ≈ e^{iφ} · (after[1] ⊗ after[0]) · N(coords) · (before[1] ⊗ before[0])` with
/// `N(x, y, z) = exp(i(x·XX + y·YY + z·ZZ))`; index 0 is bit 0 (the block's first qubit). The
/// phase is not kept: callers compare the circuit they build with `U` and take it from there.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Kak {
    pub(crate) after: [Mat2; 2],
    pub(crate) coords: [f64; 3],
    pub(crate) before: [Mat2; 2],
}

/// The Pauli of coordinate `k` (X, Y, Z).
fn pauli(k: usize) -> Mat2 {
    match k {
        0 => mat::PAULI_X,
        1 => mat::PAULI_Y,
        _ => mat::PAULI_Z,
    }
}

impl Kak {
    /// Decomposes `u`; `None` if it is not unitary (to 1e-6) or the eigenbasis cannot be found.
    pub(crate) fn decompose(u: &Mat4) -> Option<Self> {
        if u.iter().any(|x| !x.re.is_finite() || !x.im.is_finite()) {
            return None;
        }
        let det = mat4::det(u);
        if (det.norm() - 1.0).abs() > 1e-6 {
            return None;
        }
        let unit = C::from_polar(1.0, -det.arg() / 4.0);
        let special = u.map(|x| x * unit);
        let magic_adj = mat4::adjoint(&MAGIC);
        let up = mat4::mul(&magic_adj, &mat4::mul(&special, &MAGIC));
        // up = O₁·D·O₂ with O₁, O₂ real orthogonal, so upᵀ·up = O₂ᵀ·D²·O₂.
        let squared = mat4::mul(&mat4::transpose(&up), &up);
        let (p, diagonal) = eigen::diagonalize_symmetric_unitary(&squared)?;
        // A real negative eigenvalue takes +π, whatever the sign of its rounding error.
        let mut theta = diagonal.map(|d| {
            if d.re < 0.0 && d.im.abs() < 1e-12 {
                FRAC_PI_2
            } else {
                d.arg() / 2.0
            }
        });
        // det D = 1: the fourth angle follows from the others (its square matches D² since det = 1).
        theta[3] = -(theta[0] + theta[1] + theta[2]);
        let pc = eigen::complex(&p);
        let mut d_inv = [C::new(0.0, 0.0); 16];
        for (k, t) in theta.iter().enumerate() {
            if let Some(x) = d_inv.get_mut(k * 5) {
                *x = C::from_polar(1.0, -t);
            }
        }
        let o1 = mat4::mul(&up, &mat4::mul(&pc, &d_inv));
        let k1 = mat4::mul(&MAGIC, &mat4::mul(&o1, &magic_adj));
        let k2 = mat4::mul(&MAGIC, &mat4::mul(&mat4::transpose(&pc), &magic_adj));
        let (a1, a0) = mat4::factor(&k1);
        let (b1, b0) = mat4::factor(&k2);
        // N is diagonal in the magic basis with the phases (x−y+z, x+y−z, −x−y−z, −x+y+z).
        let [t0, t1, _, t3] = theta;
        Some(Self {
            after: [a0, a1],
            coords: [(t0 + t1) / 2.0, (t1 + t3) / 2.0, (t0 + t3) / 2.0],
            before: [b0, b1],
        })
    }

    /// Shifts every coordinate by a multiple of π/2 into (−π/4, π/4]: `N(x) = N(x − π/2)·(i·P⊗P)`.
    pub(crate) fn reduce(&mut self) {
        for k in 0..3 {
            let Some(c) = self.coords.get_mut(k) else {
                continue;
            };
            // A coordinate at ±π/4 (a CX's) becomes +π/4 whatever its rounding error.
            let n = (*c / FRAC_PI_2 - 1e-9).round();
            *c -= n * FRAC_PI_2;
            if n.rem_euclid(2.0) == 1.0 {
                let p = pauli(k);
                self.before = self.before.map(|b| mat::mul(&p, &b));
            }
        }
    }

    /// Exchanges coordinates `i` and `j`: `N(c) = (W⊗W)·N(c with i, j exchanged)·(W⊗W)†` for the
    /// basis change `W` that maps one Pauli onto the other (S for X↔Y, √X for Y↔Z, H for X↔Z).
    pub(crate) fn exchange(&mut self, i: usize, j: usize) {
        let w = match (i.min(j), i.max(j)) {
            (0, 1) => mat::S,
            (1, 2) => mat::rx(FRAC_PI_2),
            (0, 2) => mat::H,
            _ => return,
        };
        let w_adj = mat::adjoint(&w);
        self.after = self.after.map(|a| mat::mul(&a, &w));
        self.before = self.before.map(|b| mat::mul(&w_adj, &b));
        self.coords.swap(i, j);
    }

    /// Index of the first coordinate for which `pred` holds.
    pub(crate) fn find(&self, pred: impl Fn(f64) -> bool) -> Option<usize> {
        self.coords.iter().position(|&c| pred(c))
    }

    /// The fewest CX gates that make this interaction (coordinates reduced first).
    pub(crate) fn cx_count(&self) -> usize {
        let zeros = self.coords.iter().filter(|&&c| is_zero(c)).count();
        let quarters = self.coords.iter().filter(|&&c| is_quarter(c)).count();
        match (zeros, quarters) {
            (3, _) => 0,
            (2, 1) => 1,
            (z, _) if z >= 1 => 2,
            _ => 3,
        }
    }

    /// The 4×4 matrix of the decomposition (phase dropped).
    #[cfg(test)]
    pub(crate) fn matrix(&self) -> Mat4 {
        let [x, y, z] = self.coords;
        let d = [x - y + z, x + y - z, -x - y - z, -x + y + z];
        let mut diag = [C::new(0.0, 0.0); 16];
        for (k, t) in d.iter().enumerate() {
            diag[k * 5] = C::from_polar(1.0, *t);
        }
        let n = mat4::mul(&MAGIC, &mat4::mul(&diag, &mat4::adjoint(&MAGIC)));
        let after = mat4::kron(&self.after[1], &self.after[0]);
        let before = mat4::kron(&self.before[1], &self.before[0]);
        mat4::mul(&after, &mat4::mul(&n, &before))
    }
}

/// Whether a reduced coordinate is 0 (a multiple of π/2 before reducing).
pub(crate) fn is_zero(c: f64) -> bool {
    c.abs() < SNAP
}

/// Whether a reduced coordinate is ±π/4.
pub(crate) fn is_quarter(c: f64) -> bool {
    (c.abs() - FRAC_PI_4).abs() < SNAP
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::StandardGate as G;
    use crate::opt::mat::{gate_matrix, gate_unitary};

    fn matrix_of(g: G, params: &[f64]) -> Mat4 {
        let m = gate_unitary(g, params);
        std::array::from_fn(|i| m[i])
    }

    fn pauli_pair(k: usize) -> Mat4 {
        mat4::kron(&pauli(k), &pauli(k))
    }

    /// exp(i(x·XX + y·YY + z·ZZ)) from the commuting factors cos·I + i·sin·PP.
    fn interaction(coords: [f64; 3]) -> Mat4 {
        coords
            .iter()
            .enumerate()
            .fold(mat4::IDENTITY4, |acc, (k, &c)| {
                let pp = pauli_pair(k);
                let f: Mat4 = std::array::from_fn(|i| {
                    mat4::IDENTITY4[i] * c.cos() + pp[i] * C::new(0.0, c.sin())
                });
                mat4::mul(&f, &acc)
            })
    }

    #[test]
    fn the_magic_basis_makes_local_gates_real_and_the_interaction_diagonal() {
        let local = mat4::kron(
            &gate_matrix(G::U3, &[0.4, 1.1, -0.3]),
            &gate_matrix(G::U3, &[2.0, -0.7, 0.9]),
        );
        // det(local) = 1 for the u3 of Qiskit (SU(2) up to a phase each): scale it.
        let d = mat4::det(&local);
        let local = local.map(|x| x * C::from_polar(1.0, -d.arg() / 4.0));
        let m = mat4::mul(&mat4::adjoint(&MAGIC), &mat4::mul(&local, &MAGIC));
        assert!(m.iter().all(|x| x.im.abs() < 1e-12), "{m:?}");
        let n = interaction([0.3, -0.2, 0.9]);
        let m = mat4::mul(&mat4::adjoint(&MAGIC), &mat4::mul(&n, &MAGIC));
        for (i, x) in m.iter().enumerate() {
            if i % 5 != 0 {
                assert!(x.norm() < 1e-12);
            }
        }
        let kak = Kak {
            after: [mat::IDENTITY; 2],
            coords: [0.3, -0.2, 0.9],
            before: [mat::IDENTITY; 2],
        };
        assert!(mat4::distance_up_to_phase(&kak.matrix(), &n).0 < 1e-12);
    }

    #[test]
    fn moves_keep_the_product() {
        let mut kak = Kak {
            after: [
                gate_matrix(G::U3, &[0.4, 1.1, -0.3]),
                gate_matrix(G::U3, &[1.4, 0.1, 0.3]),
            ],
            coords: [2.9, -0.7, 1.2],
            before: [
                gate_matrix(G::U3, &[2.0, -0.7, 0.9]),
                gate_matrix(G::U3, &[0.2, 0.5, 0.6]),
            ],
        };
        let want = kak.matrix();
        kak.reduce();
        assert!(kak.coords.iter().all(|c| c.abs() <= FRAC_PI_4 + 1e-12));
        assert!(mat4::distance_up_to_phase(&kak.matrix(), &want).0 < 1e-12);
        for (i, j) in [(0, 1), (1, 2), (0, 2), (2, 0)] {
            let before = kak.coords;
            kak.exchange(i, j);
            assert_eq!((kak.coords[i], kak.coords[j]), (before[j], before[i]));
            assert!(
                mat4::distance_up_to_phase(&kak.matrix(), &want).0 < 1e-12,
                "{i}, {j}"
            );
        }
    }

    #[test]
    fn decomposition_reproduces_gates_and_counts_their_cx() {
        let cases: Vec<(Mat4, usize)> = vec![
            (mat4::IDENTITY4, 0),
            (mat4::kron(&mat::H, &mat::S), 0),
            (matrix_of(G::Cx, &[]), 1),
            (mat4::cx(1), 1),
            (matrix_of(G::Cz, &[]), 1),
            (matrix_of(G::Ch, &[]), 1),
            (matrix_of(G::Cp, &[0.7]), 2),
            (matrix_of(G::Crx, &[0.7]), 2),
            (matrix_of(G::Rzz, &[0.7]), 2),
            (matrix_of(G::Rxx, &[-1.3]), 2),
            (mat4::mul(&mat4::cx(0), &mat4::cx(1)), 2),
            (matrix_of(G::Swap, &[]), 3),
            (interaction([0.3, 0.2, 0.1]), 3),
            (interaction([FRAC_PI_4, FRAC_PI_4, 0.0]), 2),
            (interaction([FRAC_PI_2, 0.0, 0.0]), 0),
            (interaction([FRAC_PI_4, FRAC_PI_2, 0.0]), 1),
            (interaction([3.0 * FRAC_PI_4, 0.0, FRAC_PI_2]), 1),
        ];
        for (u, want) in cases {
            let kak = Kak::decompose(&u).unwrap();
            assert!(mat4::distance_up_to_phase(&kak.matrix(), &u).0 < 1e-10);
            let mut reduced = kak.clone();
            reduced.reduce();
            assert!(mat4::distance_up_to_phase(&reduced.matrix(), &u).0 < 1e-10);
            assert_eq!(reduced.cx_count(), want, "{:?}", reduced.coords);
        }
    }

    #[test]
    fn non_unitary_and_non_finite_matrices_are_refused() {
        let mut u = mat4::IDENTITY4;
        u[0] = C::new(2.0, 0.0);
        assert!(Kak::decompose(&u).is_none());
        u[0] = C::new(f64::NAN, 0.0);
        assert!(Kak::decompose(&u).is_none());
    }
}
