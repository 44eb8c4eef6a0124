//! Single-qubit run fusion: consecutive single-qubit nodes on a qubit become one matrix (written
//! out later in the basis's shortest Euler form), and runs that multiply to the identity disappear.

use super::mat;
use super::program::Node;

/// Fuses runs in place; returns whether anything changed.
pub(crate) fn fuse_runs(nodes: &mut Vec<Node>, num_qubits: usize) -> bool {
    let mut open: Vec<Option<usize>> = vec![None; num_qubits];
    let mut removed = vec![false; nodes.len()];
    let mut changed = false;
    for i in 0..nodes.len() {
        let Some(node) = nodes.get(i) else { break };
        match node {
            Node::One { q, m } => {
                let (q, m) = (*q, *m);
                let slot = open.get(q as usize).copied().flatten();
                if let Some(j) = slot
                    && let Some(Node::One { m: earlier, .. }) = nodes.get_mut(j)
                {
                    *earlier = mat::mul(&m, earlier);
                    if let Some(r) = removed.get_mut(i) {
                        *r = true;
                    }
                    changed = true;
                } else if let Some(o) = open.get_mut(q as usize) {
                    *o = Some(i);
                }
            }
            other => {
                for q in other.qubits() {
                    if let Some(o) = open.get_mut(q as usize) {
                        *o = None;
                    }
                }
            }
        }
    }
    let mut k = 0;
    nodes.retain(|_| {
        let keep = !removed.get(k).copied().unwrap_or(false);
        k += 1;
        keep
    });
    changed
}

/// Removes single-qubit nodes that are the identity up to phase; returns the phase they carried and
/// whether anything was removed.
pub(crate) fn drop_identities(nodes: &mut Vec<Node>) -> (f64, bool) {
    let mut phase = 0.0;
    let before = nodes.len();
    nodes.retain(|n| match n {
        Node::One { m, .. } if mat::is_identity_up_to_phase(m) => {
            phase += m[0].arg();
            false
        }
        _ => true,
    });
    (phase, nodes.len() != before)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::StandardGate as G;

    #[test]
    fn runs_fuse_and_identities_vanish() {
        let h = mat::gate_matrix(G::H, &[]);
        let mut nodes = vec![
            Node::One { q: 0, m: h },
            Node::One { q: 1, m: h },
            Node::One { q: 0, m: h },
            Node::Cx { c: 1, t: 0 },
            Node::One { q: 1, m: h },
        ];
        assert!(fuse_runs(&mut nodes, 2));
        assert_eq!(nodes.len(), 4);
        let (_, dropped) = drop_identities(&mut nodes);
        assert!(dropped);
        assert_eq!(nodes.len(), 3);
        assert!(matches!(nodes.first(), Some(Node::One { q: 1, .. })));
        assert!(!fuse_runs(&mut nodes, 2));
    }
}
