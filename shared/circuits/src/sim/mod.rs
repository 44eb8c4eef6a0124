//! State-vector simulation: a step-by-step [`Simulator`] (the shared debugger's engine), seeded
//! shot sampling, and a unitary builder for small circuits.
//!
//! Randomness comes only from the caller's seed (PCG64); there is no clock and no global RNG.

mod matrix;
mod run;
mod state;
mod unitary;

pub use run::{SimOptions, Simulator, Step, run_shots, terminal_measurements};
pub use state::StateVector;
pub use unitary::{MAX_UNITARY_QUBITS, Unitary, equivalent_up_to_global_phase, unitary};
