//! Merging a branch: its edits since the fork, transformed over the main line's edits since the fork.

use crate::ot::{EditOp, Priority, transform};

/// The branch's edits (each made on the text the previous one left, starting at the fork) rewritten to
/// apply after the main line's edits since the fork (`main`, in the same form), so that
/// `fork · main · rebase(branch, main)` holds both sides' work. The main line was there first: where
/// both insert at one position, its text comes first, as it would for an edit arriving late on a socket.
pub fn rebase(branch: &[EditOp], main: &[EditOp]) -> Vec<EditOp> {
    cross(branch, main).0
}

/// Both halves of [`rebase`]: the branch's edits after the main line's, and the main line's edits after
/// the branch's (`fork · branch · main'` = `fork · main · branch'`), which is what a later branch edit
/// must still cross when the branch's earlier edits were merged before.
pub(crate) fn cross(branch: &[EditOp], main: &[EditOp]) -> (Vec<EditOp>, Vec<EditOp>) {
    // Walk the grid: each branch edit crosses every main edit, and the main edits move past it, so the
    // next branch edit (made after this one) meets them on its own text.
    let mut main: Vec<EditOp> = main.to_vec();
    let branch = branch
        .iter()
        .map(|edit| {
            let mut edit = edit.clone();
            for done in &mut main {
                let (edit_after, done_after) = transform(&edit, done, Priority::Right);
                edit = edit_after;
                *done = done_after;
            }
            edit
        })
        .collect();
    (branch, main)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ot::{Step, TextBuffer};

    fn run(start: &str, ops: &[EditOp]) -> String {
        let mut text = TextBuffer::new(start);
        for op in ops {
            text.apply(op).unwrap();
        }
        text.to_string()
    }

    #[test]
    fn both_sides_survive() {
        let fork = "h q[0];\n";
        let main = vec![vec![Step::insert(0, "// main\n")]];
        let branch = vec![
            vec![Step::insert(8, "cx q[0],q[1];\n")],
            vec![Step::delete(0, 1)],
        ];
        let merged = rebase(&branch, &main);
        let mut all = main.clone();
        all.extend(merged);
        assert_eq!(run(fork, &all), "// main\n q[0];\ncx q[0],q[1];\n");
    }

    #[test]
    fn main_wins_ties() {
        let merged = rebase(&[vec![Step::insert(0, "b")]], &[vec![Step::insert(0, "m")]]);
        assert_eq!(
            run("", &[vec![Step::insert(0, "m")], merged[0].clone()]),
            "mb"
        );
    }
}
