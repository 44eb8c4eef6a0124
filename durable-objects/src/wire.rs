//! Platform-free pieces of the skeleton: the socket attachment and the JSON frames it sends.
//! Kept apart from `worker` types so they can be unit-tested natively. The real wire types will
//! come from `shared/`.

use serde::{Deserialize, Serialize};

/// Per-connection state, stored in the WebSocket attachment so it survives hibernation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    pub user_id: String,
    pub role: String,
}

impl Connection {
    /// Builds the connection from the `x-synq-user` / `x-synq-role` header values.
    /// Returns `None` if either is missing or blank.
    pub fn from_headers(user: Option<String>, role: Option<String>) -> Option<Self> {
        let user_id = user.filter(|u| !u.trim().is_empty())?;
        let role = role.filter(|r| !r.trim().is_empty())?;
        Some(Self { user_id, role })
    }

    /// Stand-in used when a socket's attachment is missing or unreadable.
    pub fn unknown() -> Self {
        Self {
            user_id: "unknown".into(),
            role: "viewer".into(),
        }
    }
}

/// Frames the skeleton sends to clients (JSON text, tagged by `type`).
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage<'a> {
    /// First frame on every connection.
    Welcome {
        user_id: &'a str,
        role: &'a str,
        stored_messages: u64,
    },
    /// A stored message, fanned out to every other socket.
    Message {
        seq: u64,
        from: &'a str,
        body: &'a str,
    },
    /// Something went wrong with the last frame; the socket stays open.
    Error { error: ErrorDetail<'a> },
}

impl<'a> ServerMessage<'a> {
    pub fn error(code: &'a str, message: &'a str) -> Self {
        Self::Error {
            error: ErrorDetail { code, message },
        }
    }
}

/// The `error` object of the one error shape: `{"error":{"code":"…","message":"…"}}`.
#[derive(Debug, Serialize)]
pub struct ErrorDetail<'a> {
    pub code: &'a str,
    pub message: &'a str,
}

/// The HTTP error body: `{"error":{"code":"…","message":"…"}}`.
pub fn error_body(code: &str, message: &str) -> serde_json::Value {
    serde_json::json!({ "error": { "code": code, "message": message } })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn connection_requires_both_headers() {
        assert_eq!(
            Connection::from_headers(Some("u1".into()), Some("editor".into())),
            Some(Connection {
                user_id: "u1".into(),
                role: "editor".into()
            })
        );
        assert_eq!(Connection::from_headers(None, Some("editor".into())), None);
        assert_eq!(
            Connection::from_headers(Some("u1".into()), Some("  ".into())),
            None
        );
    }

    #[test]
    fn frames_are_tagged_json() -> Result<(), serde_json::Error> {
        let welcome = ServerMessage::Welcome {
            user_id: "u1",
            role: "editor",
            stored_messages: 3,
        };
        assert_eq!(
            serde_json::to_value(&welcome)?,
            json!({"type": "welcome", "user_id": "u1", "role": "editor", "stored_messages": 3})
        );
        let msg = ServerMessage::Message {
            seq: 7,
            from: "u1",
            body: "hi",
        };
        assert_eq!(
            serde_json::to_value(&msg)?,
            json!({"type": "message", "seq": 7, "from": "u1", "body": "hi"})
        );
        assert_eq!(
            serde_json::to_value(ServerMessage::error("INTERNAL", "boom"))?,
            json!({"type": "error", "error": {"code": "INTERNAL", "message": "boom"}})
        );
        Ok(())
    }

    #[test]
    fn error_body_has_the_shared_shape() {
        assert_eq!(
            error_body("NOT_FOUND", "no route"),
            json!({"error": {"code": "NOT_FOUND", "message": "no route"}})
        );
    }
}
