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
                stack.retain(|r| *r != op.revision);
                if stack.is_empty() {
                    stacks.remove(&op.user_id);
                }
            }
        }
    }
}
