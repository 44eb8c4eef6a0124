//! SWAP elision: a SWAP gate between qubits that end in measurements needs no gates at all.
//!
//! Leaving a SWAP out and exchanging its two qubits in every later instruction gives a circuit whose
//! unitary is the original's followed by that exchange of wires. When every wire the exchanges move
//! ends in a measurement, each measurement still reads the same state into the same clbit, so the
//! outcomes — and everything conditioned on them — are exactly those of the original; only the
//! collapsed qubits after the last measurements sit on other wires, which nothing can observe.
//! Qiskit's `ElidePermutations` does this at its optimization levels 2 and 3 (without the
//! measurement condition: it reports the permutation as the output layout instead).

use crate::ir::{Circuit, Operation, StandardGate};
use crate::units::Qubit;

/// `circuit` without its unconditioned SWAP gates, or `None` if it has none, or if the wires they
/// exchange do not all end in measurements.
pub(crate) fn elide_swaps(circuit: &Circuit) -> Option<Circuit> {
    let n = circuit.num_qubits();
    // `wire[q]`: the wire of the new circuit that plays the original's wire `q` from here on.
    let mut wire: Vec<u32> = (0..n as u32).collect();
    let mut instructions = Vec::with_capacity(circuit.instructions.len());
    for inst in &circuit.instructions {
        if inst.condition.is_none()
            && let Operation::Gate(g) = &inst.op
            && g.gate == StandardGate::Swap
            && let [a, b] = g.qubits[..]
        {
            wire.swap(a.0 as usize, b.0 as usize);
            continue;
        }
        let mut inst = inst.clone();
        let relabel = |q: &mut Qubit| {
            if let Some(&w) = wire.get(q.0 as usize) {
                q.0 = w;
            }
        };
        match &mut inst.op {
            Operation::Gate(g) => g.qubits.iter_mut().for_each(relabel),
            Operation::Measure { qubit, .. } | Operation::Reset { qubit } => relabel(qubit),
            Operation::Barrier { qubits } => qubits.iter_mut().for_each(relabel),
        }
        instructions.push(inst);
    }
    if instructions.len() == circuit.instructions.len() {
        return None;
    }
    // Every moved wire must end (barriers aside) in an unconditioned measurement.
    let ends_measured = |w: u32| {
        instructions
            .iter()
            .rev()
            .filter(|i| !matches!(i.op, Operation::Barrier { .. }))
            .find(|i| i.op.qubits().iter().any(|q| q.0 == w))
            .is_some_and(|i| i.condition.is_none() && matches!(i.op, Operation::Measure { .. }))
    };
    let moved = wire.iter().enumerate().filter(|(q, w)| *q as u32 != **w);
    if !moved.map(|(_, &w)| w).all(ends_measured) {
        return None;
    }
    Some(Circuit {
        qregs: circuit.qregs.clone(),
        cregs: circuit.cregs.clone(),
        instructions,
        global_phase: circuit.global_phase,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    fn elided(src: &str) -> Option<String> {
        let c = parse(src).unwrap();
        elide_swaps(&c).map(|e| crate::emit::to_qasm2(&e).unwrap())
    }

    #[test]
    fn swaps_before_final_measurements_become_relabelled_measurements() {
        let head = "OPENQASM 2.0; include \"qelib1.inc\"; qreg q[3]; creg c[3];";
        let out = elided(&format!(
            "{head} h q[0]; swap q[0], q[2]; cx q[2], q[1]; barrier q; measure q -> c;"
        ))
        .unwrap();
        assert!(out.contains("cx q[0], q[1];"), "{out}");
        assert!(out.contains("measure q[2] -> c[0];"), "{out}");
        assert!(out.contains("measure q[0] -> c[2];"), "{out}");
        assert!(!out.contains("swap"), "{out}");
        // Not when a moved qubit is not measured last, when a SWAP is conditioned, or without one.
        for body in [
            "swap q[0], q[2]; measure q[0] -> c[0];",
            "swap q[0], q[2]; measure q -> c; x q[2];",
            "swap q[0], q[2]; measure q -> c; reset q[0];",
            "if (c == 1) swap q[0], q[2]; measure q -> c;",
            "h q[0]; measure q -> c;",
        ] {
            assert_eq!(elided(&format!("{head} {body}")), None, "{body}");
        }
        // Two SWAPs that undo each other need no measurement.
        let out = elided(&format!("{head} swap q[0], q[1]; swap q[1], q[0]; h q[2];")).unwrap();
        assert!(out.contains("h q[2];") && !out.contains("swap"), "{out}");
    }
}
