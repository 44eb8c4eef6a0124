//! JSON request bodies into typed requests, with errors that name the field at fault (`rate.burst`,
//! `methods[0]`): `MALFORMED_MESSAGE` when the body is not JSON, `INVALID_MESSAGE` with `field` otherwise.

use serde::de::DeserializeOwned;
use synq_core::{ApiError, ErrorCode};

/// Decodes `body` as a `T`.
pub fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let result: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    let value = result.map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::new(
                ErrorCode::MalformedMessage,
                format!("the body is not JSON: {inner}"),
            );
        }
        let message = inner.to_string();
        // serde reports a missing field at its parent; name the field itself.
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|m| m.split('`').next());
        let field = match (path.as_str(), missing) {
            (".", Some(name)) => name.to_owned(),
            (parent, Some(name)) => format!("{parent}.{name}"),
            (".", None) => String::new(),
            (path, None) => path.to_owned(),
        };
        let error = ApiError::new(ErrorCode::InvalidMessage, strip_position(&message));
        if field.is_empty() {
            error
        } else {
            error.with_field(field)
        }
    })?;
    de.end().map_err(|e| {
        ApiError::new(
            ErrorCode::MalformedMessage,
            format!("the body is not one JSON value: {e}"),
        )
    })?;
    Ok(value)
}

/// serde_json's messages end in ` at line L column C`; the field is clearer than that.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limit::QuotaSpec;
    use crate::routes::RouteSpec;

    fn err<T: DeserializeOwned + std::fmt::Debug>(body: &str) -> ApiError {
        decode_json::<T>(body.as_bytes()).unwrap_err()
    }

    #[test]
    fn names_the_field_at_fault() {
        let e = err::<QuotaSpec>(r#"{"rate": {"requests_per_minute": 10, "burst": -1}}"#);
        assert_eq!(
            (e.code, e.field.as_deref()),
            (ErrorCode::InvalidMessage, Some("rate.burst"))
        );
        assert!(!e.message.contains("at line"), "{}", e.message);
        let e = err::<QuotaSpec>(r#"{"rate": {"requests_per_minute": 10}}"#);
        assert_eq!(e.field.as_deref(), Some("rate.burst"));
        assert!(e.message.contains("missing field"));
        let e = err::<QuotaSpec>(r#"{}"#);
        assert_eq!(e.field.as_deref(), Some("rate"));
        let e = err::<QuotaSpec>(r#"{"rate": {"requests_per_minute": 1, "burst": 1}, "extra": 1}"#);
        assert_eq!(e.code, ErrorCode::InvalidMessage);
        assert!(e.message.contains("unknown field `extra`"), "{}", e.message);
        let e =
            err::<RouteSpec>(r#"{"path": "/x", "methods": [1], "target": {"handler": "health"}}"#);
        assert_eq!(e.field.as_deref(), Some("methods[0]"));
        let e = err::<RouteSpec>(
            r#"{"path": "/x", "methods": ["GET"], "target": {"handler": "nope"}}"#,
        );
        assert_eq!(e.field.as_deref(), Some("target.handler"));
    }

    #[test]
    fn not_json_is_malformed() {
        for body in [
            "",
            "{",
            "nope",
            r#"{"rate": {"requests_per_minute": 1, "burst": 1}} {}"#,
        ] {
            assert_eq!(
                err::<QuotaSpec>(body).code,
                ErrorCode::MalformedMessage,
                "{body}"
            );
        }
        assert_eq!(err::<QuotaSpec>("[]").code, ErrorCode::InvalidMessage);
    }
}
