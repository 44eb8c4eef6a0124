//! The optimizer's working form: a list of CX gates, fused single-qubit unitaries (2×2 matrices) and
//! fixed instructions (measure, reset, barrier, conditioned gates) that nothing moves across.

use crate::ir::{Circuit, GateOp, Instruction, Operation, StandardGate};
use crate::units::Qubit;

use super::basis::OneQubitForm;
use super::euler;
use super::mat::Mat2;
use super::translate::{self, ControlTerms};

/// One step of the working form.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Node {
    /// A single-qubit unitary on qubit `q`.
    One { q: u32, m: Mat2 },
    /// A CX from control `c` to target `t`.
    Cx { c: u32, t: u32 },
    /// An instruction already in the basis that passes leave where it is.
    Fixed(Instruction),
}

impl Node {
    /// Whether the node acts on qubit `q`.
    pub(crate) fn touches(&self, q: u32) -> bool {
        match self {
            Node::One { q: p, .. } => *p == q,
            Node::Cx { c, t } => *c == q || *t == q,
            Node::Fixed(inst) => inst.op.qubits().iter().any(|x| x.0 == q),
        }
    }

    /// Calls `f` with each qubit the node acts on (the passes' inner loop: no iterator adapters).
    pub(crate) fn each_qubit(&self, mut f: impl FnMut(u32)) {
        match self {
            Node::One { q, .. } => f(*q),
            Node::Cx { c, t } => {
                f(*c);
                f(*t);
            }
            Node::Fixed(inst) => inst.op.qubits().iter().for_each(|q| f(q.0)),
        }
    }

    /// The qubits the node acts on (without allocating: passes ask for every node's, every round).
    pub(crate) fn qubits(&self) -> impl Iterator<Item = u32> + '_ {
        let (gate, fixed): ([Option<u32>; 2], &[Qubit]) = match self {
            Node::One { q, .. } => ([Some(*q), None], &[]),
            Node::Cx { c, t } => ([Some(*c), Some(*t)], &[]),
            Node::Fixed(inst) => ([None, None], inst.op.qubits()),
        };
        gate.into_iter().flatten().chain(fixed.iter().map(|q| q.0))
    }
}

/// For each instruction, the index of the next one that shares a qubit with it.
fn next_on_same_qubits(circuit: &Circuit) -> Vec<Option<usize>> {
    let mut seen: Vec<Option<usize>> = vec![None; circuit.num_qubits()];
    let mut next = vec![None; circuit.instructions.len()];
    for (i, inst) in circuit.instructions.iter().enumerate().rev() {
        for q in inst.op.qubits() {
            if let Some(s) = seen.get_mut(q.0 as usize) {
                if let Some(j) = *s
                    && let Some(n) = next.get_mut(i)
                {
                    *n = Some(n.map_or(j, |k: usize| k.min(j)));
                }
                *s = Some(i);
            }
        }
    }
    next
}

/// Whether `inst` is a gate on two or more qubits, all of them controls in `qubits` (the last of
/// which is the target).
fn acts_on_controls_only(inst: Option<&Instruction>, qubits: &[Qubit]) -> bool {
    let controls = qubits.split_last().map_or(&[][..], |(_, c)| c);
    matches!(inst, Some(Instruction { op: Operation::Gate(g), .. })
        if g.qubits.len() >= 2 && g.qubits.iter().all(|q| controls.contains(q)))
}

/// A circuit in working form, with its global phase.
#[derive(Clone, Debug, Default)]
pub(crate) struct Program {
    pub(crate) nodes: Vec<Node>,
    pub(crate) phase: f64,
    pub(crate) num_qubits: usize,
}

fn gate_instruction(gate: StandardGate, params: Vec<f64>, qubits: &[u32]) -> Instruction {
    Instruction {
        op: Operation::Gate(GateOp {
            gate,
            params,
            qubits: qubits.iter().map(|&q| Qubit(q)).collect(),
        }),
        condition: None,
    }
}

/// The basis instructions for one node (a conditioned node keeps its condition on each).
fn lower_node(node: &Node, form: OneQubitForm, out: &mut Vec<Instruction>) -> f64 {
    match node {
        Node::One { q, m } => {
            let s = euler::synthesize(m, form);
            for (g, p) in s.gates {
                out.push(gate_instruction(g, p, &[*q]));
            }
            s.phase
        }
        Node::Cx { c, t } => {
            out.push(gate_instruction(StandardGate::Cx, vec![], &[*c, *t]));
            0.0
        }
        Node::Fixed(inst) => {
            out.push(inst.clone());
            0.0
        }
    }
}

impl Program {
    /// Translates every gate of `circuit` into CX and single-qubit unitaries. Conditioned gates are
    /// translated into the basis right away (each piece under the same condition) and fixed.
    pub(crate) fn translate(circuit: &Circuit, form: OneQubitForm) -> Self {
        let mut p = Program {
            nodes: Vec::with_capacity(circuit.instructions.len() * 2),
            phase: circuit.global_phase,
            num_qubits: circuit.num_qubits(),
        };
        let mut scratch = Vec::new();
        let next = next_on_same_qubits(circuit);
        for (i, inst) in circuit.instructions.iter().enumerate() {
            match (&inst.op, &inst.condition) {
                (Operation::Gate(g), None) => {
                    let qubits: Vec<u32> = g.qubits.iter().map(|q| q.0).collect();
                    // A multi-controlled gate followed by a gate on its controls ends with the terms
                    // on its controls.
                    let order = match next.get(i).copied().flatten() {
                        Some(j)
                            if acts_on_controls_only(circuit.instructions.get(j), &g.qubits) =>
                        {
                            ControlTerms::Last
                        }
                        _ => ControlTerms::First,
                    };
                    p.phase +=
                        translate::translate(g.gate, &g.params, &qubits, order, &mut p.nodes);
                }
                (Operation::Gate(g), Some(cond)) => {
                    scratch.clear();
                    let qubits: Vec<u32> = g.qubits.iter().map(|q| q.0).collect();
                    // A phase under a condition is a phase of that branch only: unobservable.
                    let _ = translate::translate(
                        g.gate,
                        &g.params,
                        &qubits,
                        ControlTerms::First,
                        &mut scratch,
                    );
                    let mut lowered = Vec::new();
                    for node in &scratch {
                        let _ = lower_node(node, form, &mut lowered);
                    }
                    for mut piece in lowered {
                        piece.condition = Some(cond.clone());
                        p.nodes.push(Node::Fixed(piece));
                    }
                }
                _ => p.nodes.push(Node::Fixed(inst.clone())),
            }
        }
        p
    }

    /// Number of gates [`Program::lower`] writes (without writing them).
    pub(crate) fn gate_count(&self, form: OneQubitForm) -> usize {
        self.nodes
            .iter()
            .map(|node| match node {
                Node::One { m, .. } => euler::gate_count(m, form),
                Node::Cx { .. } => 1,
                Node::Fixed(inst) => usize::from(matches!(inst.op, Operation::Gate(_))),
            })
            .sum()
    }

    /// Writes the program out in the basis, with `template`'s registers.
    pub(crate) fn lower(&self, template: &Circuit, form: OneQubitForm) -> Circuit {
        let mut instructions = Vec::with_capacity(self.nodes.len() * 2);
        let mut phase = self.phase;
        for node in &self.nodes {
            phase += lower_node(node, form, &mut instructions);
        }
        Circuit {
            qregs: template.qregs.clone(),
            cregs: template.cregs.clone(),
            instructions,
            global_phase: euler::wrap(phase),
        }
    }
}
