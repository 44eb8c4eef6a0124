//! CX cancellation: two equal CX gates annihilate when nothing between them on their qubits, or
//! (with commutation) only gates that commute with them: CX gates sharing the control or sharing
//! the target, diagonal gates on the control, and `a·I + b·X` gates on the target.

use super::mat;
use super::program::Node;

/// How far along its wires a CX looks for its partner.
const WINDOW: usize = 256;

/// Whether `node` commutes with `cx(c, t)` by the rules above.
pub(crate) fn commutes_with_cx(node: &Node, c: u32, t: u32) -> bool {
    match node {
        Node::Cx { c: c2, t: t2 } => {
            (*c2 == c && *t2 != t && *t2 != c) || (*t2 == t && *c2 != c && *c2 != t)
        }
        Node::One { q, m } if *q == c => mat::is_diagonal(m),
        Node::One { q, m } if *q == t => mat::is_x_type(m),
        Node::One { .. } => true,
        Node::Fixed(_) => false,
    }
}

/// Keeps the nodes whose `removed` flag is not set (a pass marks while it scans, then drops at once).
pub(crate) fn drop_removed(nodes: &mut Vec<Node>, removed: &[bool]) {
    let mut flags = removed.iter();
    nodes.retain(|_| !flags.next().copied().unwrap_or(false));
}

/// Per-qubit lists of the indices of the nodes on that qubit, in order, in one allocation (every
/// pass builds them every round).
pub(crate) struct Wires {
    /// Qubit `q`'s list is `indices[starts[q]..starts[q + 1]]`.
    starts: Vec<usize>,
    indices: Vec<usize>,
}

impl Wires {
    /// Qubit `q`'s list.
    pub(crate) fn get(&self, q: usize) -> Option<&[usize]> {
        let (&start, &end) = (self.starts.get(q)?, self.starts.get(q + 1)?);
        self.indices.get(start..end)
    }
}

/// The [`Wires`] of `nodes`.
pub(crate) fn wires(nodes: &[Node], num_qubits: usize) -> Wires {
    let mut starts = vec![0; num_qubits + 1];
    for n in nodes {
        n.each_qubit(|q| {
            if let Some(s) = starts.get_mut(q as usize + 1) {
                *s += 1;
            }
        });
    }
    for q in 0..num_qubits {
        let before = starts.get(q).copied().unwrap_or(0);
        if let Some(s) = starts.get_mut(q + 1) {
            *s += before;
        }
    }
    let mut next = starts.clone();
    let mut indices = vec![0; starts.last().copied().unwrap_or(0)];
    for (i, n) in nodes.iter().enumerate() {
        n.each_qubit(|q| {
            if let Some(slot) = next.get_mut(q as usize)
                && let Some(x) = indices.get_mut(*slot)
            {
                *x = i;
                *slot += 1;
            }
        });
    }
    Wires { starts, indices }
}

/// Cancels CX pairs in place; returns whether anything changed.
pub(crate) fn cancel_cx(nodes: &mut Vec<Node>, num_qubits: usize, commute: bool) -> bool {
    let wires = wires(nodes, num_qubits);
    // Position of each node in each of its wires, found by binary search (lists are sorted).
    let position = |q: u32, i: usize| -> Option<usize> {
        wires.get(q as usize).and_then(|l| l.binary_search(&i).ok())
    };
    let mut removed = vec![false; nodes.len()];
    let mut changed = false;
    for i in 0..nodes.len() {
        if removed.get(i).copied().unwrap_or(true) {
            continue;
        }
        let Some(Node::Cx { c, t }) = nodes.get(i) else {
            continue;
        };
        let (c, t) = (*c, *t);
        let (Some(mut pc), Some(mut pt)) = (position(c, i), position(t, i)) else {
            continue;
        };
        let (wc, wt) = match (wires.get(c as usize), wires.get(t as usize)) {
            (Some(a), Some(b)) => (a, b),
            _ => continue,
        };
        pc += 1;
        pt += 1;
        for _ in 0..WINDOW {
            // Skip nodes already cancelled.
            while wc
                .get(pc)
                .is_some_and(|&j| removed.get(j).copied().unwrap_or(false))
            {
                pc += 1;
            }
            while wt
                .get(pt)
                .is_some_and(|&j| removed.get(j).copied().unwrap_or(false))
            {
                pt += 1;
            }
            let next = match (wc.get(pc), wt.get(pt)) {
                (Some(&a), Some(&b)) => a.min(b),
                (Some(&a), None) => a,
                (None, Some(&b)) => b,
                (None, None) => break,
            };
            let Some(node) = nodes.get(next) else { break };
            if let Node::Cx { c: c2, t: t2 } = node
                && *c2 == c
                && *t2 == t
            {
                if let Some(r) = removed.get_mut(i) {
                    *r = true;
                }
                if let Some(r) = removed.get_mut(next) {
                    *r = true;
                }
                changed = true;
                break;
            }
            if !commute || !commutes_with_cx(node, c, t) {
                break;
            }
            if node.touches(c) {
                pc += 1;
            }
            if node.touches(t) {
                pt += 1;
            }
        }
    }
    drop_removed(nodes, &removed);
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::StandardGate as G;

    #[test]
    fn adjacent_pairs_cancel_and_blocked_pairs_do_not() {
        let mut nodes = vec![
            Node::Cx { c: 0, t: 1 },
            Node::Cx { c: 0, t: 1 },
            Node::Cx { c: 1, t: 0 },
            Node::Cx { c: 0, t: 1 },
            Node::Cx { c: 1, t: 0 },
        ];
        assert!(cancel_cx(&mut nodes, 2, false));
        assert_eq!(nodes.len(), 3);
        assert!(!cancel_cx(&mut nodes, 2, true));
    }

    #[test]
    fn commuting_gates_let_pairs_cancel() {
        let rz = mat::gate_matrix(G::Rz, &[0.3]);
        let rx = mat::gate_matrix(G::Rx, &[0.3]);
        let h = mat::gate_matrix(G::H, &[]);
        let mut nodes = vec![
            Node::Cx { c: 0, t: 1 },
            Node::One { q: 0, m: rz },
            Node::One { q: 1, m: rx },
            Node::Cx { c: 0, t: 2 },
            Node::Cx { c: 3, t: 1 },
            Node::Cx { c: 0, t: 1 },
        ];
        let mut level1 = nodes.clone();
        assert!(!cancel_cx(&mut level1, 4, false));
        assert!(cancel_cx(&mut nodes, 4, true));
        assert_eq!(nodes.len(), 4);
        // A Hadamard on the target blocks it.
        let mut blocked = vec![
            Node::Cx { c: 0, t: 1 },
            Node::One { q: 1, m: h },
            Node::Cx { c: 0, t: 1 },
        ];
        assert!(!cancel_cx(&mut blocked, 2, true));
    }
}
