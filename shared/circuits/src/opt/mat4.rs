//! 4×4 complex matrices for two-qubit blocks. Basis index `b0 + 2·b1`: bit 0 is the block's first
//! qubit (`lo`), bit 1 its second (`hi`) — the simulator's order.

use num_complex::Complex64 as C;

use super::mat::Mat2;

/// A row-major 4×4 matrix.
pub(crate) type Mat4 = [C; 16];

const ZERO: C = C::new(0.0, 0.0);
const ONE: C = C::new(1.0, 0.0);

pub(crate) const IDENTITY4: Mat4 = {
    let mut m = [ZERO; 16];
    m[0] = ONE;
    m[5] = ONE;
    m[10] = ONE;
    m[15] = ONE;
    m
};

fn at(m: &Mat4, r: usize, c: usize) -> C {
    m.get(r * 4 + c).copied().unwrap_or(ZERO)
}

#[cfg(test)]
fn at2(m: &Mat2, r: usize, c: usize) -> C {
    m.get(r * 2 + c).copied().unwrap_or(ZERO)
}

/// `a · b` (apply `b` first).
pub(crate) fn mul(a: &Mat4, b: &Mat4) -> Mat4 {
    // The hot loop of the block pass: plain indexing, all of it below 16 by the loop bounds.
    let mut out = [ZERO; 16];
    for r in 0..4 {
        for c in 0..4 {
            out[r * 4 + c] = a[r * 4] * b[c]
                + a[r * 4 + 1] * b[4 + c]
                + a[r * 4 + 2] * b[8 + c]
                + a[r * 4 + 3] * b[12 + c];
        }
    }
    out
}

/// The conjugate transpose.
pub(crate) fn adjoint(a: &Mat4) -> Mat4 {
    let mut out = [ZERO; 16];
    for (i, o) in out.iter_mut().enumerate() {
        *o = at(a, i % 4, i / 4).conj();
    }
    out
}

/// The transpose (no conjugation).
pub(crate) fn transpose(a: &Mat4) -> Mat4 {
    let mut out = [ZERO; 16];
    for (i, o) in out.iter_mut().enumerate() {
        *o = at(a, i % 4, i / 4);
    }
    out
}

/// `hi ⊗ lo`: `lo` on bit 0, `hi` on bit 1.
#[cfg(test)]
pub(crate) fn kron(hi: &Mat2, lo: &Mat2) -> Mat4 {
    let mut out = [ZERO; 16];
    for (i, o) in out.iter_mut().enumerate() {
        let (r, c) = (i / 4, i % 4);
        *o = at2(hi, r >> 1, c >> 1) * at2(lo, r & 1, c & 1);
    }
    out
}

/// `m` on bit `bit` (0 or 1), the identity on the other.
#[cfg(test)]
pub(crate) fn on_bit(m: &Mat2, bit: usize) -> Mat4 {
    if bit == 0 {
        kron(&super::mat::IDENTITY, m)
    } else {
        kron(m, &super::mat::IDENTITY)
    }
}

/// `(m on bit `bit`) · a`, without building the 4×4 matrix of `m` (a quarter of the work).
pub(crate) fn apply_one(m: &Mat2, bit: usize, a: &Mat4) -> Mat4 {
    let mut out = *a;
    let stride = if bit == 0 { 1 } else { 2 };
    // Rows r (bit clear) and r + stride (bit set) mix, column by column.
    for r in [0, 1, 2, 3].into_iter().filter(|r| r & stride == 0) {
        for c in 0..4 {
            let (x, y) = (at(a, r, c), at(a, r + stride, c));
            if let Some(o) = out.get_mut(r * 4 + c) {
                *o = m[0] * x + m[1] * y;
            }
            if let Some(o) = out.get_mut((r + stride) * 4 + c) {
                *o = m[2] * x + m[3] * y;
            }
        }
    }
    out
}

/// `CX · a` for a CX with its control on bit `control`: a swap of two rows.
pub(crate) fn apply_cx(control: usize, a: &Mat4) -> Mat4 {
    let (cbit, tbit) = if control == 0 { (1, 2) } else { (2, 1) };
    let mut out = *a;
    for r in [0, 1, 2, 3].into_iter().filter(|r| r & cbit != 0) {
        for c in 0..4 {
            if let Some(o) = out.get_mut(r * 4 + c) {
                *o = at(a, r ^ tbit, c);
            }
        }
    }
    out
}

/// A CX with its control on bit `control` and its target on the other bit.
#[cfg(test)]
pub(crate) fn cx(control: usize) -> Mat4 {
    let (cbit, tbit) = if control == 0 { (1, 2) } else { (2, 1) };
    let mut out = [ZERO; 16];
    for col in 0..4 {
        let row = if col & cbit != 0 { col ^ tbit } else { col };
        if let Some(x) = out.get_mut(row * 4 + col) {
            *x = ONE;
        }
    }
    out
}

/// The determinant (Gaussian elimination with partial pivoting).
pub(crate) fn det(a: &Mat4) -> C {
    let mut m = *a;
    let mut d = ONE;
    for k in 0..4 {
        let Some(p) =
            (k..4).max_by(|&i, &j| at(&m, i, k).norm_sqr().total_cmp(&at(&m, j, k).norm_sqr()))
        else {
            return ZERO;
        };
        let pivot = at(&m, p, k);
        if pivot.norm() == 0.0 {
            return ZERO;
        }
        if p != k {
            for c in 0..4 {
                m.swap(p * 4 + c, k * 4 + c);
            }
            d = -d;
        }
        d *= pivot;
        for r in k + 1..4 {
            let f = at(&m, r, k) / pivot;
            for c in k..4 {
                let v = at(&m, r, c) - f * at(&m, k, c);
                if let Some(x) = m.get_mut(r * 4 + c) {
                    *x = v;
                }
            }
        }
    }
    d
}

/// `(hi, lo)` with `a ≈ hi ⊗ lo` up to a phase, for `a` a tensor product of 2×2 unitaries (the
/// result is meaningless otherwise; callers check the products they build).
pub(crate) fn factor(a: &Mat4) -> (Mat2, Mat2) {
    // The 2×2 block of `a` at (r1, c1) is hi[r1][c1]·lo: take the largest one as lo.
    let block = |r1: usize, c1: usize| -> Mat2 {
        [
            at(a, 2 * r1, 2 * c1),
            at(a, 2 * r1, 2 * c1 + 1),
            at(a, 2 * r1 + 1, 2 * c1),
            at(a, 2 * r1 + 1, 2 * c1 + 1),
        ]
    };
    let weight = |m: &Mat2| m.iter().map(|x| x.norm_sqr()).sum::<f64>();
    let mut lo = block(0, 0);
    for (r1, c1) in [(0, 1), (1, 0), (1, 1)] {
        let b = block(r1, c1);
        if weight(&b) > weight(&lo) {
            lo = b;
        }
    }
    let d = (lo[0] * lo[3] - lo[1] * lo[2]).sqrt();
    if d.norm() > 0.0 {
        lo = lo.map(|x| x / d);
    }
    // hi[r1][c1] = ⟨lo, block(r1, c1)⟩ / ⟨lo, lo⟩, and ⟨lo, lo⟩ = 2 for a unitary lo.
    let overlap = |b: &Mat2| -> C { b.iter().zip(&lo).map(|(x, y)| x * y.conj()).sum::<C>() / 2.0 };
    let hi = [
        overlap(&block(0, 0)),
        overlap(&block(0, 1)),
        overlap(&block(1, 0)),
        overlap(&block(1, 1)),
    ];
    (hi, lo)
}

/// Largest entry of `a − e^{iφ}·b` for the best phase `φ`, and that phase.
pub(crate) fn distance_up_to_phase(a: &Mat4, b: &Mat4) -> (f64, f64) {
    let phase = super::mat::phase_between(a, b);
    let p = C::from_polar(1.0, phase);
    let d = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - p * y).norm())
        .fold(0.0, f64::max);
    (d, phase)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::StandardGate as G;
    use crate::opt::mat::{gate_matrix, gate_unitary};

    fn close(a: &Mat4, b: &[C]) -> bool {
        a.iter().zip(b).all(|(x, y)| (x - y).norm() < 1e-12)
    }

    #[test]
    fn products_and_gates_agree_with_the_simulator() {
        let (h, t) = (gate_matrix(G::H, &[]), gate_matrix(G::T, &[]));
        // The simulator's cx(q0, q1): control on bit 0.
        assert!(close(&cx(0), &gate_unitary(G::Cx, &[])));
        // cx(q1, q0) = (H⊗H)·cx(q0, q1)·(H⊗H).
        let hh = kron(&h, &h);
        assert!(close(&cx(1), &mul(&hh, &mul(&cx(0), &hh))));
        // kron puts `lo` on bit 0: u3 on q1 after cx is the simulator's circuit.
        let u = gate_matrix(G::U3, &[0.3, 0.5, 0.7]);
        let mut c = crate::Circuit::new();
        c.add_qreg("q", 2);
        c.gate(G::Cx, &[], &[0, 1]);
        c.gate(G::U3, &[0.3, 0.5, 0.7], &[1]);
        c.gate(G::T, &[], &[0]);
        let want = crate::sim::unitary(&c).unwrap();
        let ours = mul(&kron(&u, &t), &cx(0));
        assert!(close(&ours, &want.data));
        assert!(close(&mul(&on_bit(&u, 1), &on_bit(&t, 0)), &kron(&u, &t)));
        let k = kron(&u, &t);
        for bit in [0, 1] {
            assert!(close(&apply_one(&u, bit, &k), &mul(&on_bit(&u, bit), &k)));
            assert!(close(&apply_cx(bit, &k), &mul(&cx(bit), &k)));
        }
    }

    #[test]
    fn determinant_transpose_and_factors() {
        let u = gate_matrix(G::U3, &[0.3, 0.5, 0.7]);
        let v = gate_matrix(G::U3, &[1.3, -0.5, 2.7]);
        let k = kron(&u, &v);
        // det(A⊗B) = det(A)²·det(B)².
        let du = u[0] * u[3] - u[1] * u[2];
        let dv = v[0] * v[3] - v[1] * v[2];
        assert!((det(&k) - du * du * dv * dv).norm() < 1e-12);
        assert!((det(&cx(0)) + 1.0).norm() < 1e-12);
        assert!(close(&transpose(&transpose(&k)), &k));
        assert!(close(&mul(&k, &adjoint(&k)), &IDENTITY4));
        let (hi, lo) = factor(&k);
        assert!(distance_up_to_phase(&kron(&hi, &lo), &k).0 < 1e-12);
        // A Pauli factor has zero blocks on its diagonal.
        let x = gate_matrix(G::X, &[]);
        let k = kron(&x, &v);
        let (hi, lo) = factor(&k);
        assert!(distance_up_to_phase(&kron(&hi, &lo), &k).0 < 1e-12);
    }
}
