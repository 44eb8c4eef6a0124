//! The full unitary of a small circuit, and equivalence up to global phase (used by tests and,
//! later, by optimizer checks).

use num_complex::Complex64 as C;

use super::state::StateVector;
use crate::error::CircuitError;
use crate::ir::{Circuit, Operation};

/// Largest circuit [`unitary`] builds (a `2^10 × 2^10` matrix is 16 MiB).
pub const MAX_UNITARY_QUBITS: usize = 10;

/// A square matrix in row-major order; bit `i` of an index is qubit `i`.
#[derive(Clone, Debug, PartialEq)]
pub struct Unitary {
    /// Rows and columns.
    pub dim: usize,
    /// `dim × dim` entries, row-major.
    pub data: Vec<C>,
}

impl Unitary {
    /// Entry at `row`, `col` (zero when out of range).
    pub fn get(&self, row: usize, col: usize) -> C {
        self.data
            .get(row * self.dim + col)
            .copied()
            .unwrap_or_default()
    }
}

/// The unitary of `circuit` including its global phase. Barriers are ignored; measurements, resets
/// and conditioned instructions are refused.
pub fn unitary(circuit: &Circuit) -> Result<Unitary, CircuitError> {
    circuit.validate()?;
    let n = circuit.num_qubits();
    if n > MAX_UNITARY_QUBITS {
        return Err(CircuitError::TooManyQubits {
            qubits: n,
            cap: MAX_UNITARY_QUBITS,
        });
    }
    let mut gates = Vec::new();
    for (index, inst) in circuit.instructions.iter().enumerate() {
        match &inst.op {
            Operation::Barrier { .. } if inst.condition.is_none() => {}
            Operation::Gate(g) if inst.condition.is_none() => gates.push(g),
            op => {
                return Err(CircuitError::NotUnitary {
                    index,
                    name: op.name().to_string(),
                });
            }
        }
    }
    let dim = 1usize << n;
    let mut data = vec![C::default(); dim * dim];
    for col in 0..dim {
        let mut s = StateVector::basis(n, col);
        s.rotate_phase(circuit.global_phase);
        for g in &gates {
            s.apply_gate(g.gate, &g.params, &g.qubits);
        }
        for (row, a) in s.amplitudes().iter().enumerate() {
            if let Some(x) = data.get_mut(row * dim + col) {
                *x = *a;
            }
        }
    }
    Ok(Unitary { dim, data })
}

/// Whether `a = e^{iφ} b` for some φ, entry by entry within `tolerance`.
pub fn equivalent_up_to_global_phase(a: &Unitary, b: &Unitary, tolerance: f64) -> bool {
    if a.dim != b.dim || a.data.len() != b.data.len() {
        return false;
    }
    let Some((x, y)) = a
        .data
        .iter()
        .zip(&b.data)
        .max_by(|p, q| p.0.norm().total_cmp(&q.0.norm()))
    else {
        return true;
    };
    if y.norm() < 1e-12 {
        return false;
    }
    let phase = x / y;
    a.data
        .iter()
        .zip(&b.data)
        .all(|(x, y)| (x - phase * y).norm() <= tolerance)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    fn u(src: &str) -> Unitary {
        unitary(&parse(src).unwrap()).unwrap()
    }

    #[test]
    fn known_identities() {
        let h = "OPENQASM 2.0; include \"qelib1.inc\"; qreg q[2];";
        assert!(equivalent_up_to_global_phase(
            &u(&format!("{h} cz q[0], q[1];")),
            &u(&format!("{h} h q[1]; cx q[0], q[1]; h q[1];")),
            1e-10
        ));
        assert!(equivalent_up_to_global_phase(
            &u(&format!("{h} swap q[0], q[1];")),
            &u(&format!("{h} cx q[0], q[1]; cx q[1], q[0]; cx q[0], q[1];")),
            1e-10
        ));
        assert!(equivalent_up_to_global_phase(
            &u(&format!("{h} rz(0.7) q[0];")),
            &u(&format!("{h} u1(0.7) q[0];")),
            1e-10
        ));
        assert!(equivalent_up_to_global_phase(
            &u(&format!("{h} rzz(0.7) q[0], q[1];")),
            &u(&format!("{h} cx q[0], q[1]; rz(0.7) q[1]; cx q[0], q[1];")),
            1e-10
        ));
        assert!(!equivalent_up_to_global_phase(
            &u(&format!("{h} cx q[0], q[1];")),
            &u(&format!("{h} cx q[1], q[0];")),
            1e-10
        ));
        assert!(equivalent_up_to_global_phase(
            &u(&format!("{h} sx q[0];")),
            &u(&format!("{h} sdg q[0]; h q[0]; sdg q[0];")),
            1e-10
        ));
    }

    #[test]
    fn refuses_measurement_and_large_circuits() {
        let c = parse("OPENQASM 2.0; qreg q[1]; creg c[1]; measure q[0] -> c[0];").unwrap();
        assert!(matches!(
            unitary(&c),
            Err(CircuitError::NotUnitary { index: 0, .. })
        ));
        let big = parse("OPENQASM 3; qubit[11] q;").unwrap();
        assert!(matches!(
            unitary(&big),
            Err(CircuitError::TooManyQubits { .. })
        ));
    }
}
