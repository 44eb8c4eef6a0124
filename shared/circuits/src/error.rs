//! The crate's one error type.

use crate::units::Position;

/// Everything that can go wrong in this crate. Parse errors carry the line and column they refer to.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CircuitError {
    /// The source text is not well-formed OpenQASM (unexpected token, bad literal, missing `;`, …).
    #[error("{pos}: syntax error: {message}")]
    Syntax {
        /// Where the problem is.
        pos: Position,
        /// What was expected or found.
        message: String,
    },
    /// The program is well-formed but refers to something that does not exist or is used wrongly
    /// (unknown gate or register, wrong number of parameters or qubits, index out of range, …).
    #[error("{pos}: {message}")]
    Semantic {
        /// Where the problem is.
        pos: Position,
        /// What is wrong.
        message: String,
    },
    /// `opaque` gates have no definition, so they cannot be simulated or counted.
    #[error("{pos}: opaque gate `{name}` is not supported: give it a `gate` definition instead")]
    Opaque {
        /// Where the declaration is.
        pos: Position,
        /// The opaque gate's name.
        name: String,
    },
    /// A valid OpenQASM construct that this crate does not handle (yet).
    #[error("{pos}: unsupported: {what}")]
    Unsupported {
        /// Where the construct is.
        pos: Position,
        /// What is not supported.
        what: String,
    },
    /// The program expands to more than the configured limit (operations, qubits or nesting).
    #[error("{pos}: program too large: {what}")]
    TooLarge {
        /// Where the limit was reached.
        pos: Position,
        /// Which limit.
        what: String,
    },
    /// A simulation was asked for more qubits than its cap allows.
    #[error("circuit has {qubits} qubits, above the simulator's cap of {cap}")]
    TooManyQubits {
        /// Qubits in the circuit.
        qubits: usize,
        /// The configured cap.
        cap: usize,
    },
    /// The operation cannot be part of a unitary (measure, reset, classically conditioned gates).
    #[error("operation {index} (`{name}`) is not unitary")]
    NotUnitary {
        /// Index of the instruction in the circuit.
        index: usize,
        /// Its name.
        name: String,
    },
    /// The circuit uses something that the requested output format cannot express.
    #[error("cannot emit: {0}")]
    Emit(String),
    /// An instruction refers to qubits or clbits the circuit does not have, or has the wrong arity.
    #[error("invalid instruction {index}: {message}")]
    InvalidInstruction {
        /// Index of the instruction.
        index: usize,
        /// What is wrong.
        message: String,
    },
}

impl CircuitError {
    /// The source position the error refers to, if it comes from parsing.
    pub fn position(&self) -> Option<Position> {
        match self {
            Self::Syntax { pos, .. }
            | Self::Semantic { pos, .. }
            | Self::Opaque { pos, .. }
            | Self::Unsupported { pos, .. }
            | Self::TooLarge { pos, .. } => Some(*pos),
            _ => None,
        }
    }
}
