//! The `synq` WebSocket protocol: one serde definition of the envelope every message travels in,
//! `{type, session_id, user_id, timestamp, data: {operation, metadata}, version}`.
//!
//! Client → server: `edit` (`insert`, `delete`, `transform` against the revision in `version`),
//! `presence` (`cursor`, `selection`, `user_info`), `sync` (`full_sync_request`, `catch_up` from `version`).
//! Server → client: `sync` (`full_sync`, `ack`, `caught_up`), `edit` (a transformed op with its new
//! revision), `presence` (relayed, plus `user_joined` / `user_left`), and `error`.
//!
//! Heartbeat: outside the envelope, a client sends the text frame `ping` every
//! [`HEARTBEAT_INTERVAL_MS`] and gets `pong` back (on Cloudflare without waking the session).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::Role;
use crate::error::{ApiError, ErrorCode};
use crate::ot::{Delete, EditOp, Insert, Step};
pub use crate::units::LineCol;
use crate::units::{EpochMillis, Revision};

/// The heartbeat a client sends, as a bare text frame (not an envelope).
pub const HEARTBEAT_PING: &str = "ping";
/// The server's answer to [`HEARTBEAT_PING`].
pub const HEARTBEAT_PONG: &str = "pong";
/// How often a client sends [`HEARTBEAT_PING`], in milliseconds.
pub const HEARTBEAT_INTERVAL_MS: u64 = 30_000;

/// The envelope's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageType {
    /// A text edit.
    Edit,
    /// Cursor, selection or user info.
    Presence,
    /// Threaded comments.
    Comment,
    /// Undo my last edit.
    Undo,
    /// Redo my last undone edit.
    Redo,
    /// Synchronisation: full sync, acks, catch-up.
    Sync,
    /// Something the server refused (server → client only).
    Error,
}

impl MessageType {
    const ALL: [(&'static str, MessageType); 7] = [
        ("edit", MessageType::Edit),
        ("presence", MessageType::Presence),
        ("comment", MessageType::Comment),
        ("undo", MessageType::Undo),
        ("redo", MessageType::Redo),
        ("sync", MessageType::Sync),
        ("error", MessageType::Error),
    ];

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }
}

/// A selection from `start` (anchor) to `end` (head).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Span {
    /// Anchor.
    pub start: LineCol,
    /// Head.
    pub end: LineCol,
}

/// Where a session is in its life: `created` until someone joins, `active`, and `archived` (read-only)
/// after a day without activity, until an owner reopens it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// Nobody has joined yet.
    #[default]
    Created,
    /// Open for editing.
    Active,
    /// Read-only after a quiet day; an owner's `reopen` makes it active again.
    Archived,
}

/// How a user wants to be shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserInfo {
    /// Display name, at most [`UserInfo::MAX_NAME_BYTES`] bytes of UTF-8.
    pub name: String,
    /// Display colour (CSS), at most [`UserInfo::MAX_COLOR_BYTES`] bytes.
    pub color: String,
}

impl UserInfo {
    /// Longer names are refused: every joiner's greeting carries every participant's, and a
    /// connection's presence must fit its socket attachment (2 KiB).
    pub const MAX_NAME_BYTES: usize = 128;
    /// Room for any CSS colour notation.
    pub const MAX_COLOR_BYTES: usize = 64;

    /// `INVALID_MESSAGE` naming the field that is too long.
    pub fn check(&self) -> Result<(), ApiError> {
        let too_long = |field: &str, limit: usize| {
            ApiError::new(
                ErrorCode::InvalidMessage,
                format!("`user_info.{field}` is longer than {limit} bytes"),
            )
        };
        if self.name.len() > Self::MAX_NAME_BYTES {
            return Err(too_long("name", Self::MAX_NAME_BYTES));
        }
        if self.color.len() > Self::MAX_COLOR_BYTES {
            return Err(too_long("color", Self::MAX_COLOR_BYTES));
        }
        Ok(())
    }
}

/// One connection in a session, as the others see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParticipantView {
    /// Which connection (a user may have several).
    pub connection_id: String,
    /// The user.
    pub user_id: String,
    /// Their role in the session.
    pub role: Role,
    /// Display name from the token, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Where their cursor is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<LineCol>,
    /// What they have selected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection: Option<Span>,
    /// How they want to be shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_info: Option<UserInfo>,
}

/// A reply in a comment thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommentReply {
    /// Unique within the thread.
    pub reply_id: String,
    /// Who wrote it.
    pub author: String,
    /// What they wrote.
    pub text: String,
    /// When the server received it.
    pub created_at: EpochMillis,
}

/// A comment thread as clients see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommentView {
    /// The thread's id.
    pub comment_id: String,
    /// The line it is on now (0-based); absent once the line was deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// The line was deleted; the thread is kept, unanchored.
    pub orphaned: bool,
    /// Who started it.
    pub author: String,
    /// The first comment.
    pub text: String,
    /// When the server received it.
    pub created_at: EpochMillis,
    /// Resolved threads stay listed.
    pub resolved: bool,
    /// Replies, oldest first.
    pub replies: Vec<CommentReply>,
}

fn yes() -> bool {
    true
}

/// What a message carries; the `type` tag says which.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Operation {
    /// Insert `content` at `position` (UTF-16 units).
    Insert(Insert),
    /// Delete `length` UTF-16 units at `position`.
    Delete(Delete),
    /// Several steps applied in order: what a transformed op became, or a client's composed edit.
    Transform {
        /// The steps.
        operation: Vec<Step>,
    },
    /// The whole document at a revision.
    FullSync {
        /// The text.
        content: String,
        /// Its revision.
        version: Revision,
    },
    /// Undo my last edit (in an `undo` message).
    Undo {},
    /// Redo my last undo (in a `redo` message).
    Redo {},
    /// Client asks for a `full_sync`.
    FullSyncRequest {},
    /// An owner asks to reopen an archived session for editing.
    Reopen {},
    /// The session's lifecycle status changed (or, on joining an archived session, what it is).
    SessionStatus {
        /// `created`, `active` or `archived`.
        status: SessionStatus,
    },
    /// The receiver's role in the session changed while connected (an owner changed its grant): what
    /// it may do from now on (server → that user's connections).
    RoleChanged {
        /// `owner`, `editor`, `viewer` or `guest`.
        role: Role,
    },
    /// Client asks for every edit after the envelope's `version`, then a `caught_up`.
    CatchUp {},
    /// All edits since the requested revision have been sent.
    CaughtUp {
        /// The revision the client is now at.
        version: Revision,
    },
    /// The server applied (or had already applied) the sender's edit.
    Ack {
        /// The client's id for the edit.
        operation_id: String,
        /// The revision the edit became.
        version: Revision,
        /// True when this edit had been applied before (a resend).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        duplicate: bool,
    },
    /// A cursor position.
    Cursor(LineCol),
    /// A selection.
    Selection(Span),
    /// Who the user is, for display.
    UserInfo(UserInfo),
    /// Everyone else connected, with their presence (sent to a joiner after `full_sync`).
    Participants {
        /// One entry per connection.
        participants: Vec<ParticipantView>,
    },
    /// Start a comment thread on a line (in a `comment` message).
    AddComment {
        /// 0-based line.
        line: u32,
        /// The comment.
        text: String,
    },
    /// Reply in a thread.
    ReplyComment {
        /// The thread.
        comment_id: String,
        /// The reply.
        text: String,
    },
    /// Mark a thread resolved (or, with `resolved: false`, open again).
    ResolveComment {
        /// The thread.
        comment_id: String,
        /// The new state.
        #[serde(default = "yes")]
        resolved: bool,
    },
    /// Delete a thread (its author or an owner).
    DeleteComment {
        /// The thread.
        comment_id: String,
    },
    /// A thread as it now stands (server → everyone, after any change to it).
    CommentThread {
        /// The thread.
        thread: CommentView,
    },
    /// A thread was deleted (server → everyone).
    CommentDeleted {
        /// The thread.
        comment_id: String,
    },
    /// Every thread of the session (server → joiner, after `full_sync`).
    Comments {
        /// The threads, oldest first.
        threads: Vec<CommentView>,
    },
    /// Someone connected (server → others).
    UserJoined {
        /// Their role in the session.
        role: Role,
        /// Their display name, if their token had one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    /// A connection of that user closed (server → others).
    UserLeft {},
    /// What went wrong.
    Error {
        /// Machine-readable code.
        code: ErrorCode,
        /// Human-readable message.
        message: String,
        /// When to retry, for `RATE_LIMITED`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after_ms: Option<u64>,
        /// The edit this error is about, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        operation_id: Option<String>,
    },
}

impl Operation {
    const NAMES: [&'static str; 27] = [
        "insert",
        "delete",
        "transform",
        "full_sync",
        "undo",
        "redo",
        "full_sync_request",
        "reopen",
        "session_status",
        "role_changed",
        "catch_up",
        "caught_up",
        "ack",
        "cursor",
        "selection",
        "user_info",
        "participants",
        "add_comment",
        "reply_comment",
        "resolve_comment",
        "delete_comment",
        "comment_thread",
        "comment_deleted",
        "comments",
        "user_joined",
        "user_left",
        "error",
    ];

    /// The edit steps of an `insert`, `delete` or `transform`.
    pub fn as_edit(&self) -> Option<EditOp> {
        match self {
            Operation::Insert(insert) => Some(vec![Step::Insert(insert.clone())]),
            Operation::Delete(delete) => Some(vec![Step::Delete(delete.clone())]),
            Operation::Transform { operation } => Some(operation.clone()),
            _ => None,
        }
    }

    /// The wire form of an edit: a single step as itself, anything else as `transform`.
    pub fn from_edit(op: &[Step]) -> Self {
        match op {
            [Step::Insert(insert)] => Operation::Insert(insert.clone()),
            [Step::Delete(delete)] => Operation::Delete(delete.clone()),
            _ => Operation::Transform {
                operation: op.to_vec(),
            },
        }
    }

    /// The `error` operation for an API error.
    pub fn from_error(error: ApiError, operation_id: Option<String>) -> Self {
        Operation::Error {
            code: error.code,
            message: error.message,
            retry_after_ms: error.retry_after_ms,
            operation_id,
        }
    }
}

/// Extra facts about a message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// The client's id for an edit (unique per user): resends with the same id apply once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
    /// Server → client presence: which of the user's connections it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
}

/// The `data` field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Data {
    /// What the message carries.
    pub operation: Operation,
    /// Extra facts.
    #[serde(default)]
    pub metadata: Metadata,
}

/// Every message in both directions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// The message type.
    #[serde(rename = "type")]
    pub kind: MessageType,
    /// The session (clients may omit it: the socket knows).
    #[serde(default)]
    pub session_id: String,
    /// The author (clients may omit it: the server uses the authenticated user).
    #[serde(default)]
    pub user_id: String,
    /// Milliseconds since the epoch at the sender.
    #[serde(default)]
    pub timestamp: EpochMillis,
    /// The payload.
    pub data: Data,
    /// Client → server: the revision an edit was made against (or to catch up from).
    /// Server → client: the document revision after this message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Revision>,
}

impl Envelope {
    /// A message with empty metadata.
    pub fn new(
        kind: MessageType,
        session_id: &str,
        user_id: &str,
        timestamp: EpochMillis,
        operation: Operation,
        version: Option<Revision>,
    ) -> Self {
        Envelope {
            kind,
            session_id: session_id.to_owned(),
            user_id: user_id.to_owned(),
            timestamp,
            data: Data {
                operation,
                metadata: Metadata::default(),
            },
            version,
        }
    }

    /// An `error` message about `operation_id` (if the error concerns an edit).
    pub fn error(
        session_id: &str,
        user_id: &str,
        timestamp: EpochMillis,
        error: ApiError,
        operation_id: Option<String>,
        version: Option<Revision>,
    ) -> Self {
        let operation = Operation::from_error(error, operation_id.clone());
        Envelope::new(
            MessageType::Error,
            session_id,
            user_id,
            timestamp,
            operation,
            version,
        )
        .with_operation_id(operation_id)
    }

    /// Sets `data.metadata.operation_id`.
    pub fn with_operation_id(mut self, operation_id: Option<String>) -> Self {
        self.data.metadata.operation_id = operation_id;
        self
    }

    /// Serializes to the wire's JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| {
            format!(r#"{{"type":"error","data":{{"operation":{{"type":"error","code":"INTERNAL","message":"serialization failed: {e}"}}}}}}"#)
        })
    }

    /// Parses a message, telling malformed JSON, unknown types and wrong shapes apart.
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        // Valid messages take one pass; only a refused one is parsed again to say what is wrong.
        serde_json::from_str(raw).or_else(|_| Self::diagnose(raw))
    }

    /// Why `raw` is not a message, as the most specific error.
    fn diagnose(raw: &str) -> Result<Self, ApiError> {
        let value: Value = serde_json::from_str(raw).map_err(|e| {
            ApiError::new(ErrorCode::MalformedMessage, format!("not valid JSON: {e}"))
        })?;
        let kind = value.get("type").and_then(Value::as_str).ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidMessage, "missing string field `type`")
        })?;
        if MessageType::from_name(kind).is_none() {
            return Err(ApiError::new(
                ErrorCode::UnknownType,
                format!("unknown message type `{kind}`"),
            ));
        }
        let op_kind = value
            .pointer("/data/operation/type")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidMessage,
                    "missing string field `data.operation.type`",
                )
            })?;
        if !Operation::NAMES.contains(&op_kind) {
            return Err(ApiError::new(
                ErrorCode::UnknownType,
                format!("unknown operation type `{op_kind}`"),
            ));
        }
        serde_json::from_value(value)
            .map_err(|e| ApiError::new(ErrorCode::InvalidMessage, format!("invalid message: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_seed_edit_message() {
        let raw = r#"{"type":"edit","session_id":"s1","user_id":"u1","timestamp":1700000000000,
            "data":{"operation":{"type":"insert","position":3,"content":"h q[0];"},
                    "metadata":{"operation_id":"op-1"}},"version":7}"#;
        let env = Envelope::parse(raw).unwrap();
        assert_eq!(env.kind, MessageType::Edit);
        assert_eq!(env.version, Some(Revision(7)));
        assert_eq!(env.data.metadata.operation_id.as_deref(), Some("op-1"));
        assert_eq!(
            env.data.operation.as_edit().unwrap(),
            vec![Step::insert(3, "h q[0];")]
        );
    }

    #[test]
    fn tells_malformed_unknown_and_invalid_apart() {
        let code = |raw: &str| Envelope::parse(raw).unwrap_err().code;
        assert_eq!(code("{not json"), ErrorCode::MalformedMessage);
        assert_eq!(
            code(r#"{"type":"teleport","data":{"operation":{"type":"insert"}}}"#),
            ErrorCode::UnknownType
        );
        assert_eq!(
            code(r#"{"type":"edit","data":{"operation":{"type":"explode"}}}"#),
            ErrorCode::UnknownType
        );
        assert_eq!(
            code(
                r#"{"type":"edit","data":{"operation":{"type":"insert","position":-1,"content":"x"}}}"#
            ),
            ErrorCode::InvalidMessage
        );
    }

    #[test]
    fn round_trips_every_server_message() {
        let msgs = [
            Operation::FullSync {
                content: "OPENQASM 2.0;".into(),
                version: Revision(3),
            },
            Operation::Ack {
                operation_id: "a".into(),
                version: Revision(4),
                duplicate: true,
            },
            Operation::from_edit(&[Step::delete(1, 2), Step::insert(0, "😀")]),
            Operation::from_error(
                ApiError::new(ErrorCode::Forbidden, "viewers cannot edit"),
                None,
            ),
        ];
        for op in msgs {
            let env = Envelope::new(
                MessageType::Sync,
                "s",
                "u",
                EpochMillis(1),
                op,
                Some(Revision(4)),
            );
            assert_eq!(Envelope::parse(&env.to_json()).unwrap(), env);
        }
    }
}
