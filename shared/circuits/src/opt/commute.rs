//! Commutation-aware single-qubit merging: a diagonal gate slides along its qubit across CX gates it
//! controls, an `a·I + b·X` gate across CX gates it is the target of, and merges with the next (or
//! previous) single-qubit gate there when the merged gate is no longer than the two apart.

use super::basis::OneQubitForm;
use super::cancel::{drop_removed, wires};
use super::euler;
use super::mat::{self, Mat2};
use super::program::Node;

/// How many CX gates a gate may slide across.
const WINDOW: usize = 64;

fn slides_across(node: &Node, q: u32, m: &Mat2) -> bool {
    match node {
        Node::Cx { c, .. } if *c == q => mat::is_diagonal(m),
        Node::Cx { t, .. } if *t == q => mat::is_x_type(m),
        _ => false,
    }
}

/// One sweep in each direction; returns whether anything changed.
pub(crate) fn merge_across_cx(
    nodes: &mut Vec<Node>,
    num_qubits: usize,
    form: OneQubitForm,
) -> bool {
    let mut changed = false;
    for forward in [true, false] {
        let wires = wires(nodes, num_qubits);
        let mut removed = vec![false; nodes.len()];
        for i in 0..nodes.len() {
            let Some(Node::One { q, m }) = nodes.get(i) else {
                continue;
            };
            let (q, m) = (*q, *m);
            if !(mat::is_diagonal(&m) || mat::is_x_type(&m)) {
                continue;
            }
            let Some(wire) = wires.get(q as usize) else {
                continue;
            };
            let Ok(start) = wire.binary_search(&i) else {
                continue;
            };
            let mut pos = start;
            for _ in 0..WINDOW {
                let next = if forward {
                    pos += 1;
                    wire.get(pos)
                } else if pos == 0 {
                    None
                } else {
                    pos -= 1;
                    wire.get(pos)
                };
                let Some(&j) = next else { break };
                if removed.get(j).copied().unwrap_or(true) {
                    continue;
                }
                let Some(node) = nodes.get(j) else { break };
                if let Node::One { m: other, .. } = node {
                    let merged = if forward {
                        mat::mul(other, &m)
                    } else {
                        mat::mul(&m, other)
                    };
                    if pos.abs_diff(start) > 1
                        && euler::gate_count(&merged, form)
                            <= euler::gate_count(&m, form) + euler::gate_count(other, form)
                    {
                        if let Some(Node::One { m: target, .. }) = nodes.get_mut(j) {
                            *target = merged;
                        }
                        if let Some(r) = removed.get_mut(i) {
                            *r = true;
                        }
                        changed = true;
                    }
                    break;
                }
                if !slides_across(node, q, &m) {
                    break;
                }
            }
        }
        drop_removed(nodes, &removed);
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::StandardGate as G;

    #[test]
    fn rotations_merge_across_controls_and_targets() {
        let form = OneQubitForm::ZSX { with_x: true };
        let rz = mat::gate_matrix(G::Rz, &[0.3]);
        let rx = mat::gate_matrix(G::Rx, &[0.3]);
        let mut nodes = vec![
            Node::One { q: 0, m: rz },
            Node::One { q: 1, m: rx },
            Node::Cx { c: 0, t: 1 },
            Node::One { q: 0, m: rz },
            Node::One { q: 1, m: rx },
        ];
        assert!(merge_across_cx(&mut nodes, 2, form));
        assert_eq!(nodes.len(), 3);
        // Neither slides the other way round.
        let mut blocked = vec![
            Node::One { q: 0, m: rx },
            Node::Cx { c: 0, t: 1 },
            Node::One { q: 0, m: rx },
        ];
        assert!(!merge_across_cx(&mut blocked, 2, form));
    }
}
