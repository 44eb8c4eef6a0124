//! Backend profiles and the labels they give a circuit: execution time from an ASAP schedule of the
//! circuit translated to the backend's gates, and success probability from the product of its gate
//! and readout fidelities.
//!
//! The numbers are published calibration data (see `docs/backends.md` in this crate for sources):
//! medians over the device of IBM's calibration snapshots shipped with `qiskit-ibm-runtime` 0.51.0
//! (`fake_provider`, ibm_brisbane and ibm_torino, 2025-02-26), and IonQ Harmony's system timing and
//! fidelity table as published by IonQ on Azure Quantum's provider page.
//!
//! Neither schedule routes: a heavy-hex device would add SWAPs for distant pairs, which this label
//! leaves out (so it is the time of the circuit on an all-to-all device with the backend's gates).

use serde::{Deserialize, Serialize};
use synq_circuits::opt::{Basis, OptimizeOptions, optimize};
use synq_circuits::{Circuit, Operation, StandardGate as G};

/// How a CX is realised on the backend: its native two-qubit gate plus physical one-qubit gates
/// before and after it on each of its qubits (virtual Z rotations cost nothing and are not counted).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CxRealisation {
    /// The native entangler (for documentation: `ecr`, `cz`, `ms`).
    pub native: &'static str,
    pub before_control: u32,
    pub before_target: u32,
    pub after_control: u32,
    pub after_target: u32,
}

/// A device's gate set, durations and error rates.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BackendProfile {
    /// A short id, used in target names (`execution_time:ibm_brisbane`).
    pub name: &'static str,
    /// Where the numbers come from.
    pub source: &'static str,
    /// The one-qubit basis the circuit is translated into, with `cx` (gate names).
    pub one_qubit_basis: [&'static str; 3],
    /// Gates of the basis that are virtual (frame changes: no time, no error).
    pub virtual_gate: &'static str,
    pub one_qubit_ns: f64,
    pub one_qubit_error: f64,
    pub two_qubit_ns: f64,
    pub two_qubit_error: f64,
    pub readout_ns: f64,
    pub readout_error: f64,
    pub reset_ns: f64,
    pub cx: CxRealisation,
    /// Whether the device runs one operation at a time (IonQ: "gates are executed strictly in
    /// sequence"); otherwise operations on disjoint qubits overlap.
    pub serial: bool,
}

/// IBM Eagle r3 (heavy-hex, fixed-frequency transmons, ECR entangler): ibm_brisbane medians.
pub const IBM_BRISBANE: BackendProfile = BackendProfile {
    name: "ibm_brisbane",
    source: "qiskit-ibm-runtime 0.51.0 fake_provider props_brisbane.json (2025-02-26), device medians",
    one_qubit_basis: ["rz", "sx", "x"],
    virtual_gate: "rz",
    one_qubit_ns: 60.0,
    one_qubit_error: 2.426e-4,
    two_qubit_ns: 660.0,
    two_qubit_error: 7.676e-3,
    readout_ns: 1300.0,
    readout_error: 2.002e-2,
    reset_ns: 1860.0,
    cx: CxRealisation {
        native: "ecr",
        before_control: 0,
        before_target: 1,
        after_control: 1,
        after_target: 0,
    },
    serial: false,
};

/// IBM Heron r1 (heavy-hex, tunable couplers, CZ entangler): ibm_torino medians.
pub const IBM_TORINO: BackendProfile = BackendProfile {
    name: "ibm_torino",
    source: "qiskit-ibm-runtime 0.51.0 fake_provider props_torino.json (2025-02-26), device medians",
    one_qubit_basis: ["rz", "sx", "x"],
    virtual_gate: "rz",
    one_qubit_ns: 32.0,
    one_qubit_error: 2.711e-4,
    two_qubit_ns: 68.0,
    two_qubit_error: 4.080e-3,
    readout_ns: 1560.0,
    readout_error: 2.295e-2,
    reset_ns: 1708.0,
    cx: CxRealisation {
        native: "cz",
        before_control: 0,
        before_target: 1,
        after_control: 0,
        after_target: 1,
    },
    serial: false,
};

/// IonQ Harmony (trapped ytterbium ions, all-to-all, Mølmer–Sørensen entangler).
pub const IONQ_HARMONY: BackendProfile = BackendProfile {
    name: "ionq_harmony",
    source: "IonQ provider page, Azure Quantum docs: system timing (1q 10 µs, 2q 210 µs, readout 100 µs, reset 25 µs) and fidelity (1q 99.35 %, 2q 96.02 %, SPAM 99.3–99.8 %, midpoint taken)",
    one_qubit_basis: ["rz", "rx", "rz"],
    virtual_gate: "rz",
    one_qubit_ns: 10_000.0,
    one_qubit_error: 6.5e-3,
    two_qubit_ns: 210_000.0,
    two_qubit_error: 3.98e-2,
    readout_ns: 100_000.0,
    readout_error: 4.5e-3,
    reset_ns: 25_000.0,
    // CX = ry(π/2)_c · MS · rx(−π/2)_t · rx(−π/2)_c · ry(−π/2)_c.
    cx: CxRealisation {
        native: "ms",
        before_control: 1,
        before_target: 0,
        after_control: 2,
        after_target: 1,
    },
    serial: true,
};

/// The profiles every dataset is labelled for, in target-column order.
pub const PROFILES: [BackendProfile; 3] = [IBM_BRISBANE, IBM_TORINO, IONQ_HARMONY];

/// What a backend makes of a circuit.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BackendLabel {
    /// Wall time of one shot, in nanoseconds.
    pub execution_ns: f64,
    /// Probability that no gate or readout error occurs.
    pub success_probability: f64,
    /// Physical one-qubit gates, native two-qubit gates and readouts after translation.
    pub one_qubit_gates: usize,
    pub two_qubit_gates: usize,
    pub readouts: usize,
}

impl BackendProfile {
    /// The gate set the circuit is translated into.
    pub fn basis(&self) -> Basis {
        let mut names = vec!["cx"];
        names.extend(self.one_qubit_basis);
        // The presets are valid bases, so this cannot fail; fall back to IBM's to stay total.
        Basis::from_names(&names).unwrap_or_else(|_| Basis::ibm())
    }

    /// Translates `circuit` into the backend's gates as a transpiler would (level 1: translation,
    /// one-qubit runs fused, adjacent CX pairs cancelled).
    pub fn translate(&self, circuit: &Circuit) -> Result<Circuit, synq_circuits::OptError> {
        optimize(
            circuit,
            &OptimizeOptions {
                level: 1,
                basis: self.basis(),
            },
        )
    }

    fn is_virtual(&self, gate: G) -> bool {
        gate.name() == self.virtual_gate
    }

    /// The labels of `circuit` on this backend. A circuit that measures nothing is read out at the end.
    pub fn label(&self, circuit: &Circuit) -> Result<BackendLabel, synq_circuits::OptError> {
        let translated = self.translate(circuit)?;
        Ok(self.schedule(&translated))
    }

    /// ASAP schedule and error budget of a circuit already in this backend's basis.
    pub fn schedule(&self, circuit: &Circuit) -> BackendLabel {
        let nq = circuit.num_qubits();
        let mut ready = vec![0.0f64; nq + circuit.num_clbits()];
        let mut serial_ns = 0.0;
        let (mut one, mut two, mut readouts) = (0usize, 0usize, 0usize);
        // Serial devices read all ions at once: consecutive measurements are one readout.
        let mut in_readout = false;
        let d1 = self.one_qubit_ns;
        for inst in &circuit.instructions {
            let wires = circuit.wires(inst);
            let start = wires.iter().map(|&w| at(&ready, w)).fold(0.0f64, f64::max);
            let measuring = matches!(inst.op, Operation::Measure { .. });
            match &inst.op {
                Operation::Gate(g) if g.gate == G::Cx => {
                    let (c, t) = (wires[0], wires[1]);
                    let cr = &self.cx;
                    one +=
                        (cr.before_control + cr.before_target + cr.after_control + cr.after_target)
                            as usize;
                    two += 1;
                    let c_ready = at(&ready, c) + cr.before_control as f64 * d1;
                    let t_ready = at(&ready, t) + cr.before_target as f64 * d1;
                    let end = c_ready.max(t_ready) + self.two_qubit_ns;
                    set(&mut ready, c, end + cr.after_control as f64 * d1);
                    set(&mut ready, t, end + cr.after_target as f64 * d1);
                    serial_ns += self.two_qubit_ns
                        + (cr.before_control
                            + cr.before_target
                            + cr.after_control
                            + cr.after_target) as f64
                            * d1;
                }
                Operation::Gate(g) => {
                    let d = if self.is_virtual(g.gate) || g.gate == G::Id {
                        0.0
                    } else {
                        one += 1;
                        d1
                    };
                    wires.iter().for_each(|&w| set(&mut ready, w, start + d));
                    serial_ns += d;
                }
                Operation::Measure { .. } => {
                    readouts += 1;
                    wires
                        .iter()
                        .for_each(|&w| set(&mut ready, w, start + self.readout_ns));
                    if !in_readout {
                        serial_ns += self.readout_ns;
                    }
                }
                Operation::Reset { .. } => {
                    wires
                        .iter()
                        .for_each(|&w| set(&mut ready, w, start + self.reset_ns));
                    serial_ns += self.reset_ns;
                }
                Operation::Barrier { .. } => wires.iter().for_each(|&w| set(&mut ready, w, start)),
            }
            in_readout = measuring;
        }
        let mut parallel_ns = ready.iter().copied().fold(0.0f64, f64::max);
        if readouts == 0 {
            readouts = nq;
            parallel_ns += self.readout_ns;
            serial_ns += self.readout_ns;
        }
        let success_probability = (1.0 - self.one_qubit_error).powi(one as i32)
            * (1.0 - self.two_qubit_error).powi(two as i32)
            * (1.0 - self.readout_error).powi(readouts as i32);
        BackendLabel {
            execution_ns: if self.serial { serial_ns } else { parallel_ns },
            success_probability,
            one_qubit_gates: one,
            two_qubit_gates: two,
            readouts,
        }
    }
}

fn at(ready: &[f64], wire: usize) -> f64 {
    ready.get(wire).copied().unwrap_or(0.0)
}

fn set(ready: &mut [f64], wire: usize, time: f64) {
    if let Some(r) = ready.get_mut(wire) {
        *r = time;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Circuit {
        synq_circuits::parse(src).unwrap()
    }

    #[test]
    fn bell_pair_schedule_by_hand() {
        // h → rz·sx·rz (one sx), then cx, then two parallel readouts.
        let c = parse(
            "OPENQASM 2.0; include \"qelib1.inc\"; qreg q[2]; creg c[2]; h q[0]; cx q[0], q[1]; measure q -> c;",
        );
        let l = IBM_BRISBANE.label(&c).unwrap();
        // q0: sx (60) ; q1: sx before ECR (60) in parallel; ECR 660; x on control after (60); readout 1300.
        assert_eq!(l.execution_ns, 60.0 + 660.0 + 60.0 + 1300.0);
        assert_eq!(
            (l.one_qubit_gates, l.two_qubit_gates, l.readouts),
            (3, 1, 2)
        );
        let want = (1.0 - 2.426e-4f64).powi(3) * (1.0 - 7.676e-3) * (1.0 - 2.002e-2f64).powi(2);
        assert!((l.success_probability - want).abs() < 1e-12);
        // The ion trap runs everything in sequence and reads out once.
        let ion = IONQ_HARMONY.label(&c).unwrap();
        assert_eq!(
            ion.execution_ns,
            10_000.0 + 4.0 * 10_000.0 + 210_000.0 + 100_000.0
        );
    }

    #[test]
    fn parallel_gates_overlap_only_where_the_device_allows() {
        let c =
            parse("OPENQASM 2.0; include \"qelib1.inc\"; qreg q[4]; cx q[0], q[1]; cx q[2], q[3];");
        let ibm = IBM_TORINO.label(&c).unwrap();
        assert_eq!(ibm.execution_ns, 32.0 + 68.0 + 32.0 + 1560.0);
        let ion = IONQ_HARMONY.label(&c).unwrap();
        assert_eq!(ion.execution_ns, 2.0 * 250_000.0 + 100_000.0);
        assert_eq!(ion.readouts, 4);
    }

    #[test]
    fn virtual_rotations_are_free() {
        let c = parse(
            "OPENQASM 2.0; include \"qelib1.inc\"; qreg q[1]; creg c[1]; rz(0.3) q[0]; t q[0]; measure q -> c;",
        );
        for p in PROFILES {
            let l = p.label(&c).unwrap();
            assert_eq!(l.execution_ns, p.readout_ns, "{}", p.name);
            assert_eq!(l.one_qubit_gates, 0);
        }
    }

    #[test]
    fn conditions_wait_for_their_measurement() {
        let c = parse(
            "OPENQASM 2.0; include \"qelib1.inc\"; qreg q[2]; creg c[1]; measure q[0] -> c[0]; if (c == 1) x q[1];",
        );
        let l = IBM_BRISBANE.label(&c).unwrap();
        assert_eq!(l.execution_ns, 1300.0 + 60.0);
    }
}
