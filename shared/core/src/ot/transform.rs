use super::step::{Delete, EditOp, Insert, Step};

/// Which side's insert goes first when two inserts land on the same position.
///
/// The server's order decides: an op already in the history (or arriving from the server) wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// The left operand `a` goes first.
    Left,
    /// The right operand `b` goes first.
    Right,
}

/// Transforms two concurrent edits made against the same text into `(a', b')`, so that applying
/// `a` then `b'` gives the same text as applying `b` then `a'`.
pub fn transform(a: &[Step], b: &[Step], priority: Priority) -> (EditOp, EditOp) {
    let a: EditOp = a.iter().filter(|s| !s.is_noop()).cloned().collect();
    let b: EditOp = b.iter().filter(|s| !s.is_noop()).cloned().collect();
    transform_seq(&a, &b, priority)
}

fn transform_seq(a: &[Step], b: &[Step], priority: Priority) -> (EditOp, EditOp) {
    match (a, b) {
        ([], _) | (_, []) => (a.to_vec(), b.to_vec()),
        ([sa], [sb]) => transform_step(sa, sb, priority),
        _ => {
            // Walk the grid: each step of `a` moves across every step of `b`, and `b` moves down.
            let mut b_cur = b.to_vec();
            let mut a_out = Vec::with_capacity(a.len());
            for sa in a {
                let mut sa_cur = vec![sa.clone()];
                let mut b_next = Vec::with_capacity(b_cur.len());
                for sb in &b_cur {
                    let (sa_t, sb_t) = transform_seq(&sa_cur, std::slice::from_ref(sb), priority);
                    sa_cur = sa_t;
                    b_next.extend(sb_t);
                }
                a_out.extend(sa_cur);
                b_cur = b_next;
            }
            (a_out, b_cur)
        }
    }
}

/// Where a position (a cursor, a selection end) lands after `op`. Text inserted exactly at the position
/// goes after it: someone else typing at my cursor does not push it.
pub fn map_position(position: u32, op: &[Step]) -> u32 {
    op.iter().fold(position, |pos, step| match step {
        Step::Insert(insert) if insert.position < pos => pos.saturating_add(step.insert_len()),
        Step::Insert(_) => pos,
        Step::Delete(Delete { position, length }) => {
            if pos >= position.saturating_add(*length) {
                pos - length
            } else {
                pos.min(*position)
            }
        }
    })
}

fn insert(position: u32, content: &str) -> Step {
    Step::insert(position, content)
}

fn delete(position: u32, length: u32) -> Vec<Step> {
    if length == 0 {
        Vec::new()
    } else {
        vec![Step::delete(position, length)]
    }
}

fn transform_step(a: &Step, b: &Step, priority: Priority) -> (EditOp, EditOp) {
    match (a, b) {
        (
            Step::Insert(Insert {
                position: pa,
                content: ca,
            }),
            Step::Insert(Insert {
                position: pb,
                content: cb,
            }),
        ) => {
            let a_first = pa < pb || (pa == pb && priority == Priority::Left);
            if a_first {
                (
                    vec![a.clone()],
                    vec![insert(pb.saturating_add(a.insert_len()), cb)],
                )
            } else {
                (
                    vec![insert(pa.saturating_add(b.insert_len()), ca)],
                    vec![b.clone()],
                )
            }
        }
        (Step::Insert(_), Step::Delete(Delete { position, length })) => {
            let (ins, del) = insert_vs_delete(a, *position, *length);
            (vec![ins], del)
        }
        (Step::Delete(Delete { position, length }), Step::Insert(_)) => {
            let (ins, del) = insert_vs_delete(b, *position, *length);
            (del, vec![ins])
        }
        (
            Step::Delete(Delete {
                position: pa,
                length: la,
            }),
            Step::Delete(Delete {
                position: pb,
                length: lb,
            }),
        ) => (
            delete_after_delete(*pa, *la, *pb, *lb),
            delete_after_delete(*pb, *lb, *pa, *la),
        ),
    }
}

/// An insert and a delete made concurrently: the insert survives (even inside the deleted range) and a
/// delete that spanned it splits around it.
fn insert_vs_delete(ins: &Step, pd: u32, ld: u32) -> (Step, EditOp) {
    let Step::Insert(Insert {
        position: pi,
        content,
    }) = ins
    else {
        return (ins.clone(), delete(pd, ld));
    };
    let li = ins.insert_len();
    let end = pd.saturating_add(ld);
    if *pi <= pd {
        (ins.clone(), delete(pd.saturating_add(li), ld))
    } else if *pi >= end {
        (insert(pi - ld, content), delete(pd, ld))
    } else {
        let before = pi - pd;
        let mut del = delete(pd, before);
        del.extend(delete(pd.saturating_add(li), ld - before));
        (insert(pd, content), del)
    }
}

/// Range `[p, p+l)` after the concurrent deletion of `[q, q+m)`.
fn delete_after_delete(p: u32, l: u32, q: u32, m: u32) -> EditOp {
    let (p64, l64, q64, m64) = (u64::from(p), u64::from(l), u64::from(q), u64::from(m));
    let overlap = (p64 + l64).min(q64 + m64).saturating_sub(p64.max(q64));
    let length = u32::try_from(l64 - overlap).unwrap_or(0);
    let position = if p <= q {
        p
    } else {
        p.saturating_sub(m).max(q)
    };
    delete(position, length)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ot::TextBuffer;

    fn ins(p: u32, s: &str) -> Step {
        insert(p, s)
    }
    fn del(p: u32, l: u32) -> Step {
        Step::delete(p, l)
    }

    fn converge(text: &str, a: &[Step], b: &[Step]) -> String {
        let (a2, b2) = transform(a, b, Priority::Left);
        let mut left = TextBuffer::new(text);
        left.apply(a).unwrap();
        left.apply(&b2).unwrap();
        let mut right = TextBuffer::new(text);
        right.apply(b).unwrap();
        right.apply(&a2).unwrap();
        assert_eq!(left.to_string(), right.to_string());
        left.to_string()
    }

    #[test]
    fn same_position_inserts_follow_priority() {
        assert_eq!(converge("ab", &[ins(1, "X")], &[ins(1, "Y")]), "aXYb");
    }

    #[test]
    fn insert_inside_a_concurrent_delete_survives_and_the_delete_splits() {
        let (a2, b2) = transform(&[ins(2, "X")], &[del(1, 3)], Priority::Left);
        assert_eq!(a2, vec![ins(1, "X")]);
        assert_eq!(b2, vec![del(1, 1), del(2, 2)]);
        assert_eq!(converge("abcde", &[ins(2, "X")], &[del(1, 3)]), "aXe");
    }

    #[test]
    fn overlapping_deletes_remove_the_union_once() {
        assert_eq!(converge("abcdef", &[del(1, 3)], &[del(2, 3)]), "af");
        assert_eq!(converge("abcdef", &[del(0, 6)], &[del(2, 1)]), "");
    }

    #[test]
    fn positions_count_utf16_units() {
        // "😀" is two UTF-16 units: inserting after it is position 2.
        assert_eq!(converge("😀b", &[ins(2, "X")], &[ins(0, "é")]), "é😀Xb");
    }
}
