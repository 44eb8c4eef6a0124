//! The sessions index (D1 on Cloudflare): which sessions exist, their title, lineage (a branch's parent
//! and fork revision, its merge) and who takes part with which role. A port: the Worker's D1 adapter and
//! [`MemoryIndex`] implement it. The documents are not here; they live in the sessions themselves.

use std::cell::RefCell;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use synq_core::auth::Role;
use synq_core::{ApiError, EpochMillis, ErrorCode, Revision};
use thiserror::Error;

/// One indexed session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// Its id (the Durable Object's name).
    pub session_id: String,
    /// A title for people.
    pub title: String,
    /// A longer description (may be empty).
    pub description: String,
    /// Who created it (its first owner).
    pub created_by: String,
    /// When.
    pub created_at: EpochMillis,
    /// When its title or description last changed.
    pub updated_at: EpochMillis,
    /// For a branch: the session it was forked from.
    pub parent_id: Option<String>,
    /// For a branch: the parent's revision it was forked at (the branch's first revision).
    pub base_revision: Option<Revision>,
    /// For a merged branch: when and where it went.
    pub merged: Option<MergeRecord>,
}

/// A branch's merge into its parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MergeRecord {
    /// Who merged it.
    pub merged_by: String,
    /// When.
    pub merged_at: EpochMillis,
    /// The parent's revision after the merge.
    pub revision: Revision,
}

/// Someone's role in a session, as its owners granted it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantRecord {
    /// The session.
    pub session_id: String,
    /// The user (a token's `sub`).
    pub user_id: String,
    /// The role granted.
    pub role: Role,
    /// Who granted it.
    pub added_by: String,
    /// When.
    pub added_at: EpochMillis,
}

/// Where a list of sessions goes on: after this one, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListPosition {
    /// The last listed session's creation time.
    pub created_at: EpochMillis,
    /// The last listed session's id (breaks ties in time).
    pub session_id: String,
}

/// The index failed; nothing the caller did.
#[derive(Debug, Error)]
pub enum IndexError {
    /// The backend refused or failed.
    #[error("sessions index backend: {0}")]
    Backend(String),
    /// A stored row did not decode.
    #[error("sessions index data is corrupt: {0}")]
    Corrupt(String),
}

impl From<IndexError> for ApiError {
    fn from(e: IndexError) -> Self {
        ApiError::new(ErrorCode::Internal, e.to_string())
    }
}

/// The sessions index. Futures need not be `Send`: Workers (and the tests) run on one thread.
#[allow(async_fn_in_trait)]
pub trait SessionIndex {
    /// Adds a session and its first owner, both or neither.
    async fn create(
        &self,
        session: &SessionRecord,
        owner: &ParticipantRecord,
    ) -> Result<(), IndexError>;
    /// Adds a session and its first owner unless the session is indexed already (then nothing changes);
    /// `true` if it added them. One step, so two callers at once cannot both add an owner.
    async fn create_if_absent(
        &self,
        session: &SessionRecord,
        owner: &ParticipantRecord,
    ) -> Result<bool, IndexError>;
    /// The session, if indexed.
    async fn session(&self, session_id: &str) -> Result<Option<SessionRecord>, IndexError>;
    /// Saves a session's title, description and `updated_at`.
    async fn update(&self, session: &SessionRecord) -> Result<(), IndexError>;
    /// Records a branch's merge; `false` (and nothing written) if it was merged already.
    async fn mark_merged(&self, session_id: &str, merge: &MergeRecord) -> Result<bool, IndexError>;
    /// Everyone with a granted role in the session, by user id.
    async fn participants(&self, session_id: &str) -> Result<Vec<ParticipantRecord>, IndexError>;
    /// One user's granted role in the session.
    async fn participant(
        &self,
        session_id: &str,
        user_id: &str,
    ) -> Result<Option<ParticipantRecord>, IndexError>;
    /// Grants a role (replacing any earlier grant to the same user); `false`, changing nothing, if that
    /// would demote the session's last granted owner. The check and the write are one step, so two owners
    /// demoting each other at once cannot leave the session without one.
    async fn put_participant(&self, participant: &ParticipantRecord) -> Result<bool, IndexError>;
    /// Takes a grant away; `false`, changing nothing, if there was none or it is the session's last
    /// granted owner's (one step, as above).
    async fn remove_participant(&self, session_id: &str, user_id: &str)
    -> Result<bool, IndexError>;
    /// The sessions `user_id` has a granted role in, with that role, newest first, after `after`, at
    /// most `limit`.
    async fn sessions_of(
        &self,
        user_id: &str,
        after: Option<&ListPosition>,
        limit: usize,
    ) -> Result<Vec<(SessionRecord, Role)>, IndexError>;
}

/// An in-memory index for native tests.
#[derive(Debug, Default)]
pub struct MemoryIndex {
    sessions: RefCell<BTreeMap<String, SessionRecord>>,
    participants: RefCell<BTreeMap<(String, String), ParticipantRecord>>,
}

impl MemoryIndex {
    /// Whether `key` is its session's only granted owner.
    fn is_last_owner(&self, key: &(String, String)) -> bool {
        let participants = self.participants.borrow();
        let owners = || {
            participants
                .values()
                .filter(|p| p.session_id == key.0 && p.role == Role::Owner)
        };
        owners().count() == 1 && owners().any(|p| p.user_id == key.1)
    }
}

impl SessionIndex for MemoryIndex {
    async fn create(
        &self,
        session: &SessionRecord,
        owner: &ParticipantRecord,
    ) -> Result<(), IndexError> {
        {
            let mut sessions = self.sessions.borrow_mut();
            if sessions.contains_key(&session.session_id) {
                return Err(IndexError::Backend(format!(
                    "UNIQUE constraint failed: sessions.session_id ({})",
                    session.session_id
                )));
            }
            sessions.insert(session.session_id.clone(), session.clone());
        }
        self.put_participant(owner).await.map(drop)
    }

    async fn create_if_absent(
        &self,
        session: &SessionRecord,
        owner: &ParticipantRecord,
    ) -> Result<bool, IndexError> {
        if self.sessions.borrow().contains_key(&session.session_id) {
            return Ok(false);
        }
        self.create(session, owner).await.map(|()| true)
    }

    async fn session(&self, session_id: &str) -> Result<Option<SessionRecord>, IndexError> {
        Ok(self.sessions.borrow().get(session_id).cloned())
    }

    async fn update(&self, session: &SessionRecord) -> Result<(), IndexError> {
        if let Some(stored) = self.sessions.borrow_mut().get_mut(&session.session_id) {
            stored.title.clone_from(&session.title);
            stored.description.clone_from(&session.description);
            stored.updated_at = session.updated_at;
        }
        Ok(())
    }

    async fn mark_merged(&self, session_id: &str, merge: &MergeRecord) -> Result<bool, IndexError> {
        let mut sessions = self.sessions.borrow_mut();
        match sessions.get_mut(session_id) {
            Some(stored) if stored.merged.is_none() => {
                stored.merged = Some(merge.clone());
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn participants(&self, session_id: &str) -> Result<Vec<ParticipantRecord>, IndexError> {
        Ok(self
            .participants
            .borrow()
            .values()
            .filter(|p| p.session_id == session_id)
            .cloned()
            .collect())
    }

    async fn participant(
        &self,
        session_id: &str,
        user_id: &str,
    ) -> Result<Option<ParticipantRecord>, IndexError> {
        let key = (session_id.to_owned(), user_id.to_owned());
        Ok(self.participants.borrow().get(&key).cloned())
    }

    async fn put_participant(&self, participant: &ParticipantRecord) -> Result<bool, IndexError> {
        let key = (participant.session_id.clone(), participant.user_id.clone());
        if participant.role != Role::Owner && self.is_last_owner(&key) {
            return Ok(false);
        }
        self.participants
            .borrow_mut()
            .insert(key, participant.clone());
        Ok(true)
    }

    async fn remove_participant(
        &self,
        session_id: &str,
        user_id: &str,
    ) -> Result<bool, IndexError> {
        let key = (session_id.to_owned(), user_id.to_owned());
        if self.is_last_owner(&key) {
            return Ok(false);
        }
        Ok(self.participants.borrow_mut().remove(&key).is_some())
    }

    async fn sessions_of(
        &self,
        user_id: &str,
        after: Option<&ListPosition>,
        limit: usize,
    ) -> Result<Vec<(SessionRecord, Role)>, IndexError> {
        let sessions = self.sessions.borrow();
        let mut mine: Vec<(SessionRecord, Role)> = self
            .participants
            .borrow()
            .values()
            .filter(|p| p.user_id == user_id)
            .filter_map(|p| Some((sessions.get(&p.session_id)?.clone(), p.role)))
            .filter(|(s, _)| {
                after.is_none_or(|a| (s.created_at, &s.session_id) < (a.created_at, &a.session_id))
            })
            .collect();
        mine.sort_by(|(a, _), (b, _)| {
            (b.created_at, &b.session_id).cmp(&(a.created_at, &a.session_id))
        });
        mine.truncate(limit);
        Ok(mine)
    }
}
