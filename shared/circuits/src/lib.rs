//! SynQ's quantum circuit core: OpenQASM 2.0 and the OpenQASM 3 core in and out, one circuit IR over
//! the standard gates of `qelib1.inc`/`stdgates.inc`, a seeded state-vector simulator with a
//! step-by-step API, a unitary builder for small circuits, resource counts, and an optimizer that
//! translates into a basis gate set and shrinks the circuit ([`opt`]).
//!
//! It is pure and sans-IO (no files, clock or OS randomness: seeds are passed in) and builds for
//! `wasm32-unknown-unknown`. It is not a router for device coupling maps, and not the Worker endpoints.
//!
//! ```
//! let circuit = synq_circuits::parse(
//!     "OPENQASM 2.0; include \"qelib1.inc\"; qreg q[2]; creg c[2]; h q[0]; cx q[0], q[1]; measure q -> c;",
//! ).unwrap();
//! let counts = synq_circuits::ResourceCounts::of(&circuit);
//! assert_eq!(counts.cx, 1);
//! let shots = synq_circuits::sim::run_shots(&circuit, 100, 7, &Default::default()).unwrap();
//! assert_eq!(shots.values().sum::<u64>(), 100);
//! assert!(shots.keys().all(|k| k == "00" || k == "11"));
//! ```

pub mod counts;
pub mod emit;
pub mod error;
pub mod ir;
pub mod opt;
pub mod parse;
pub mod sim;
pub mod units;

pub use counts::ResourceCounts;
pub use emit::{to_qasm2, to_qasm3};
pub use error::CircuitError;
pub use ir::{Circuit, Condition, GateOp, Instruction, Operation, Register, StandardGate};
pub use opt::{Basis, OptError, OptimizeOptions, optimize};
pub use parse::{ParseOptions, StandardDefinitions, parse, parse_with};
pub use units::{Clbit, Position, Qubit};
