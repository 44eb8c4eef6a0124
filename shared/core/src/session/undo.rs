//! Per-user undo and redo stacks over the kept history: revisions only, the edits stay in the history.

use std::collections::{HashMap, VecDeque};

use super::store::{EditKind, LoggedOp};
use crate::units::Revision;

/// Each user's undoable and redoable revisions, oldest first.
#[derive(Debug, Default)]
pub(crate) struct UndoStacks {
    undo: HashMap<String, VecDeque<Revision>>,
    redo: HashMap<String, VecDeque<Revision>>,
}

impl UndoStacks {
    /// Records an applied edit: a new edit clears the redo stack; undo and redo move between stacks.
    pub(crate) fn track(&mut self, op: &LoggedOp) {
        let undo = self.undo.entry(op.user_id.clone()).or_default();
        let redo = self.redo.entry(op.user_id.clone()).or_default();
        match op.kind {
            EditKind::Edit => {
                undo.push_back(op.revision);
                redo.clear();
            }
            EditKind::Undo { of } => {
                undo.retain(|r| *r != of);
                redo.push_back(op.revision);
            }
            EditKind::Redo { of } => {
                redo.retain(|r| *r != of);
                undo.push_back(op.revision);
            }
            // Undoing a branch's edit from the main line would surprise its author: nobody's to undo.
            EditKind::Merged { .. } => {}
        }
    }

    /// The revision `user` would undo (or redo) next, if any.
    pub(crate) fn top(&self, user: &str, redo: bool) -> Option<Revision> {
        let stacks = if redo { &self.redo } else { &self.undo };
        stacks.get(user).and_then(|s| s.back().copied())
    }

    /// The history dropped `op`: it can no longer be undone or redone.
    pub(crate) fn forget(&mut self, op: &LoggedOp) {
        for stacks in [&mut self.undo, &mut self.redo] {
            if let Some(stack) = stacks.get_mut(&op.user_id) {
                // A stack holds revisions in the order they were made, and `op` is the oldest edit
                // kept: if it is there it is at the front (a scan of the stack per edit showed in
                // profiles).
                while stack.front().is_some_and(|r| *r <= op.revision) {
                    stack.pop_front();
                }
                if stack.is_empty() {
                    stacks.remove(&op.user_id);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::EpochMillis;

    fn op(revision: u64, kind: EditKind) -> LoggedOp {
        LoggedOp {
            revision: Revision(revision),
            user_id: "amy".into(),
            operation_id: format!("o{revision}"),
            op: Vec::new(),
            inverse: Vec::new(),
            kind,
            timestamp: EpochMillis(0),
        }
    }

    #[test]
    fn edits_leaving_the_history_leave_the_stacks() {
        let mut stacks = UndoStacks::default();
        let ops: Vec<LoggedOp> = (1..=6)
            .map(|r| op(r, EditKind::Edit))
            .chain([op(7, EditKind::Undo { of: Revision(6) })])
            .collect();
        for op in &ops {
            stacks.track(op);
        }
        // The history keeps the last three: 5, 6 (undone) and the undo 7.
        for old in &ops[..4] {
            stacks.forget(old);
        }
        assert_eq!(stacks.undo["amy"], [Revision(5)]);
        assert_eq!(stacks.redo["amy"], [Revision(7)]);
        stacks.forget(&ops[4]);
        assert!(!stacks.undo.contains_key("amy"));
        assert_eq!(stacks.top("amy", true), Some(Revision(7)));
    }
}
