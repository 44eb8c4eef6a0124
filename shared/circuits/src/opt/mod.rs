//! The optimizer: basis translation and gate-count passes at levels 0–3.
//!
//! - **0**: translate every gate into the basis (exact up to global phase, which is tracked in
//!   [`Circuit::global_phase`]).
//! - **1**: + fuse runs of single-qubit gates and resynthesize each in the basis's shortest Euler
//!   form (dropping runs that multiply to the identity); cancel adjacent CX pairs.
//! - **2**: + commutation: CX pairs cancel across gates that commute with them (shared controls or
//!   targets, diagonal gates on the control, X rotations on the target), and single-qubit gates
//!   merge across CX gates they commute with.
//! - **3**: level 2 iterated to a fixed point, alternating with two-qubit block resynthesis
//!   (`opt/blocks.rs`): each maximal run of gates on one qubit pair becomes its 4×4 unitary, rewritten
//!   with the fewest CX gates its KAK coordinates allow (0–3, `opt/two_qubit.rs`) when that saves CX
//!   gates, or saves gates at the same CX count. It costs a few microseconds per block, so it is
//!   level 3 only; level 2 stays the cheap default. Level 3 also leaves out SWAP gates whose qubits
//!   all end in measurements and measures the swapped qubits instead (`opt/elide.rs`), as Qiskit's
//!   `ElidePermutations` does: the outcomes are exactly the input's, but the state before those
//!   measurements is the input's with those qubits exchanged.
//!
//! Measurements, resets, barriers and conditioned gates stay in their order and nothing moves across
//! them. Up to that SWAP elision, the result's unitary is the input's, global phase included. It is
//! never larger (in gates) than the level-0 translation: when block resynthesis saves CX gates at
//! the price of more gates than that, level 3 returns the program as it was before resynthesis.
//!
//! ```
//! use synq_circuits::opt::{Basis, OptimizeOptions, optimize};
//! let c = synq_circuits::parse(
//!     "OPENQASM 2.0; include \"qelib1.inc\"; qreg q[2]; h q[0]; h q[0]; cx q[0], q[1]; cx q[0], q[1]; t q[1];",
//! ).unwrap();
//! let out = optimize(&c, &OptimizeOptions { level: 1, basis: Basis::ibm() }).unwrap();
//! assert_eq!(out.instructions.len(), 1); // rz(π/4)
//! ```

mod basis;
mod blocks;
mod cancel;
mod commute;
mod eigen;
mod elide;
mod error;
mod euler;
mod fuse;
mod kak;
mod mat;
mod mat4;
mod program;
mod translate;
mod two_qubit;

pub use basis::{Basis, OneQubitForm};
pub use error::OptError;

use crate::ir::{Circuit, Operation};
use program::Program;

/// What [`optimize`] does.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct OptimizeOptions {
    /// 0 (translate only) to 3 (everything); see the module documentation.
    pub level: u8,
    /// The gate set of the result.
    pub basis: Basis,
}

/// Upper bound on pass rounds (each round strictly shrinks the circuit, so this is only a guard).
const MAX_ROUNDS: usize = 64;

/// Number of unitary gates in a circuit.
pub fn gate_count(circuit: &Circuit) -> usize {
    circuit
        .instructions
        .iter()
        .filter(|i| matches!(i.op, Operation::Gate(_)))
        .count()
}

/// Translates `circuit` into `options.basis` and optimizes it at `options.level`. The result acts
/// like the input up to global phase (at level 3, up to the SWAPs before final measurements that it
/// replaces by measuring other qubits) and has at most as many gates as the plain translation.
pub fn optimize(circuit: &Circuit, options: &OptimizeOptions) -> Result<Circuit, OptError> {
    if options.level > 3 {
        return Err(OptError::Level(options.level));
    }
    circuit.validate()?;
    let form = options.basis.one_qubit_form();
    let translation = Program::translate(circuit, form);
    if options.level == 0 {
        return Ok(translation.lower(circuit, form));
    }
    let limit = translation.gate_count(form);
    let elided = (options.level >= 3)
        .then(|| elide::elide_swaps(circuit))
        .flatten();
    let source = elided.as_ref().unwrap_or(circuit);
    let mut program = match &elided {
        Some(elided) => Program::translate(elided, form),
        None => translation,
    };
    let resynthesized = run_passes(&mut program, options.level, form, true);
    if program.gate_count(form) <= limit {
        return Ok(program.lower(circuit, form));
    }
    // Resynthesis saved CX gates at the price of more gates than the translation has: the same
    // passes without it (recomputed rather than kept: this is rare, a copy of every program is not).
    if resynthesized {
        let mut program = Program::translate(source, form);
        run_passes(&mut program, options.level, form, false);
        if program.gate_count(form) <= limit {
            return Ok(program.lower(circuit, form));
        }
    }
    Ok(Program::translate(circuit, form).lower(circuit, form))
}

/// Runs the passes of `level` (1–3) on `program` until nothing changes (at most [`MAX_ROUNDS`] rounds
/// at level 3, 8 below); block resynthesis only at level 3 and if `blocks`. Returns whether block
/// resynthesis replaced anything.
fn run_passes(program: &mut Program, level: u8, form: OneQubitForm, blocks: bool) -> bool {
    let n = program.num_qubits;
    let rounds = if level >= 3 { MAX_ROUNDS } else { 8 };
    let mut kept = blocks::Kept::default();
    let mut resynthesized = false;
    for _ in 0..rounds {
        let mut changed = fuse::fuse_runs(&mut program.nodes, n);
        let (phase, dropped) = fuse::drop_identities(&mut program.nodes);
        program.phase += phase;
        changed |= dropped;
        changed |= cancel::cancel_cx(&mut program.nodes, n, level >= 2);
        if level >= 2 {
            changed |= commute::merge_across_cx(&mut program.nodes, n, form);
        }
        // Block resynthesis is the expensive pass: only once the cheap ones have nothing left.
        if !changed && level >= 3 && blocks {
            let (phase, replaced) = blocks::resynthesize(&mut program.nodes, n, form, &mut kept);
            program.phase += phase;
            changed = replaced;
            resynthesized |= replaced;
        }
        if !changed {
            break;
        }
    }
    resynthesized
}
