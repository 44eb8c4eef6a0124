//! Optimization labels: what our optimizer actually achieves at each level on a circuit.

use serde::{Deserialize, Serialize};
use synq_circuits::opt::{Basis, OptimizeOptions, gate_count, optimize};
use synq_circuits::{Circuit, OptError};

/// The optimizer's results on one circuit (IBM basis `{cx, rz, sx, x}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OptimizationLabel {
    /// Gates after each level 0–3 (level 0 is the plain translation).
    pub gates_by_level: [usize; 4],
    /// The lowest level that reaches the fewest gates.
    pub best_level: u8,
}

impl OptimizationLabel {
    /// Runs the optimizer at every level.
    pub fn of(circuit: &Circuit) -> Result<Self, OptError> {
        let mut gates_by_level = [0usize; 4];
        for (level, gates) in gates_by_level.iter_mut().enumerate() {
            let out = optimize(
                circuit,
                &OptimizeOptions {
                    level: level as u8,
                    basis: Basis::ibm(),
                },
            )?;
            *gates = gate_count(&out);
        }
        let fewest = gates_by_level.iter().copied().min().unwrap_or(0);
        let best_level = gates_by_level
            .iter()
            .position(|&g| g == fewest)
            .unwrap_or(0) as u8;
        Ok(Self {
            gates_by_level,
            best_level,
        })
    }

    /// Share of the translation's gates that the best level removes (0 when nothing is removed).
    pub fn expected_reduction(&self) -> f64 {
        let base = self.gates_by_level[0];
        if base == 0 {
            return 0.0;
        }
        let best = self.gates_by_level[self.best_level as usize];
        1.0 - best as f64 / base as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redundant_circuits_want_optimization_and_minimal_ones_do_not() {
        let redundant = synq_circuits::parse(
            "OPENQASM 2.0; include \"qelib1.inc\"; qreg q[2]; h q[0]; h q[0]; cx q[0], q[1]; cx q[0], q[1]; t q[1];",
        )
        .unwrap();
        let l = OptimizationLabel::of(&redundant).unwrap();
        assert_eq!(l.best_level, 1);
        assert!(l.expected_reduction() > 0.5);
        let minimal =
            synq_circuits::parse("OPENQASM 2.0; include \"qelib1.inc\"; qreg q[2]; cx q[0], q[1];")
                .unwrap();
        let l = OptimizationLabel::of(&minimal).unwrap();
        assert_eq!((l.best_level, l.expected_reduction()), (0, 0.0));
        // Level 2 commutes a CX pair together across a gate on the control; level 1 cannot.
        let commuting = synq_circuits::parse(
            "OPENQASM 2.0; include \"qelib1.inc\"; qreg q[2]; cx q[0], q[1]; rz(0.3) q[0]; cx q[0], q[1];",
        )
        .unwrap();
        assert_eq!(OptimizationLabel::of(&commuting).unwrap().best_level, 2);
    }
}
