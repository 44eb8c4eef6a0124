//! Two-qubit block resynthesis: maximal runs of gates on one qubit pair (with the single-qubit gates
//! on either side of them) become one 4×4 unitary, rewritten with the fewest CX gates its KAK
//! coordinates allow ([`super::two_qubit`]). A block is replaced only when the new circuit has fewer
//! CX gates, or as many and fewer gates in the basis.
//!
//! A block is collected greedily in program order: a CX on two qubits starts one (taking the
//! single-qubit gates waiting on either qubit), later gates on only those qubits join it, and any
//! other gate on one of them ends it. So nothing else touches the pair between a block's first and
//! last node, and its replacement can stand at the position of its last node.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};

use super::basis::OneQubitForm;
use super::program::Node;
use super::two_qubit;

#[derive(Debug)]
struct Block {
    qubits: [u32; 2],
    /// Indices into the node list, in order.
    members: Vec<usize>,
    cx: usize,
}

/// Blocks a pass kept as they were, by a hash of their qubits, CX count and the exact bits of their
/// unitary (a block no pass has touched multiplies out to the same bits): the later passes of one
/// optimization skip them instead of decomposing them again. A collision could only skip a block
/// that might have improved, never change a circuit.
#[derive(Debug, Default)]
pub(crate) struct Kept(HashSet<u64>);

/// Collects the blocks of `nodes` with at least `min_cx` CX gates.
fn collect(nodes: &[Node], num_qubits: usize, min_cx: usize) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    // The block each qubit is in, and the single-qubit nodes waiting on each qubit outside blocks.
    let mut open: Vec<Option<usize>> = vec![None; num_qubits];
    let mut waiting: Vec<Vec<usize>> = vec![Vec::new(); num_qubits];
    let slot = |q: u32| q as usize;
    let close = |open: &mut Vec<Option<usize>>, blocks: &[Block], q: u32| {
        if let Some(Some(b)) = open.get(slot(q)).copied()
            && let Some(block) = blocks.get(b)
        {
            for p in block.qubits {
                if let Some(o) = open.get_mut(slot(p)) {
                    *o = None;
                }
            }
        }
    };
    for (i, node) in nodes.iter().enumerate() {
        match node {
            Node::One { q, .. } => match open.get(slot(*q)).copied().flatten() {
                Some(b) => {
                    if let Some(block) = blocks.get_mut(b) {
                        block.members.push(i);
                    }
                }
                None => {
                    if let Some(w) = waiting.get_mut(slot(*q)) {
                        w.push(i);
                    }
                }
            },
            Node::Cx { c, t } => {
                let (oc, ot) = (
                    open.get(slot(*c)).copied().flatten(),
                    open.get(slot(*t)).copied().flatten(),
                );
                if let (Some(a), Some(b)) = (oc, ot)
                    && a == b
                {
                    if let Some(block) = blocks.get_mut(a) {
                        block.members.push(i);
                        block.cx += 1;
                    }
                    continue;
                }
                close(&mut open, &blocks, *c);
                close(&mut open, &blocks, *t);
                let mut members = Vec::new();
                for q in [*c, *t] {
                    if let Some(w) = waiting.get_mut(slot(q)) {
                        members.append(w);
                    }
                }
                members.sort_unstable();
                members.push(i);
                let b = blocks.len();
                blocks.push(Block {
                    qubits: [*c, *t],
                    members,
                    cx: 1,
                });
                for q in [*c, *t] {
                    if let Some(o) = open.get_mut(slot(q)) {
                        *o = Some(b);
                    }
                }
            }
            Node::Fixed(_) => {
                for q in node.qubits() {
                    close(&mut open, &blocks, q);
                    if let Some(w) = waiting.get_mut(slot(q)) {
                        w.clear();
                    }
                }
            }
        }
    }
    blocks.retain(|b| b.cx >= min_cx);
    blocks
}

/// Resynthesizes every block of two or more CX gates where that pays; returns the global phase the
/// replacements add and whether anything changed.
pub(crate) fn resynthesize(
    nodes: &mut Vec<Node>,
    num_qubits: usize,
    form: OneQubitForm,
    kept: &mut Kept,
) -> (f64, bool) {
    // A block with one CX cannot lose it (it is not local), and its single-qubit gates are fused.
    let blocks = collect(nodes, num_qubits, 2);
    let mut removed = vec![false; nodes.len()];
    let mut replacements: Vec<(usize, Vec<Node>)> = Vec::new();
    let mut phase = 0.0;
    for block in blocks {
        let members: Vec<&Node> = block.members.iter().filter_map(|&i| nodes.get(i)).collect();
        let u = two_qubit::unitary_of(members.iter().copied(), block.qubits);
        let mut hasher = DefaultHasher::new();
        (block.qubits, block.cx).hash(&mut hasher);
        u.iter()
            .for_each(|x| (x.re.to_bits(), x.im.to_bits()).hash(&mut hasher));
        let key = hasher.finish();
        if kept.0.contains(&key) {
            continue;
        }
        let old_cost = two_qubit::cost(members.iter().copied(), form);
        let better = two_qubit::synthesize(&u, block.qubits, form).filter(|new| {
            let new_cost = two_qubit::cost(&new.nodes, form);
            new.cx < block.cx || (new.cx == block.cx && new_cost < old_cost)
        });
        let Some(new) = better else {
            kept.0.insert(key);
            continue;
        };
        let Some(&last) = block.members.last() else {
            continue;
        };
        for &i in &block.members {
            if let Some(r) = removed.get_mut(i) {
                *r = true;
            }
        }
        phase += new.phase;
        replacements.push((last, new.nodes));
    }
    if replacements.is_empty() {
        return (0.0, false);
    }
    // Each replacement takes the place of its block's last node; the other members are dropped.
    replacements.sort_unstable_by_key(|(at, _)| *at);
    let mut out = Vec::with_capacity(nodes.len());
    let mut pending = replacements.into_iter().peekable();
    for (i, node) in std::mem::take(nodes).into_iter().enumerate() {
        if !removed.get(i).copied().unwrap_or(false) {
            out.push(node);
        }
        if let Some((_, new)) = pending.next_if(|(at, _)| *at == i) {
            out.extend(new);
        }
    }
    *nodes = out;
    (phase, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Instruction, Operation};
    use crate::opt::mat::{self, Mat2};
    use crate::opt::mat4;
    use crate::units::{Clbit, Qubit};

    fn one(q: u32, m: Mat2) -> Node {
        Node::One { q, m }
    }

    #[test]
    fn blocks_take_the_waiting_gates_and_end_at_other_gates_on_their_qubits() {
        let measure = Node::Fixed(Instruction {
            op: Operation::Measure {
                qubit: Qubit(2),
                clbit: Clbit(0),
            },
            condition: None,
        });
        let nodes = vec![
            one(0, mat::H),          // 0: waits on q0
            one(2, mat::H),          // 1: waits on q2
            Node::Cx { c: 0, t: 1 }, // 2: starts (0, 1) with 0
            one(1, mat::H),          // 3: joins
            Node::Cx { c: 1, t: 0 }, // 4: joins
            Node::Cx { c: 1, t: 2 }, // 5: ends (0, 1), starts (1, 2) with 1
            one(0, mat::H),          // 6: waits on q0
            measure,                 // 7: ends (1, 2)
            Node::Cx { c: 0, t: 1 }, // 8: starts (0, 1) with 6
        ];
        let members: Vec<Vec<usize>> = collect(&nodes, 3, 1)
            .into_iter()
            .map(|b| b.members)
            .collect();
        assert_eq!(members, [vec![0, 2, 3, 4], vec![1, 5], vec![6, 8]]);
        assert_eq!(collect(&nodes, 3, 2).len(), 1);
    }

    #[test]
    fn a_block_is_replaced_only_when_it_gets_cheaper() {
        let form = OneQubitForm::ZSX { with_x: true };
        // Two ZZ rotations, with the CX gates either way round: one ZZ rotation, 2 CX.
        let mut nodes = vec![
            Node::Cx { c: 0, t: 1 },
            one(1, mat::rz(0.3)),
            Node::Cx { c: 0, t: 1 },
            Node::Cx { c: 1, t: 0 },
            one(0, mat::rz(0.2)),
            Node::Cx { c: 1, t: 0 },
        ];
        let want = two_qubit::unitary_of(&nodes, [0, 1]);
        let mut kept = Kept::default();
        let (phase, changed) = resynthesize(&mut nodes, 2, form, &mut kept);
        assert!(changed);
        let cx = nodes
            .iter()
            .filter(|n| matches!(n, Node::Cx { .. }))
            .count();
        assert_eq!(cx, 2);
        let got = two_qubit::unitary_of(&nodes, [0, 1]);
        let p = num_complex::Complex64::from_polar(1.0, phase);
        assert!(
            want.iter()
                .zip(&got)
                .all(|(a, b)| (a - p * b).norm() < 1e-9)
        );
        // Now minimal: kept as it is, and remembered.
        assert_eq!(resynthesize(&mut nodes, 2, form, &mut kept), (0.0, false));
        assert_eq!(kept.0.len(), 1);
        assert!(mat4::distance_up_to_phase(&two_qubit::unitary_of(&nodes, [0, 1]), &want).0 < 1e-9);
    }
}
