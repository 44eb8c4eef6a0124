//! A state vector of complex amplitudes and the primitive operations on it.

use num_complex::Complex64 as C;

use crate::units::Qubit;

/// The state of `n` qubits: `2^n` amplitudes, basis index bit `i` = qubit `i` (Qiskit's order).
#[derive(Clone, Debug, PartialEq)]
pub struct StateVector {
    num_qubits: usize,
    amps: Vec<C>,
}

impl StateVector {
    /// |0…0⟩ on `num_qubits` qubits. Callers enforce a qubit cap before calling this.
    pub fn zero(num_qubits: usize) -> Self {
        let mut amps = vec![C::new(0.0, 0.0); 1usize << num_qubits];
        if let Some(a) = amps.first_mut() {
            *a = C::new(1.0, 0.0);
        }
        Self { num_qubits, amps }
    }

    /// The basis state `index` on `num_qubits` qubits.
    pub fn basis(num_qubits: usize, index: usize) -> Self {
        let mut s = Self {
            num_qubits,
            amps: vec![C::new(0.0, 0.0); 1usize << num_qubits],
        };
        if let Some(a) = s.amps.get_mut(index) {
            *a = C::new(1.0, 0.0);
        }
        s
    }

    /// Number of qubits.
    pub fn num_qubits(&self) -> usize {
        self.num_qubits
    }

    /// The amplitudes, indexed by basis state.
    pub fn amplitudes(&self) -> &[C] {
        &self.amps
    }

    /// The probability of each basis state.
    pub fn probabilities(&self) -> Vec<f64> {
        self.amps.iter().map(|a| a.norm_sqr()).collect()
    }

    /// Applies a `2^k × 2^k` row-major matrix to the `k` given qubits (bit `j` of the matrix index is
    /// `qubits[j]`). Qubits must be distinct and in range, as [`crate::Circuit::validate`] ensures.
    pub fn apply(&mut self, matrix: &[C], qubits: &[Qubit]) {
        let k = qubits.len();
        let dim = 1usize << k;
        if matrix.len() != dim * dim || qubits.iter().any(|q| q.index() >= self.num_qubits) {
            return;
        }
        let offsets: Vec<usize> = (0..dim)
            .map(|m| {
                qubits
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| m >> j & 1 == 1)
                    .map(|(_, q)| 1usize << q.index())
                    .sum()
            })
            .collect();
        let mut sorted: Vec<usize> = qubits.iter().map(|q| q.index()).collect();
        sorted.sort_unstable();
        let mut buf = vec![C::new(0.0, 0.0); dim];
        for r in 0..(self.amps.len() >> k) {
            let mut base = r;
            for &p in &sorted {
                base = ((base >> p) << (p + 1)) | (base & ((1usize << p) - 1));
            }
            for (b, off) in buf.iter_mut().zip(&offsets) {
                *b = self.amps.get(base + off).copied().unwrap_or_default();
            }
            for (row, off) in offsets.iter().enumerate() {
                let coeffs = matrix.get(row * dim..(row + 1) * dim).unwrap_or(&[]);
                let v: C = coeffs.iter().zip(&buf).map(|(m, x)| m * x).sum();
                if let Some(a) = self.amps.get_mut(base + off) {
                    *a = v;
                }
            }
        }
    }

    /// Applies a 2×2 matrix to `target` where every qubit of `controls` is 1 (fast path for single-qubit
    /// and controlled single-qubit gates).
    pub fn apply_controlled(&mut self, m: [C; 4], controls: &[Qubit], target: Qubit) {
        if target.index() >= self.num_qubits
            || controls.iter().any(|q| q.index() >= self.num_qubits)
        {
            return;
        }
        let t = 1usize << target.index();
        let cmask = controls
            .iter()
            .fold(0usize, |acc, q| acc | 1usize << q.index());
        let [m0, m1, m2, m3] = m;
        for (chunk_index, chunk) in self.amps.chunks_exact_mut(2 * t).enumerate() {
            let base = chunk_index * 2 * t;
            let (lo, hi) = chunk.split_at_mut(t);
            for (j, (a, b)) in lo.iter_mut().zip(hi.iter_mut()).enumerate() {
                if (base + j) & cmask == cmask {
                    let (x, y) = (*a, *b);
                    *a = m0 * x + m1 * y;
                    *b = m2 * x + m3 * y;
                }
            }
        }
    }

    /// Applies a standard gate, choosing the fastest path.
    pub fn apply_gate(&mut self, gate: crate::ir::StandardGate, params: &[f64], qubits: &[Qubit]) {
        match super::matrix::as_controlled(gate, params) {
            Some((nc, m)) => {
                if let (Some(controls), Some(target)) = (qubits.get(..nc), qubits.get(nc)) {
                    self.apply_controlled(m, controls, *target);
                }
            }
            None => self.apply(&super::matrix::gate_matrix(gate, params), qubits),
        }
    }

    /// The probability that measuring `qubit` gives 1.
    pub fn probability_one(&self, qubit: Qubit) -> f64 {
        let bit = 1usize << qubit.index();
        self.amps
            .iter()
            .enumerate()
            .filter(|(i, _)| i & bit != 0)
            .map(|(_, a)| a.norm_sqr())
            .sum()
    }

    /// Projects `qubit` onto `outcome` and renormalises.
    pub fn collapse(&mut self, qubit: Qubit, outcome: bool) {
        let bit = 1usize << qubit.index();
        let p1 = self.probability_one(qubit);
        let p = if outcome { p1 } else { 1.0 - p1 };
        let scale = if p > 0.0 { 1.0 / p.sqrt() } else { 0.0 };
        for (i, a) in self.amps.iter_mut().enumerate() {
            if (i & bit != 0) == outcome {
                *a *= scale;
            } else {
                *a = C::new(0.0, 0.0);
            }
        }
    }

    /// Flips `qubit` (an X gate), used by reset.
    pub fn flip(&mut self, qubit: Qubit) {
        let bit = 1usize << qubit.index();
        for i in 0..self.amps.len() {
            if i & bit == 0 {
                self.amps.swap(i, i | bit);
            }
        }
    }

    /// Multiplies every amplitude by `e^{iθ}`.
    pub fn rotate_phase(&mut self, theta: f64) {
        let f = C::from_polar(1.0, theta);
        for a in &mut self.amps {
            *a *= f;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::StandardGate;
    use crate::sim::matrix::gate_matrix;

    #[test]
    fn bell_state() {
        let mut s = StateVector::zero(2);
        s.apply(&gate_matrix(StandardGate::H, &[]), &[Qubit(0)]);
        s.apply(&gate_matrix(StandardGate::Cx, &[]), &[Qubit(0), Qubit(1)]);
        let p = s.probabilities();
        assert!((p[0] - 0.5).abs() < 1e-12 && (p[3] - 0.5).abs() < 1e-12);
        assert!((s.probability_one(Qubit(1)) - 0.5).abs() < 1e-12);
        s.collapse(Qubit(0), true);
        assert!((s.probabilities()[3] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn reversed_qubit_order_matters() {
        let mut s = StateVector::basis(3, 0b100);
        s.apply(&gate_matrix(StandardGate::Cx, &[]), &[Qubit(2), Qubit(0)]);
        assert!((s.probabilities()[0b101] - 1.0).abs() < 1e-12);
        s.flip(Qubit(1));
        assert!((s.probabilities()[0b111] - 1.0).abs() < 1e-12);
    }
}
