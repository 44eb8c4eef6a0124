//! Eigenvectors for the KAK decomposition: the cyclic Jacobi method on a real symmetric 4×4 matrix,
//! and from it a real orthogonal basis that diagonalizes a complex symmetric unitary.
//!
//! Jacobi rotations keep the eigenvector matrix orthogonal to rounding whatever the eigenvalues,
//! so repeated or nearly repeated eigenvalues (the identity, SWAP, controlled phases) need no
//! special case, and 4×4 is small enough that its slower convergence does not matter.

use num_complex::Complex64 as C;

use super::mat4::{self, Mat4};

/// A row-major 4×4 real matrix.
pub(crate) type Real4 = [f64; 16];

const SWEEPS: usize = 64;

/// Off-diagonal entries below this fraction of the matrix's norm count as zero.
const NOISE: f64 = 1e-13;

fn get(m: &Real4, r: usize, c: usize) -> f64 {
    m.get(r * 4 + c).copied().unwrap_or(0.0)
}

fn set(m: &mut Real4, r: usize, c: usize, v: f64) {
    if let Some(x) = m.get_mut(r * 4 + c) {
        *x = v;
    }
}

/// An orthogonal `V` (eigenvectors in its columns) with `Vᵀ·a·V` diagonal, for a symmetric `a`.
pub(crate) fn symmetric_eigenvectors(a: &Real4) -> Real4 {
    let mut a = *a;
    let mut v = [0.0; 16];
    for k in 0..4 {
        set(&mut v, k, k, 1.0);
    }
    // Entries this small against the matrix are rounding noise. Rotating by them would pick a basis
    // of a repeated eigenvalue's space at random — a different one on another platform, whose libm
    // rounds differently, and with it different (equally valid) local gates.
    let negligible = a.iter().map(|x| x * x).sum::<f64>().sqrt() * NOISE;
    for _ in 0..SWEEPS {
        let mut rotated = false;
        for p in 0..4 {
            for q in p + 1..4 {
                let apq = get(&a, p, q);
                if apq.abs() <= negligible {
                    continue;
                }
                rotated = true;
                // The rotation that zeroes a[p][q] (Golub & Van Loan, the symmetric Schur step).
                // Equal diagonal entries (to noise) turn by +45°, not by ±45° after the noise's sign.
                let spread = get(&a, q, q) - get(&a, p, p);
                let theta = if spread.abs() <= negligible {
                    0.0
                } else {
                    spread / (2.0 * apq)
                };
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..4 {
                    let (akp, akq) = (get(&a, k, p), get(&a, k, q));
                    set(&mut a, k, p, c * akp - s * akq);
                    set(&mut a, k, q, s * akp + c * akq);
                }
                for k in 0..4 {
                    let (apk, aqk) = (get(&a, p, k), get(&a, q, k));
                    set(&mut a, p, k, c * apk - s * aqk);
                    set(&mut a, q, k, s * apk + c * aqk);
                }
                for k in 0..4 {
                    let (vkp, vkq) = (get(&v, k, p), get(&v, k, q));
                    set(&mut v, k, p, c * vkp - s * vkq);
                    set(&mut v, k, q, s * vkp + c * vkq);
                }
            }
        }
        if !rotated {
            break;
        }
    }
    v
}

/// Mixing angles of the real and imaginary parts tried in turn (fixed, so results are reproducible;
/// any angle works unless it makes two distinct eigenvalues of the mix collide).
const MIXES: [f64; 6] = [0.622, 1.318, 2.047, 2.693, 0.281, 0.0];

/// Off-diagonal residue accepted without trying another mix (a few times [`NOISE`]).
const GOOD_ENOUGH: f64 = 1e-12;

/// The complex matrix of a real one.
pub(crate) fn complex(m: &Real4) -> Mat4 {
    m.map(|x| C::new(x, 0.0))
}

/// A real orthogonal `P` with `det P = 1` and `Pᵀ·m·P` diagonal, for a complex symmetric unitary `m`,
/// with that diagonal; `None` if no mix diagonalizes it to `1e-9`.
///
/// Such an `m` has commuting real symmetric real and imaginary parts, so they share an orthonormal
/// eigenbasis, which is an eigenbasis of almost every real combination of the two.
pub(crate) fn diagonalize_symmetric_unitary(m: &Mat4) -> Option<(Real4, [C; 4])> {
    let mut best: Option<(f64, Real4, [C; 4])> = None;
    for angle in MIXES {
        let (c, s) = (angle.cos(), angle.sin());
        let mix: Real4 = m.map(|x| c * x.re + s * x.im);
        let p = symmetric_eigenvectors(&mix);
        let pc = complex(&p);
        let d = mat4::mul(&mat4::transpose(&pc), &mat4::mul(m, &pc));
        let residue = (0..16)
            .filter(|i| i / 4 != i % 4)
            .filter_map(|i| d.get(i))
            .map(|x| x.norm_sqr())
            .fold(0.0, f64::max)
            .sqrt();
        let diagonal = [d[0], d[5], d[10], d[15]];
        if best.as_ref().is_none_or(|(r, _, _)| residue < *r) {
            best = Some((residue, p, diagonal));
        }
        if residue < GOOD_ENOUGH {
            break;
        }
    }
    let (residue, mut p, diagonal) = best?;
    if residue > 1e-9 {
        return None;
    }
    if mat4::det(&complex(&p)).re < 0.0 {
        for r in 0..4 {
            let v = -get(&p, r, 3);
            set(&mut p, r, 3, v);
        }
    }
    Some((p, diagonal))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transpose(m: &Real4) -> Real4 {
        let mut t = [0.0; 16];
        for r in 0..4 {
            for c in 0..4 {
                set(&mut t, c, r, get(m, r, c));
            }
        }
        t
    }

    fn mul(a: &Real4, b: &Real4) -> Real4 {
        let mut out = [0.0; 16];
        for r in 0..4 {
            for c in 0..4 {
                set(
                    &mut out,
                    r,
                    c,
                    (0..4).map(|k| get(a, r, k) * get(b, k, c)).sum(),
                );
            }
        }
        out
    }

    fn off_diagonal(m: &Real4) -> f64 {
        (0..16)
            .filter(|i| i / 4 != i % 4)
            .map(|i| m[i].abs())
            .fold(0.0, f64::max)
    }

    #[test]
    fn jacobi_diagonalizes_with_an_orthogonal_basis_even_for_repeated_eigenvalues() {
        let samples: [Real4; 4] = [
            [
                4.0, 1.0, -2.0, 0.5, 1.0, 3.0, 0.0, 1.5, -2.0, 0.0, 1.0, 0.25, 0.5, 1.5, 0.25, -1.0,
            ],
            // Eigenvalues 1, 1, 1, 5 (the all-ones matrix plus the identity).
            [
                2.0, 1.0, 1.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0, 1.0, 2.0,
            ],
            [0.0; 16],
            [
                1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1e-17, 0.0, 0.0, 1e-17, 1.0,
            ],
        ];
        for a in samples {
            let v = symmetric_eigenvectors(&a);
            let d = mul(&transpose(&v), &mul(&a, &v));
            assert!(off_diagonal(&d) < 1e-12, "{d:?}");
            // Vᵀ·V = I.
            let mut gram = mul(&transpose(&v), &v);
            for i in 0..4 {
                let v = get(&gram, i, i) - 1.0;
                set(&mut gram, i, i, v);
            }
            assert!(gram.iter().all(|x| x.abs() < 1e-12), "{gram:?}");
        }
    }
}
