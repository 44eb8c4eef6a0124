//! Who is on a socket: set by the API Worker as request headers after it verified the token, kept in
//! the socket attachment so it survives hibernation.

use serde::{Deserialize, Serialize};
use synq_core::EpochMillis;
use synq_core::session::{Participant, Presence};
use worker::Headers;
use worker::js_sys::Math;

/// The session id (the DO's name).
pub const SESSION_HEADER: &str = "x-synq-session";
/// The authenticated user id.
pub const USER_HEADER: &str = "x-synq-user";
/// The user's role in the session.
pub const ROLE_HEADER: &str = "x-synq-role";
/// The user's display name, if the token had one.
pub const NAME_HEADER: &str = "x-synq-name";
/// When the user's token expires (epoch milliseconds).
pub const EXPIRES_HEADER: &str = "x-synq-expires";
/// The id of the API key the socket was opened with, if it was (revoking the key closes the socket).
pub const KEY_HEADER: &str = "x-synq-key";
/// The role the user's token claims for the session by itself, if any: a change of the session's grants
/// cannot take it away from the socket.
pub const TOKEN_ROLE_HEADER: &str = "x-synq-token-role";
/// Present (`1`) when the socket was opened with credentials that may only read (a key without
/// `write`): it stays a `guest` whatever the session's grants say.
pub const READ_ONLY_HEADER: &str = "x-synq-read-only";

/// Which protocol a socket speaks; also its hibernation tag, so a broadcast reaches only its own kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Kind {
    /// The synq JSON protocol (text frames), `/sessions/{id}/ws`.
    #[default]
    Synq,
    /// The y-websocket protocol (binary frames), `/sessions/{id}/yjs`.
    Yjs,
}

impl Kind {
    /// The socket's tag.
    pub(crate) fn tag(self) -> &'static str {
        match self {
            Kind::Synq => "synq",
            Kind::Yjs => "yjs",
        }
    }

    /// The kind the API Worker asked for: the path it forwards to (`/ws` or `/yjs`).
    pub(crate) fn from_path(path: &str) -> Self {
        if path.ends_with("/yjs") {
            Kind::Yjs
        } else {
            Kind::Synq
        }
    }
}

/// Per-socket state, stored as the WebSocket attachment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Connection {
    pub(crate) session_id: String,
    pub(crate) participant: Participant,
    #[serde(default)]
    pub(crate) kind: Kind,
    /// The latest presence the engine asked to keep (survives the DO's hibernation here).
    #[serde(default)]
    pub(crate) presence: Option<Presence>,
    /// The API key the socket was opened with, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) key: Option<String>,
}

/// A fresh connection id: random, unique within a session in practice (64 bits).
fn connection_id() -> String {
    let half = || (Math::random() * f64::from(u32::MAX)) as u32;
    format!("{:08x}{:08x}", half(), half())
}

impl Connection {
    /// Reads the headers the API Worker set; `None` if any is missing or invalid.
    pub(crate) fn from_headers(headers: &Headers, kind: Kind) -> Option<Self> {
        let get = |name: &str| headers.get(name).ok().flatten().filter(|v| !v.is_empty());
        Some(Connection {
            session_id: get(SESSION_HEADER)?,
            participant: Participant {
                user_id: get(USER_HEADER)?,
                role: get(ROLE_HEADER)?.parse().ok()?,
                name: get(NAME_HEADER),
                connection_id: connection_id(),
                expires_at: get(EXPIRES_HEADER)
                    .and_then(|v| v.parse().ok())
                    .map(EpochMillis),
                token_role: match get(TOKEN_ROLE_HEADER) {
                    Some(role) => Some(role.parse().ok()?),
                    None => None,
                },
                read_only: get(READ_ONLY_HEADER).is_some(),
            },
            presence: None,
            kind,
            key: get(KEY_HEADER),
        })
    }
}
