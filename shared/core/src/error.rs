//! The one error shape of every surface: `{"error": {"code", "message", "retry_after_ms"?, "field"?,
//! "line"?, "column"?}}` over HTTP, the same body inside a WebSocket `error` message, `extensions.code`
//! in GraphQL.

use serde::{Deserialize, Serialize};

/// Machine-readable error codes, stable across surfaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// The message is not valid JSON.
    MalformedMessage,
    /// The message's `type` (or its operation's `type`) is not one the server knows.
    UnknownType,
    /// The message is JSON of a known type but a field is missing or has the wrong shape.
    InvalidMessage,
    /// The message or body is larger than the configured limit.
    MessageTooLarge,
    /// A position or range lies outside the document, or splits a surrogate pair.
    OutOfRange,
    /// The edit's base revision is older than the history the server keeps: resynchronise.
    RevisionTooOld,
    /// Undo or redo found nothing to revert within the kept history.
    NothingToUndo,
    /// The edit's base revision is newer than the document.
    InvalidRevision,
    /// No credentials, or credentials that do not verify.
    Unauthorized,
    /// The token has expired (or is not yet valid).
    TokenExpired,
    /// Authenticated, but the role does not allow this.
    Forbidden,
    /// No such resource or route.
    NotFound,
    /// The route exists but not for this method.
    MethodNotAllowed,
    /// The route needs a WebSocket upgrade.
    UpgradeRequired,
    /// The caller is sending too fast; retry after `retry_after_ms`.
    RateLimited,
    /// A fixed limit (participants, connections, size) is reached.
    LimitExceeded,
    /// The session was archived after a day without activity: it is read-only until an owner reopens it.
    SessionArchived,
    /// A message type that this server does not serve yet.
    Unsupported,
    /// Something went wrong on the server; nothing acked was lost.
    Internal,
    /// The OpenQASM program does not parse or is not a valid circuit; `line` and `column` say where.
    InvalidCircuit,
    /// The request clashes with the resource's current state (a name taken, a branch already merged,
    /// a session's last owner removed).
    Conflict,
    /// A gateway route's upstream could not be reached or did not answer.
    UpstreamFailed,
}

impl ErrorCode {
    /// The HTTP status for this code, used by every HTTP shell.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::MalformedMessage
            | ErrorCode::UnknownType
            | ErrorCode::InvalidMessage
            | ErrorCode::OutOfRange
            | ErrorCode::InvalidRevision
            | ErrorCode::InvalidCircuit => 400,
            ErrorCode::Unauthorized | ErrorCode::TokenExpired => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::UpgradeRequired => 426,
            ErrorCode::RevisionTooOld
            | ErrorCode::NothingToUndo
            | ErrorCode::SessionArchived
            | ErrorCode::Conflict => 409,
            ErrorCode::MessageTooLarge => 413,
            ErrorCode::RateLimited | ErrorCode::LimitExceeded => 429,
            ErrorCode::Unsupported => 501,
            ErrorCode::Internal => 500,
            ErrorCode::UpstreamFailed => 502,
        }
    }
}

/// The error body shared by every surface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    /// Machine-readable code.
    pub code: ErrorCode,
    /// What happened, in words a user can act on.
    pub message: String,
    /// When to retry, for `RATE_LIMITED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
    /// The request field the error is about (`shots`, `qasm`, …), for `INVALID_MESSAGE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The 1-based source line the error is about, for `INVALID_CIRCUIT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// The 1-based source column (in characters) the error is about, for `INVALID_CIRCUIT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// The oldest revision still available, for `REVISION_TOO_OLD` from the version history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earliest_revision: Option<u64>,
}

impl ApiError {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            retry_after_ms: None,
            field: None,
            line: None,
            column: None,
            earliest_revision: None,
        }
    }

    /// The same error, about request field `field`.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// The same error, about source line `line` and column `column` (both 1-based).
    pub fn with_position(mut self, line: u32, column: u32) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    /// The same error, naming the oldest revision still available.
    pub fn with_earliest_revision(mut self, revision: crate::Revision) -> Self {
        self.earliest_revision = Some(revision.0);
        self
    }

    /// The HTTP body: `{"error": {...}}` (an [`ErrorBody`]).
    pub fn to_http_body(&self) -> String {
        let body = ErrorBody {
            error: self.clone(),
        };
        serde_json::to_string(&body).unwrap_or_else(|_| {
            r#"{"error":{"code":"INTERNAL","message":"error serialization failed"}}"#.to_owned()
        })
    }
}

/// An error as HTTP carries it: `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// The error.
    pub error: ApiError,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_body_has_the_one_shape() {
        let body = ApiError::new(ErrorCode::RateLimited, "slow down").to_http_body();
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["error"]["code"], "RATE_LIMITED");
        assert_eq!(v["error"]["message"], "slow down");
        assert!(v["error"].get("retry_after_ms").is_none());
        assert!(v["error"].get("field").is_none());
        assert!(v["error"].get("line").is_none());
    }

    #[test]
    fn field_and_position_join_the_shape() {
        let body = ApiError::new(ErrorCode::InvalidCircuit, "expected `;`")
            .with_position(3, 7)
            .to_http_body();
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["error"]["code"], "INVALID_CIRCUIT");
        assert_eq!(
            (v["error"]["line"].as_u64(), v["error"]["column"].as_u64()),
            (Some(3), Some(7))
        );
        assert_eq!(ErrorCode::InvalidCircuit.http_status(), 400);
        let body = ApiError::new(ErrorCode::InvalidMessage, "not a number")
            .with_field("shots")
            .to_http_body();
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["error"]["field"], "shots");
    }
}
