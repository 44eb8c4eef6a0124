//! Executing circuits: gate by gate for the debugger, or many shots at once.

use std::collections::BTreeMap;

use rand_pcg::Pcg64;
use rand_pcg::rand_core::{Rng, SeedableRng};

use super::state::StateVector;
use crate::error::CircuitError;
use crate::ir::{Circuit, Condition, Operation};

/// Simulation limits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimOptions {
    /// Most qubits simulated; the state vector takes `16 · 2^n` bytes (24 qubits: 256 MiB).
    pub max_qubits: usize,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self { max_qubits: 24 }
    }
}

/// What one step did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Index of the instruction in the circuit.
    pub index: usize,
    /// False when a classical condition was not met and the instruction was skipped.
    pub executed: bool,
    /// The outcome, for a measurement that ran.
    pub outcome: Option<bool>,
}

/// Runs one circuit instruction by instruction, exposing the state between steps.
#[derive(Clone, Debug)]
pub struct Simulator<'c> {
    circuit: &'c Circuit,
    state: StateVector,
    clbits: Vec<bool>,
    next: usize,
    rng: Pcg64,
}

fn uniform(rng: &mut Pcg64) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

impl<'c> Simulator<'c> {
    /// A simulator at the start of `circuit`, measurements drawn from `seed`.
    pub fn new(
        circuit: &'c Circuit,
        seed: u64,
        options: &SimOptions,
    ) -> Result<Self, CircuitError> {
        circuit.validate()?;
        let n = circuit.num_qubits();
        if n > options.max_qubits {
            return Err(CircuitError::TooManyQubits {
                qubits: n,
                cap: options.max_qubits,
            });
        }
        let mut sim = Self {
            circuit,
            state: StateVector::zero(n),
            clbits: vec![false; circuit.num_clbits()],
            next: 0,
            rng: Pcg64::seed_from_u64(seed),
        };
        sim.restart();
        Ok(sim)
    }

    /// Back to the start (|0…0⟩ with the global phase, clbits cleared); the random stream continues.
    pub fn restart(&mut self) {
        self.state = StateVector::zero(self.circuit.num_qubits());
        self.state.rotate_phase(self.circuit.global_phase);
        self.clbits.iter_mut().for_each(|b| *b = false);
        self.next = 0;
    }

    /// The current state.
    pub fn state(&self) -> &StateVector {
        &self.state
    }

    /// The classical bits, indexed by clbit.
    pub fn clbits(&self) -> &[bool] {
        &self.clbits
    }

    /// Index of the next instruction to run (the circuit's length when done).
    pub fn position(&self) -> usize {
        self.next
    }

    fn condition_holds(&self, cond: &Condition) -> bool {
        match cond {
            Condition::Register { creg, value } => {
                let offset = self.circuit.creg_offset(*creg).unwrap_or(0) as usize;
                let size = self.circuit.cregs.get(*creg).map_or(0, |r| r.size as usize);
                if size < 64 && *value >> size != 0 {
                    return false;
                }
                (0..size).all(|i| {
                    let bit = self.clbits.get(offset + i).copied().unwrap_or(false);
                    let want = i < 64 && (value >> i) & 1 == 1;
                    bit == want
                })
            }
            Condition::Parity { clbits, value } => {
                let ones = clbits
                    .iter()
                    .filter(|c| self.clbits.get(c.index()).copied().unwrap_or(false))
                    .count();
                (ones % 2 == 1) == *value
            }
            Condition::Bit { clbit, value } => {
                self.clbits.get(clbit.index()).copied().unwrap_or(false) == *value
            }
        }
    }

    /// Runs the next instruction; `None` when the circuit is finished.
    pub fn step(&mut self) -> Option<Step> {
        let index = self.next;
        let inst = self.circuit.instructions.get(index)?;
        self.next += 1;
        if let Some(cond) = &inst.condition
            && !self.condition_holds(cond)
        {
            return Some(Step {
                index,
                executed: false,
                outcome: None,
            });
        }
        let mut outcome = None;
        match &inst.op {
            Operation::Gate(g) => self.state.apply_gate(g.gate, &g.params, &g.qubits),
            Operation::Measure { qubit, clbit } => {
                let one = uniform(&mut self.rng) < self.state.probability_one(*qubit);
                self.state.collapse(*qubit, one);
                if let Some(b) = self.clbits.get_mut(clbit.index()) {
                    *b = one;
                }
                outcome = Some(one);
            }
            Operation::Reset { qubit } => {
                let one = uniform(&mut self.rng) < self.state.probability_one(*qubit);
                self.state.collapse(*qubit, one);
                if one {
                    self.state.flip(*qubit);
                }
            }
            Operation::Barrier { .. } => {}
        }
        Some(Step {
            index,
            executed: true,
            outcome,
        })
    }

    /// Runs all remaining instructions.
    pub fn run_to_end(&mut self) {
        while self.step().is_some() {}
    }

    /// The clbits as Qiskit writes a counts key: registers from last to first separated by spaces,
    /// each with its highest bit first.
    pub fn clbit_key(&self) -> String {
        let mut parts = Vec::new();
        let mut offset = 0usize;
        for reg in &self.circuit.cregs {
            let size = reg.size as usize;
            let s: String = (0..size)
                .rev()
                .map(|i| {
                    if self.clbits.get(offset + i).copied().unwrap_or(false) {
                        '1'
                    } else {
                        '0'
                    }
                })
                .collect();
            parts.push(s);
            offset += size;
        }
        parts.reverse();
        parts.join(" ")
    }
}

/// Whether every measurement can be sampled from the final state: no conditions, no resets, and no
/// gate on a qubit after it was measured. Then one simulation serves every shot.
pub fn terminal_measurements(circuit: &Circuit) -> bool {
    let mut measured = vec![false; circuit.num_qubits()];
    for inst in &circuit.instructions {
        if inst.condition.is_some() {
            return false;
        }
        match &inst.op {
            Operation::Measure { qubit, .. } => {
                if let Some(m) = measured.get_mut(qubit.index()) {
                    *m = true;
                }
            }
            Operation::Reset { .. } => return false,
            Operation::Gate(g) => {
                if g.qubits
                    .iter()
                    .any(|q| measured.get(q.index()).copied().unwrap_or(false))
                {
                    return false;
                }
            }
            Operation::Barrier { .. } => {}
        }
    }
    true
}

/// Runs `shots` shots and counts the outcomes by [`Simulator::clbit_key`]. Deterministic for a seed.
/// Circuits whose measurements are all at the end are simulated once and sampled; others run shot by shot.
pub fn run_shots(
    circuit: &Circuit,
    shots: u64,
    seed: u64,
    options: &SimOptions,
) -> Result<BTreeMap<String, u64>, CircuitError> {
    let mut sim = Simulator::new(circuit, seed, options)?;
    let mut counts = BTreeMap::new();
    if terminal_measurements(circuit) {
        let mut mapping = Vec::new();
        while let Some(inst) = circuit.instructions.get(sim.next) {
            match &inst.op {
                Operation::Measure { qubit, clbit } => {
                    mapping.push((*qubit, *clbit));
                    sim.next += 1;
                }
                _ => {
                    sim.step();
                }
            }
        }
        let mut cumulative = Vec::with_capacity(sim.state.amplitudes().len());
        let mut total = 0.0;
        for p in sim.state.probabilities() {
            total += p;
            cumulative.push(total);
        }
        for _ in 0..shots {
            let r = uniform(&mut sim.rng) * total;
            let index = cumulative
                .partition_point(|c| *c <= r)
                .min(cumulative.len().saturating_sub(1));
            sim.clbits.iter_mut().for_each(|b| *b = false);
            for (q, c) in &mapping {
                if let Some(b) = sim.clbits.get_mut(c.index()) {
                    *b = index >> q.index() & 1 == 1;
                }
            }
            *counts.entry(sim.clbit_key()).or_insert(0) += 1;
        }
    } else {
        for _ in 0..shots {
            sim.restart();
            sim.run_to_end();
            *counts.entry(sim.clbit_key()).or_insert(0) += 1;
        }
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    #[test]
    fn cap_is_enforced() {
        let c = parse("OPENQASM 3; qubit[5] q;").unwrap();
        let e = Simulator::new(&c, 1, &SimOptions { max_qubits: 4 }).unwrap_err();
        assert_eq!(e, CircuitError::TooManyQubits { qubits: 5, cap: 4 });
    }

    #[test]
    fn same_seed_same_counts() {
        let c = parse(
            "OPENQASM 2.0; include \"qelib1.inc\"; qreg q[3]; creg c[3]; h q; measure q -> c;",
        )
        .unwrap();
        let a = run_shots(&c, 500, 42, &SimOptions::default()).unwrap();
        let b = run_shots(&c, 500, 42, &SimOptions::default()).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), 8);
        assert_ne!(a, run_shots(&c, 500, 43, &SimOptions::default()).unwrap());
    }

    #[test]
    fn stepping_exposes_state_and_skips_false_conditions() {
        let c = parse(
            "OPENQASM 2.0; include \"qelib1.inc\"; qreg q[2]; creg c[1]; x q[0]; measure q[0] -> c[0]; \
             if (c == 0) x q[1]; reset q[0];",
        )
        .unwrap();
        let mut sim = Simulator::new(&c, 0, &SimOptions::default()).unwrap();
        assert_eq!(
            sim.step(),
            Some(Step {
                index: 0,
                executed: true,
                outcome: None
            })
        );
        assert!((sim.state().probabilities()[1] - 1.0).abs() < 1e-12);
        assert_eq!(sim.step().and_then(|s| s.outcome), Some(true));
        assert_eq!(
            sim.step(),
            Some(Step {
                index: 2,
                executed: false,
                outcome: None
            })
        );
        sim.step();
        assert!((sim.state().probabilities()[0] - 1.0).abs() < 1e-12);
        assert_eq!(sim.step(), None);
        assert_eq!(sim.clbit_key(), "1");
    }

    #[test]
    fn keys_follow_qiskit_register_order() {
        let c = parse("OPENQASM 2.0; include \"qelib1.inc\"; qreg q[3]; creg a[1]; creg b[2]; x q[0]; x q[2]; measure q[0] -> a[0]; measure q[1] -> b[0]; measure q[2] -> b[1];").unwrap();
        let counts = run_shots(&c, 10, 1, &SimOptions::default()).unwrap();
        assert_eq!(counts.get("10 1"), Some(&10));
    }
}
