//! A Pauli-trajectory noisy simulation, to check the success-probability label on small circuits.
//!
//! Each physical operation of the backend fails with its error rate; a failure applies a uniformly
//! random non-identity Pauli on the operation's qubits (a depolarizing channel). The result is the
//! mean fidelity of the noisy final state with the ideal one, times the chance that every readout is
//! right: the probability of a correct run, which the product-of-fidelities label should track (a
//! failure can be harmless, e.g. a Z on |0⟩, so the simulation sits at or a little above it).

use synq_circuits::sim::{StateVector, terminal_measurements};
use synq_circuits::{Circuit, Operation, Qubit, StandardGate as G};

use crate::backends::BackendProfile;
use crate::rng::Seeded;

/// Why a circuit cannot be checked this way.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum NoisyError {
    #[error("only circuits whose measurements are all at the end can be checked")]
    NotTerminal,
    #[error("translation failed: {0}")]
    Translate(#[from] synq_circuits::OptError),
    #[error("{0} qubits is over the {MAX_QUBITS} this check simulates")]
    TooLarge(usize),
}

/// The largest circuit checked (each trajectory is a full state-vector run).
pub const MAX_QUBITS: usize = 12;

const PAULIS: [G; 3] = [G::X, G::Y, G::Z];

fn random_pauli(state: &mut StateVector, qubits: &[Qubit], rng: &mut Seeded) {
    // 4^k − 1 non-identity strings, uniformly.
    let k = qubits.len() as u32;
    let code = rng.range(1, 4usize.pow(k) - 1);
    for (i, q) in qubits.iter().enumerate() {
        let p = (code >> (2 * i)) & 3;
        if p > 0 {
            state.apply_gate(PAULIS[p - 1], &[], std::slice::from_ref(q));
        }
    }
}

/// `|⟨a|b⟩|²`.
fn overlap(a: &StateVector, b: &StateVector) -> f64 {
    let (mut re, mut im) = (0.0, 0.0);
    for (x, y) in a.amplitudes().iter().zip(b.amplitudes()) {
        // conj(x) · y
        re += x.re * y.re + x.im * y.im;
        im += x.re * y.im - x.im * y.re;
    }
    re * re + im * im
}

fn readouts(circuit: &Circuit) -> usize {
    let measured = circuit
        .instructions
        .iter()
        .filter(|i| matches!(i.op, Operation::Measure { .. }))
        .count();
    if measured == 0 {
        circuit.num_qubits()
    } else {
        measured
    }
}

/// The probability that `circuit` on `backend` ends in the right state and is read out right:
/// the mean over `trajectories` seeded runs of `|⟨ideal|noisy⟩|²` before measurement, times the
/// chance that every readout is correct.
pub fn noisy_success(
    backend: &BackendProfile,
    circuit: &Circuit,
    trajectories: usize,
    seed: u64,
) -> Result<f64, NoisyError> {
    let translated = backend.translate(circuit)?;
    if !terminal_measurements(&translated) {
        return Err(NoisyError::NotTerminal);
    }
    if translated.num_qubits() > MAX_QUBITS {
        return Err(NoisyError::TooLarge(translated.num_qubits()));
    }
    let unitary: Vec<_> = translated
        .instructions
        .iter()
        .filter_map(|i| match &i.op {
            Operation::Gate(g) => Some(g.clone()),
            _ => None,
        })
        .collect();
    let mut ideal = StateVector::zero(translated.num_qubits());
    for g in &unitary {
        ideal.apply_gate(g.gate, &g.params, &g.qubits);
    }
    let mut rng = Seeded::new(seed);
    let cx = backend.cx;
    let cx_one_qubit =
        (cx.before_control + cx.before_target + cx.after_control + cx.after_target) as i32;
    let cx_error =
        1.0 - (1.0 - backend.two_qubit_error) * (1.0 - backend.one_qubit_error).powi(cx_one_qubit);
    let mut fidelity = 0.0;
    for _ in 0..trajectories {
        let mut state = StateVector::zero(translated.num_qubits());
        for g in &unitary {
            state.apply_gate(g.gate, &g.params, &g.qubits);
            let error = if g.gate == G::Cx {
                cx_error
            } else if g.gate.name() == backend.virtual_gate || g.gate == G::Id {
                0.0
            } else {
                backend.one_qubit_error
            };
            if rng.chance(error) {
                random_pauli(&mut state, &g.qubits, &mut rng);
            }
        }
        fidelity += overlap(&ideal, &state) / trajectories as f64;
    }
    Ok(fidelity * (1.0 - backend.readout_error).powi(readouts(&translated) as i32))
}
