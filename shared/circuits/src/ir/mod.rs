//! The one circuit representation: flattened qubits and clbits, named registers kept for emission,
//! and a list of instructions over the standard gate set.

mod gate;

pub use gate::{DefinitionStep, StandardGate};

use crate::error::CircuitError;
use crate::units::{Clbit, Qubit};

/// A named register. Its bits are numbered after those of the registers declared before it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Register {
    /// The name used in OpenQASM.
    pub name: String,
    /// How many bits it has.
    pub size: u32,
}

/// A standard gate applied to qubits, with its angles already evaluated (radians).
#[derive(Clone, Debug, PartialEq)]
pub struct GateOp {
    /// Which gate.
    pub gate: StandardGate,
    /// Its parameters, `gate.num_params()` of them.
    pub params: Vec<f64>,
    /// The qubits it acts on, `gate.num_qubits()` of them; controls first.
    pub qubits: Vec<Qubit>,
}

/// What an instruction does.
#[derive(Clone, Debug, PartialEq)]
pub enum Operation {
    /// A unitary gate.
    Gate(GateOp),
    /// Measure a qubit in the computational basis into a clbit.
    Measure {
        /// Measured qubit.
        qubit: Qubit,
        /// Where the outcome goes.
        clbit: Clbit,
    },
    /// Reset a qubit to |0⟩.
    Reset {
        /// The qubit.
        qubit: Qubit,
    },
    /// A barrier across qubits (no effect on the state; excluded from depth).
    Barrier {
        /// The qubits it spans.
        qubits: Vec<Qubit>,
    },
}

/// A classical condition guarding an instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    /// `if (creg == value)`: the register read as an unsigned integer, its bit 0 least significant.
    Register {
        /// Index into [`Circuit::cregs`].
        creg: usize,
        /// The value compared against.
        value: u64,
    },
    /// `if (c[i] == value)` (OpenQASM 3 only).
    Bit {
        /// The bit.
        clbit: Clbit,
        /// The value compared against.
        value: bool,
    },
    /// `if ((c[i] ^ c[j] ^ …) == value)`: the parity of several bits (OpenQASM 3 only).
    Parity {
        /// The bits combined with XOR.
        clbits: Vec<Clbit>,
        /// The value compared against.
        value: bool,
    },
}

/// An operation, possibly classically conditioned.
#[derive(Clone, Debug, PartialEq)]
pub struct Instruction {
    /// What it does.
    pub op: Operation,
    /// When it runs; always when `None`.
    pub condition: Option<Condition>,
}

/// A quantum circuit.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Circuit {
    /// Quantum registers in declaration order.
    pub qregs: Vec<Register>,
    /// Classical registers in declaration order.
    pub cregs: Vec<Register>,
    /// The instructions in program order.
    pub instructions: Vec<Instruction>,
    /// Global phase in radians (from `gphase`; OpenQASM 2 cannot express it).
    pub global_phase: f64,
}

impl Operation {
    /// The name counts report: the gate name, or `measure`, `reset`, `barrier`.
    pub fn name(&self) -> &'static str {
        match self {
            Operation::Gate(g) => g.gate.name(),
            Operation::Measure { .. } => "measure",
            Operation::Reset { .. } => "reset",
            Operation::Barrier { .. } => "barrier",
        }
    }

    /// The qubits the operation touches.
    pub fn qubits(&self) -> &[Qubit] {
        match self {
            Operation::Gate(g) => &g.qubits,
            Operation::Measure { qubit, .. } | Operation::Reset { qubit } => {
                std::slice::from_ref(qubit)
            }
            Operation::Barrier { qubits } => qubits,
        }
    }
}

impl Circuit {
    /// An empty circuit.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of qubits over all quantum registers.
    pub fn num_qubits(&self) -> usize {
        self.qregs.iter().map(|r| r.size as usize).sum()
    }

    /// Number of clbits over all classical registers.
    pub fn num_clbits(&self) -> usize {
        self.cregs.iter().map(|r| r.size as usize).sum()
    }

    /// Adds a quantum register and returns its first qubit.
    pub fn add_qreg(&mut self, name: impl Into<String>, size: u32) -> Qubit {
        let first = Qubit(self.num_qubits() as u32);
        self.qregs.push(Register {
            name: name.into(),
            size,
        });
        first
    }

    /// Adds a classical register and returns its first clbit.
    pub fn add_creg(&mut self, name: impl Into<String>, size: u32) -> Clbit {
        let first = Clbit(self.num_clbits() as u32);
        self.cregs.push(Register {
            name: name.into(),
            size,
        });
        first
    }

    /// Appends an unconditioned gate.
    pub fn gate(&mut self, gate: StandardGate, params: &[f64], qubits: &[u32]) -> &mut Self {
        self.instructions.push(Instruction {
            op: Operation::Gate(GateOp {
                gate,
                params: params.to_vec(),
                qubits: qubits.iter().map(|&q| Qubit(q)).collect(),
            }),
            condition: None,
        });
        self
    }

    /// Appends a measurement.
    pub fn measure(&mut self, qubit: u32, clbit: u32) -> &mut Self {
        self.instructions.push(Instruction {
            op: Operation::Measure {
                qubit: Qubit(qubit),
                clbit: Clbit(clbit),
            },
            condition: None,
        });
        self
    }

    /// The first clbit of classical register `creg`.
    pub fn creg_offset(&self, creg: usize) -> Option<u32> {
        if creg >= self.cregs.len() {
            return None;
        }
        Some(self.cregs.iter().take(creg).map(|r| r.size).sum())
    }

    /// The register a qubit belongs to, and its index inside it.
    pub fn qubit_location(&self, q: Qubit) -> Option<(&Register, u32)> {
        locate(&self.qregs, q.0)
    }

    /// The register a clbit belongs to, and its index inside it.
    pub fn clbit_location(&self, c: Clbit) -> Option<(&Register, u32)> {
        locate(&self.cregs, c.0)
    }

    /// The clbits a condition reads.
    pub fn condition_clbits(&self, cond: &Condition) -> Vec<Clbit> {
        match cond {
            Condition::Register { creg, .. } => {
                let offset = self.creg_offset(*creg).unwrap_or(0);
                let size = self.cregs.get(*creg).map_or(0, |r| r.size);
                (offset..offset + size).map(Clbit).collect()
            }
            Condition::Bit { clbit, .. } => vec![*clbit],
            Condition::Parity { clbits, .. } => clbits.clone(),
        }
    }

    /// The wires `inst` touches, numbered qubits first (`0..num_qubits`) and then clbits
    /// (`num_qubits + index`): its qubits in operand order, a measurement's clbit, and the clbits its
    /// condition reads. Depth and scheduling follow these.
    pub fn wires(&self, inst: &Instruction) -> Vec<usize> {
        let nq = self.num_qubits();
        let mut wires: Vec<usize> = inst.op.qubits().iter().map(|q| q.index()).collect();
        if let Operation::Measure { clbit, .. } = &inst.op {
            wires.push(nq + clbit.index());
        }
        if let Some(cond) = &inst.condition {
            wires.extend(self.condition_clbits(cond).iter().map(|b| nq + b.index()));
        }
        wires
    }

    /// Checks that every instruction refers to existing, distinct bits with the right arity.
    pub fn validate(&self) -> Result<(), CircuitError> {
        let nq = self.num_qubits() as u32;
        let nc = self.num_clbits() as u32;
        for (index, inst) in self.instructions.iter().enumerate() {
            let bad = |message: String| CircuitError::InvalidInstruction { index, message };
            let qubits = inst.op.qubits();
            if let Some(q) = qubits.iter().find(|q| q.0 >= nq) {
                return Err(bad(format!("qubit {} out of range ({nq} qubits)", q.0)));
            }
            for (i, q) in qubits.iter().enumerate() {
                if qubits.iter().skip(i + 1).any(|o| o == q) {
                    return Err(bad(format!("qubit {} used twice", q.0)));
                }
            }
            match &inst.op {
                Operation::Gate(g) => {
                    if g.qubits.len() != g.gate.num_qubits()
                        || g.params.len() != g.gate.num_params()
                    {
                        return Err(bad(format!("wrong arity for `{}`", g.gate.name())));
                    }
                    if g.params.iter().any(|p| !p.is_finite()) {
                        return Err(bad("non-finite parameter".into()));
                    }
                }
                Operation::Measure { clbit, .. } if clbit.0 >= nc => {
                    return Err(bad(format!("clbit {} out of range ({nc} clbits)", clbit.0)));
                }
                _ => {}
            }
            match &inst.condition {
                Some(Condition::Register { creg, .. }) if *creg >= self.cregs.len() => {
                    return Err(bad(format!("condition on missing register {creg}")));
                }
                Some(Condition::Bit { clbit, .. }) if clbit.0 >= nc => {
                    return Err(bad(format!("condition on missing clbit {}", clbit.0)));
                }
                Some(Condition::Parity { clbits, .. }) if clbits.iter().any(|c| c.0 >= nc) => {
                    return Err(bad("condition on a missing clbit".into()));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

fn locate(regs: &[Register], mut index: u32) -> Option<(&Register, u32)> {
    for reg in regs {
        if index < reg.size {
            return Some((reg, index));
        }
        index -= reg.size;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registers_flatten_in_order() {
        let mut c = Circuit::new();
        assert_eq!(c.add_qreg("a", 2), Qubit(0));
        assert_eq!(c.add_qreg("b", 3), Qubit(2));
        c.add_creg("m", 1);
        c.add_creg("n", 4);
        assert_eq!(c.num_qubits(), 5);
        let (reg, i) = c.qubit_location(Qubit(3)).unwrap();
        assert_eq!((reg.name.as_str(), i), ("b", 1));
        assert_eq!(c.creg_offset(1), Some(1));
        assert_eq!(
            c.condition_clbits(&Condition::Register { creg: 1, value: 0 })
                .len(),
            4
        );
        assert!(c.qubit_location(Qubit(5)).is_none());
    }

    #[test]
    fn validate_catches_bad_instructions() {
        let mut c = Circuit::new();
        c.add_qreg("q", 2);
        c.gate(StandardGate::Cx, &[], &[0, 1]);
        assert!(c.validate().is_ok());
        c.gate(StandardGate::Cx, &[], &[1, 1]);
        assert!(c.validate().is_err());
        let mut d = Circuit::new();
        d.add_qreg("q", 1);
        d.gate(StandardGate::Rx, &[], &[0]);
        assert!(d.validate().is_err());
    }
}
