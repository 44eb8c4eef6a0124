//! The response bodies of the collaboration API (serde: one definition for the server, clients and
//! tests). Requests are read field by field in `decode`, so that errors name the field.

use serde::{Deserialize, Serialize};
use synq_core::auth::Role;
use synq_core::protocol::Operation;
use synq_core::session::{CheckpointInfo, EditKind, LoggedOp};
use synq_core::{EpochMillis, Revision};

use crate::index::{MergeRecord, ParticipantRecord, SessionRecord};

/// Where a branch comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParentView {
    /// The session it was forked from.
    pub session_id: String,
    /// The parent's revision it was forked at.
    pub revision: Revision,
}

/// Someone's granted role in a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrantView {
    /// The user.
    pub user_id: String,
    /// The role.
    pub role: Role,
    /// Who granted it.
    pub added_by: String,
    /// When.
    pub added_at: EpochMillis,
}

impl From<ParticipantRecord> for GrantView {
    fn from(p: ParticipantRecord) -> Self {
        GrantView {
            user_id: p.user_id,
            role: p.role,
            added_by: p.added_by,
            added_at: p.added_at,
        }
    }
}

/// A session as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionView {
    /// Its id: also the WebSocket's (`/sessions/{id}/ws`).
    pub session_id: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Its creator.
    pub created_by: String,
    /// When it was created.
    pub created_at: EpochMillis,
    /// When its title or description last changed.
    pub updated_at: EpochMillis,
    /// The caller's effective role in it.
    pub role: Role,
    /// For a branch: its parent and fork revision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<ParentView>,
    /// For a merged branch: the merge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged: Option<MergeRecord>,
    /// The document's current revision (in a single session's view).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<Revision>,
    /// The granted roles (in a single session's view).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participants: Option<Vec<GrantView>>,
}

impl SessionView {
    /// The index's record as the caller with `role` sees it.
    pub fn of(record: SessionRecord, role: Role) -> Self {
        let parent = record
            .parent_id
            .zip(record.base_revision)
            .map(|(session_id, revision)| ParentView {
                session_id,
                revision,
            });
        SessionView {
            session_id: record.session_id,
            title: record.title,
            description: record.description,
            created_by: record.created_by,
            created_at: record.created_at,
            updated_at: record.updated_at,
            role,
            parent,
            merged: record.merged,
            revision: None,
            participants: None,
        }
    }
}

/// A page of the caller's sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionList {
    /// Newest first.
    pub sessions: Vec<SessionView>,
    /// Pass as `cursor` for the next page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// One edit of the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    /// The revision it made.
    pub revision: Revision,
    /// Its author.
    pub user_id: String,
    /// The author's id for it.
    pub operation_id: String,
    /// `edit`, `undo`/`redo` (with the revision they revert), or `merged` (with the branch revision).
    pub kind: EditKind,
    /// When the server applied it.
    pub timestamp: EpochMillis,
    /// What it did, on the document of the revision before (`insert`, `delete` or `transform`).
    pub operation: Operation,
}

impl From<LoggedOp> for HistoryEntry {
    fn from(op: LoggedOp) -> Self {
        HistoryEntry {
            revision: op.revision,
            operation: Operation::from_edit(&op.op),
            user_id: op.user_id,
            operation_id: op.operation_id,
            kind: op.kind,
            timestamp: op.timestamp,
        }
    }
}

/// A page of history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryList {
    /// Oldest first.
    pub edits: Vec<HistoryEntry>,
    /// Pass as `cursor` for the next page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A session's checkpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckpointList {
    /// By revision.
    pub checkpoints: Vec<CheckpointInfo>,
}

/// What a merge did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MergeView {
    /// The parent the branch was merged into.
    pub parent_id: String,
    /// How many branch edits became parent revisions.
    pub merged: usize,
    /// The parent revision of the first of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_revision: Option<Revision>,
    /// The parent's revision after the merge.
    pub revision: Revision,
}
