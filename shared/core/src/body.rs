//! JSON request bodies of the REST surfaces: an object holding only known fields, and errors that name
//! the field at fault (`INVALID_MESSAGE` with `field`).

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{ApiError, ErrorCode};

/// `INVALID_MESSAGE` about request field `field`.
pub fn invalid_field(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidMessage, message).with_field(field)
}

/// The body as a JSON object holding only `allowed` keys: `MALFORMED_MESSAGE` if it is not JSON,
/// `INVALID_MESSAGE` if it is not an object or has another key (named in `field`).
pub fn json_object(body: &[u8], allowed: &[&str]) -> Result<Map<String, Value>, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            ErrorCode::MalformedMessage,
            format!("the body is not JSON: {e}"),
        )
    })?;
    let Value::Object(map) = value else {
        return Err(ApiError::new(
            ErrorCode::InvalidMessage,
            "the body must be a JSON object",
        ));
    };
    if let Some(key) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(invalid_field(
            key,
            format!(
                "unknown field `{key}`; the fields are {}",
                allowed
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    Ok(map)
}

/// Field `field` of a body read by [`json_object`], removed from it: `None` when absent or `null`,
/// `INVALID_MESSAGE` naming it when it does not have the expected shape.
pub fn take_field<T: DeserializeOwned>(
    map: &mut Map<String, Value>,
    field: &str,
) -> Result<Option<T>, ApiError> {
    match map.remove(field) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => serde_json::from_value(value)
            .map(Some)
            .map_err(|e| invalid_field(field, format!("`{field}` is not valid: {e}"))),
    }
}

/// [`take_field`] for a field that must be there.
pub fn require_field<T: DeserializeOwned>(
    map: &mut Map<String, Value>,
    field: &str,
) -> Result<T, ApiError> {
    take_field(map, field)?.ok_or_else(|| invalid_field(field, format!("`{field}` is required")))
}
