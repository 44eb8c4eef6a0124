//! Resource counts of a circuit: sizes, gate counts by name, CX and T counts, depth.

use std::collections::BTreeMap;

use crate::ir::{Circuit, Operation, StandardGate};

/// What a circuit uses. Gate counts cover unitary gates only; `ops_by_name` also lists
/// `measure`, `reset` and `barrier` (as Qiskit's `count_ops` does).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResourceCounts {
    /// Qubits declared.
    pub qubits: usize,
    /// Classical bits declared.
    pub clbits: usize,
    /// Every operation by name, including `measure`, `reset` and `barrier`.
    pub ops_by_name: BTreeMap<String, usize>,
    /// Unitary gates in total.
    pub gates: usize,
    /// Gates on one qubit.
    pub one_qubit_gates: usize,
    /// Gates on two qubits.
    pub two_qubit_gates: usize,
    /// Gates on three or more qubits.
    pub multi_qubit_gates: usize,
    /// `cx` gates.
    pub cx: usize,
    /// `t` plus `tdg` gates.
    pub t_count: usize,
    /// Measurements.
    pub measurements: usize,
    /// Depth as Qiskit defines it: the longest path through qubits and clbits (a condition reads its
    /// clbits); barriers add no layer but line their qubits up.
    pub depth: usize,
}

impl ResourceCounts {
    /// Counts `circuit`.
    pub fn of(circuit: &Circuit) -> Self {
        let mut c = ResourceCounts {
            qubits: circuit.num_qubits(),
            clbits: circuit.num_clbits(),
            ..Self::default()
        };
        let nq = c.qubits;
        let mut level = vec![0usize; nq + c.clbits];
        for inst in &circuit.instructions {
            *c.ops_by_name.entry(inst.op.name().to_string()).or_default() += 1;
            let wires = circuit.wires(inst);
            match &inst.op {
                Operation::Gate(g) => {
                    c.gates += 1;
                    match g.qubits.len() {
                        1 => c.one_qubit_gates += 1,
                        2 => c.two_qubit_gates += 1,
                        _ => c.multi_qubit_gates += 1,
                    }
                    match g.gate {
                        StandardGate::Cx => c.cx += 1,
                        StandardGate::T | StandardGate::Tdg => c.t_count += 1,
                        _ => {}
                    }
                }
                Operation::Measure { .. } => c.measurements += 1,
                Operation::Reset { .. } => {}
                Operation::Barrier { .. } => {
                    // Not counted, but it lines up its qubits (as in Qiskit's `depth`).
                    let top = wires
                        .iter()
                        .filter_map(|w| level.get(*w))
                        .max()
                        .copied()
                        .unwrap_or(0);
                    for w in wires {
                        if let Some(l) = level.get_mut(w) {
                            *l = top;
                        }
                    }
                    continue;
                }
            }
            let next = wires
                .iter()
                .filter_map(|w| level.get(*w))
                .max()
                .copied()
                .unwrap_or(0)
                + 1;
            for w in wires {
                if let Some(l) = level.get_mut(w) {
                    *l = next;
                }
            }
        }
        c.depth = level.into_iter().max().unwrap_or(0);
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    #[test]
    fn counts_and_depth() {
        let c = parse(
            "OPENQASM 2.0; include \"qelib1.inc\"; qreg q[3]; creg c[3];\n\
             h q[0]; t q[1]; tdg q[2]; cx q[0], q[1]; barrier q; ccx q[0], q[1], q[2];\n\
             measure q[0] -> c[0]; if (c == 1) x q[2];",
        )
        .unwrap();
        let r = ResourceCounts::of(&c);
        assert_eq!((r.qubits, r.clbits), (3, 3));
        assert_eq!(r.gates, 6);
        assert_eq!(
            (r.one_qubit_gates, r.two_qubit_gates, r.multi_qubit_gates),
            (4, 1, 1)
        );
        assert_eq!((r.cx, r.t_count, r.measurements), (1, 2, 1));
        assert_eq!(r.ops_by_name.get("barrier"), Some(&1));
        // h/t → cx → ccx → measure → conditioned x (reads c[0..3]).
        assert_eq!(r.depth, 5);
    }

    #[test]
    fn barriers_line_qubits_up_without_a_layer() {
        let c = parse(
            "OPENQASM 2.0; include \"qelib1.inc\"; qreg q[2]; h q[0]; h q[0]; barrier q; h q[1];",
        )
        .unwrap();
        assert_eq!(ResourceCounts::of(&c).depth, 3);
    }

    #[test]
    fn empty_circuit() {
        let r = ResourceCounts::of(&Circuit::new());
        assert_eq!(r.depth, 0);
        assert_eq!(r.gates, 0);
    }
}
