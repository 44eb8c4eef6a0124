use crate::yjs::budget::YjsLimits;

/// Limits and tuning of one session; every field has the documented default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionConfig {
    /// Most connections (participants' sockets) one session accepts.
    pub max_connections: usize,
    /// Most connections one user may hold to a session (tabs, devices).
    pub max_connections_per_user: usize,
    /// Messages one connection may send per minute (the same again as a burst).
    pub messages_per_minute: u32,
    /// Edits (undo and redo included) one user may make per minute across connections (and as a burst).
    pub edits_per_minute: u32,
    /// What Yjs clients may send: their document and awareness updates have this budget instead of the
    /// message and edit limits above (their other messages count as messages).
    pub yjs: YjsLimits,
    /// Largest accepted client message, in bytes of JSON text.
    pub max_message_bytes: usize,
    /// Largest accepted Yjs frame, in bytes: Cloudflare's own limit on received WebSocket messages (a
    /// larger one closes the socket with 1009 before the session sees it). Yjs frames are larger than
    /// synq edits: a reconnecting client's sync step 2 carries every edit it made offline.
    pub max_yjs_message_bytes: usize,
    /// Largest document, in UTF-16 units; an edit that would grow it further is refused.
    pub max_document_utf16: usize,
    /// Most steps in one edit.
    pub max_steps_per_edit: usize,
    /// How many past edits are kept to transform late edits and serve catch-up; older base revisions
    /// get `REVISION_TOO_OLD`.
    pub history_limit: usize,
    /// A snapshot of the text is persisted every this many revisions, and the op log pruned behind it.
    pub snapshot_every: u64,
    /// How many revisions of version history the session's storage keeps (edits with their author and
    /// time, and a snapshot every `snapshot_every` revisions); older ones are compacted away, except the
    /// documents of named checkpoints. At least `history_limit + snapshot_every` are kept.
    pub history_retention: u64,
    /// After an edit that did not snapshot, an alarm this many milliseconds later snapshots the session.
    pub snapshot_idle_ms: u64,
    /// A connection that sent no message (heartbeats do not count) for this long is closed.
    pub idle_timeout_ms: u64,
    /// A session without any activity for this long is archived (read-only until an owner reopens it).
    pub archive_after_ms: u64,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            max_connections: 100,
            max_connections_per_user: 5,
            messages_per_minute: 100,
            edits_per_minute: 50,
            yjs: YjsLimits::default(),
            max_message_bytes: 64 * 1024,
            max_yjs_message_bytes: 1024 * 1024,
            max_document_utf16: 512 * 1024,
            max_steps_per_edit: 1_000,
            history_limit: 1_000,
            snapshot_every: 100,
            history_retention: 10_000,
            snapshot_idle_ms: 10_000,
            idle_timeout_ms: 5 * 60 * 1000,
            archive_after_ms: 24 * 60 * 60 * 1000,
        }
    }
}
