use std::cell::RefCell;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::comments::CommentThread;
use super::history::{Checkpoint, RetainedHistory};
use super::lifecycle::Lifecycle;
use crate::ot::EditOp;
use crate::units::{EpochMillis, Revision};

/// Why an edit exists: typed by a user, or an undo or redo of an earlier revision.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EditKind {
    /// An ordinary edit.
    #[default]
    Edit,
    /// Reverts the edit that made revision `of`.
    Undo {
        /// The undone revision.
        of: Revision,
    },
    /// Re-applies what the undo at revision `of` reverted.
    Redo {
        /// The undo being redone.
        of: Revision,
    },
    /// The edit that made revision `of` on a branch, merged into this session (its `operation_id`
    /// names the branch). Not on anyone's undo stack.
    Merged {
        /// The branch revision.
        of: Revision,
    },
}

/// One applied edit, as persisted and as kept in the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedOp {
    /// The revision this edit produced.
    pub revision: Revision,
    /// Its author.
    pub user_id: String,
    /// The author's id for it (for idempotent resends).
    pub operation_id: String,
    /// The edit as applied (transformed onto the revision before it).
    pub op: EditOp,
    /// The edit that reverts `op`, on the text right after it (what undo starts from).
    #[serde(default)]
    pub inverse: EditOp,
    /// Edit, undo or redo.
    #[serde(default)]
    pub kind: EditKind,
    /// When the server applied it.
    pub timestamp: EpochMillis,
}

/// The whole text at a revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Snapshot {
    /// The revision.
    pub revision: Revision,
    /// The text.
    pub content: String,
}

/// What a session needs written, in order, before it may acknowledge anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageWrite {
    /// Append an applied edit to the op log, with the Yjs document's update for it when the session has
    /// one. The two are stored together (one row per edit): pruning the edit drops its update, so the
    /// engine never prunes edits its Yjs snapshot does not cover yet.
    AppendOp {
        /// The edit.
        op: LoggedOp,
        /// The Yjs document's update for this revision.
        yjs: Option<YjsUpdate>,
    },
    /// Replace the snapshot.
    PutSnapshot(Snapshot),
    /// Drop logged edits with a revision below this one.
    PruneOpsBefore(Revision),
    /// Insert or replace a comment thread.
    PutComment(CommentThread),
    /// Delete a comment thread.
    DeleteComment(String),
    /// Replace the session's lifecycle (status and last activity).
    PutLifecycle(Lifecycle),
    /// Keep this snapshot in the version history (beside the latest one, which `PutSnapshot` replaces).
    KeepSnapshot(Snapshot),
    /// Drop version-history snapshots with a revision below this one.
    PruneSnapshotsBefore(Revision),
    /// Save a named checkpoint (its document is kept whatever compaction drops).
    PutCheckpoint(Checkpoint),
    /// Append a change of the session's Yjs document that is no revision of the text to its update log.
    AppendYjsUpdate(YjsUpdate),
    /// Replace the Yjs document's snapshot and drop the logged updates it includes.
    PutYjsSnapshot(YjsSnapshot),
}

/// One change of the session's Yjs document (a v1 update), numbered in the order it was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YjsUpdate {
    /// Its place in the log (1, 2, …; never reused).
    pub seq: u64,
    /// The update as Yjs encodes it (v1).
    pub update: Vec<u8>,
}

/// The whole Yjs document as one update, including every logged update up to `through_seq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YjsSnapshot {
    /// The last logged update it includes.
    pub through_seq: u64,
    /// The text's revision when it was taken: updates stored with later revisions follow it (0 when
    /// unknown, for a snapshot stored before revisions were recorded with it).
    pub revision: Revision,
    /// The encoded document (v1), with every client's ids and clocks.
    pub state: Vec<u8>,
}

/// The stored Yjs document: a snapshot and the updates logged after it. Both empty for a session no
/// Yjs client has joined.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredYjs {
    /// The latest snapshot, if one was written.
    pub snapshot: Option<YjsSnapshot>,
    /// Logged updates, in `seq` order.
    pub updates: Vec<YjsUpdate>,
}

/// What a session reloads from: the latest snapshot and the op log kept beside it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredSession {
    /// The latest snapshot, if one was written.
    pub snapshot: Option<Snapshot>,
    /// Logged edits in revision order.
    pub ops: Vec<LoggedOp>,
    /// Comment threads.
    pub comments: Vec<CommentThread>,
    /// The lifecycle, if one was written (sessions from before it existed have none).
    pub lifecycle: Option<Lifecycle>,
    /// The Yjs document.
    pub yjs: StoredYjs,
}

/// A storage failure: the session must not acknowledge what it could not write.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The backend refused or failed.
    #[error("storage backend: {0}")]
    Backend(String),
    /// Stored data did not decode.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

/// Durable storage of one session (DO SQLite on Cloudflare, SQLite on Spin, memory in tests).
pub trait SessionStore {
    /// Loads the snapshot and the op log.
    fn load(&self) -> Result<StoredSession, StoreError>;
    /// Performs one write durably.
    fn write(&self, write: &StorageWrite) -> Result<(), StoreError>;
}

/// An in-memory store for native tests and benches.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: RefCell<StoredSession>,
    history: RefCell<RetainedHistory>,
    /// The revision each Yjs update was stored with (as the SQL store keeps it on the edit's row), so
    /// that pruning edits drops their updates here too.
    yjs_revisions: RefCell<HashMap<u64, Revision>>,
}

impl MemoryStore {
    /// What the version history keeps besides the op log.
    pub(super) fn retained(&self) -> std::cell::Ref<'_, RetainedHistory> {
        self.history.borrow()
    }

    /// The op log as stored.
    pub(super) fn logged(&self) -> std::cell::Ref<'_, [LoggedOp]> {
        std::cell::Ref::map(self.state.borrow(), |s| s.ops.as_slice())
    }
}

impl SessionStore for MemoryStore {
    fn load(&self) -> Result<StoredSession, StoreError> {
        Ok(self.state.borrow().clone())
    }

    fn write(&self, write: &StorageWrite) -> Result<(), StoreError> {
        let mut state = self.state.borrow_mut();
        match write {
            StorageWrite::AppendOp { op, yjs } => {
                state.ops.push(op.clone());
                if let Some(update) = yjs {
                    self.yjs_revisions
                        .borrow_mut()
                        .insert(update.seq, op.revision);
                    state.yjs.updates.push(update.clone());
                }
            }
            StorageWrite::PutSnapshot(s) => state.snapshot = Some(s.clone()),
            StorageWrite::PruneOpsBefore(rev) => {
                state.ops.retain(|op| op.revision >= *rev);
                let revisions = self.yjs_revisions.borrow();
                state
                    .yjs
                    .updates
                    .retain(|u| revisions.get(&u.seq).is_none_or(|at| at >= rev));
            }
            StorageWrite::PutComment(thread) => {
                state.comments.retain(|t| t.comment_id != thread.comment_id);
                state.comments.push(thread.clone());
            }
            StorageWrite::DeleteComment(id) => state.comments.retain(|t| t.comment_id != *id),
            StorageWrite::PutLifecycle(lifecycle) => state.lifecycle = Some(*lifecycle),
            StorageWrite::KeepSnapshot(_)
            | StorageWrite::PruneSnapshotsBefore(_)
            | StorageWrite::PutCheckpoint(_) => self.history.borrow_mut().write(write),
            StorageWrite::AppendYjsUpdate(update) => state.yjs.updates.push(update.clone()),
            StorageWrite::PutYjsSnapshot(snapshot) => {
                state.yjs.updates.retain(|u| u.seq > snapshot.through_seq);
                self.yjs_revisions
                    .borrow_mut()
                    .retain(|seq, _| *seq > snapshot.through_seq);
                state.yjs.snapshot = Some(snapshot.clone());
            }
        }
        Ok(())
    }
}
