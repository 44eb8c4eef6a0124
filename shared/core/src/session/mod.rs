//! A collaboration session as a pure state machine: a message in, effects out (persist, reply,
//! broadcast). The Durable Object (or any other shell) only pumps messages and carries effects out,
//! persisting before it sends anything.

mod comments;
mod config;
mod engine;
mod history;
mod id;
mod lifecycle;
mod merge;
mod presence;
mod store;
mod undo;

pub use comments::{CommentThread, LineAnchor};
pub use config::SessionConfig;
pub use engine::{
    Applied, CLOSE_ACCESS_REVOKED, CLOSE_IDLE, CLOSE_KEY_REVOKED, Effect, MAX_MERGE_TRANSFORMS,
    MergeOutcome, Notice, Participant, SessionEngine,
};
pub use history::{
    Checkpoint, CheckpointInfo, HISTORY_PAGE_TEXT_UTF16, HistoryPage, HistoryStore,
    MAX_CHECKPOINT_NAME_CHARS, MAX_CHECKPOINTS, compaction_floor, document_at, earliest_document,
    edits_since, history_page, new_checkpoint,
};
pub use id::{MAX_SESSION_ID_LEN, is_valid_session_id};
pub use lifecycle::Lifecycle;
pub use merge::rebase;
pub use presence::Presence;
pub use store::{
    EditKind, LoggedOp, MemoryStore, SessionStore, Snapshot, StorageWrite, StoreError,
    StoredSession, StoredYjs, YjsSnapshot, YjsUpdate,
};
