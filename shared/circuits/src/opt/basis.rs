//! Target gate sets: CX as the entangler plus a one-qubit family that can express any single-qubit
//! unitary. A basis is data: build it from gate names or use a preset.

use crate::ir::StandardGate;

use super::error::OptError;

/// How single-qubit unitaries are written in a basis (the Euler form used).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OneQubitForm {
    /// `rz · sx · rz · sx · rz`, with `x` for the half turn when the basis has it (IBM).
    ZSX {
        /// Whether `x` is in the basis.
        with_x: bool,
    },
    /// `p · sx · p · sx · p`, with `x` when available.
    PSX {
        /// Whether `x` is in the basis.
        with_x: bool,
    },
    /// One `u3(θ, φ, λ)`.
    U3,
    /// One `u(θ, φ, λ)` (OpenQASM 3's `U`).
    U,
    /// `rz · ry · rz`.
    ZYZ,
    /// `rz · rx · rz`.
    ZXZ,
}

/// A target basis: `cx` plus a one-qubit form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Basis {
    gates: Vec<StandardGate>,
    form: OneQubitForm,
}

impl Basis {
    /// IBM's `{cx, rz, sx, x}` (the basis of Qiskit's baseline in the corpus facts).
    pub fn ibm() -> Self {
        Self {
            gates: vec![
                StandardGate::Cx,
                StandardGate::Rz,
                StandardGate::Sx,
                StandardGate::X,
            ],
            form: OneQubitForm::ZSX { with_x: true },
        }
    }

    /// `{cx, u3}`.
    pub fn cx_u3() -> Self {
        Self {
            gates: vec![StandardGate::Cx, StandardGate::U3],
            form: OneQubitForm::U3,
        }
    }

    /// `{cx, rz, ry}`.
    pub fn cx_rz_ry() -> Self {
        Self {
            gates: vec![StandardGate::Cx, StandardGate::Rz, StandardGate::Ry],
            form: OneQubitForm::ZYZ,
        }
    }

    /// A basis from gate names (`qelib1.inc` spelling, e.g. `["cx", "rz", "sx", "x"]`). It must contain
    /// `cx` and a universal one-qubit family: `rz`+`sx`, `p`+`sx`, `u3`, `u`, `rz`+`ry` or `rz`+`rx`.
    pub fn from_names<S: AsRef<str>>(names: &[S]) -> Result<Self, OptError> {
        let mut gates = Vec::new();
        for n in names {
            let name = n.as_ref();
            let g = StandardGate::from_name(name).ok_or_else(|| OptError::UnknownGate {
                name: name.to_string(),
            })?;
            if !gates.contains(&g) {
                gates.push(g);
            }
        }
        Self::from_gates(&gates)
    }

    /// A basis from gates; see [`Basis::from_names`].
    pub fn from_gates(gates: &[StandardGate]) -> Result<Self, OptError> {
        use StandardGate as G;
        let has = |g: G| gates.contains(&g);
        let described = || {
            gates
                .iter()
                .map(|g| g.name())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !has(G::Cx) {
            return Err(OptError::UnsupportedBasis {
                basis: described(),
                reason: "it needs `cx` as its two-qubit gate".into(),
            });
        }
        let with_x = has(G::X);
        let form = if has(G::Rz) && has(G::Sx) {
            OneQubitForm::ZSX { with_x }
        } else if has(G::P) && has(G::Sx) {
            OneQubitForm::PSX { with_x }
        } else if has(G::U3) {
            OneQubitForm::U3
        } else if has(G::U) {
            OneQubitForm::U
        } else if has(G::Rz) && has(G::Ry) {
            OneQubitForm::ZYZ
        } else if has(G::Rz) && has(G::Rx) {
            OneQubitForm::ZXZ
        } else {
            return Err(OptError::UnsupportedBasis {
                basis: described(),
                reason: "no universal one-qubit family (rz+sx, p+sx, u3, u, rz+ry or rz+rx)".into(),
            });
        };
        Ok(Self {
            gates: gates.to_vec(),
            form,
        })
    }

    /// The gates of the basis.
    pub fn gates(&self) -> &[StandardGate] {
        &self.gates
    }

    /// How one-qubit unitaries are written.
    pub fn one_qubit_form(&self) -> OneQubitForm {
        self.form
    }

    /// Whether `gate` is in the basis.
    pub fn contains(&self, gate: StandardGate) -> bool {
        self.gates.contains(&gate)
    }
}

impl Default for Basis {
    fn default() -> Self {
        Self::ibm()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_pick_a_form() {
        assert_eq!(
            Basis::from_names(&["cx", "rz", "sx", "x"]).unwrap(),
            Basis::ibm()
        );
        assert_eq!(
            Basis::from_names(&["cx", "u"]).unwrap().one_qubit_form(),
            OneQubitForm::U
        );
        assert!(matches!(
            Basis::from_names(&["cz", "rz", "sx"]),
            Err(OptError::UnsupportedBasis { .. })
        ));
        assert!(matches!(
            Basis::from_names(&["cx", "h"]),
            Err(OptError::UnsupportedBasis { .. })
        ));
        assert!(matches!(
            Basis::from_names(&["cx", "bogus"]),
            Err(OptError::UnknownGate { .. })
        ));
    }
}
