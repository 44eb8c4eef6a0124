//! What can go wrong when optimizing.

use crate::error::CircuitError;

/// Errors of [`super::optimize`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OptError {
    /// The requested level is not 0–3.
    #[error("optimization level {0} is not supported (use 0 to 3)")]
    Level(u8),
    /// A basis names a gate that is not a standard gate.
    #[error("unknown gate `{name}` in the basis")]
    UnknownGate {
        /// The name given.
        name: String,
    },
    /// The basis cannot express every circuit.
    #[error("basis {{{basis}}} is not supported: {reason}")]
    UnsupportedBasis {
        /// The gates of the basis.
        basis: String,
        /// Why not.
        reason: String,
    },
    /// The input circuit is malformed (bad qubit index, arity, non-finite angle).
    #[error(transparent)]
    Circuit(#[from] CircuitError),
}
