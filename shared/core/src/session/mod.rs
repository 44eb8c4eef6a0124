//! A collaboration session as a pure state machine: a message in, effects out (persist, reply,
//! broadcast). The Durable Object (or any other shell) only pumps messages and carries effects out,
//! persisting before it sends anything.

mod comments;
mod config;
mod engine;
mod lifecycle;
mod presence;
mod store;
mod undo;

pub use comments::{CommentThread, LineAnchor};
pub use config::SessionConfig;
pub use engine::{CLOSE_IDLE, Effect, Participant, SessionEngine};
pub use lifecycle::Lifecycle;
pub use presence::Presence;
pub use store::{
    LoggedOp, MemoryStore, SessionStore, Snapshot, StorageWrite, StoreError, StoredSession,
};
