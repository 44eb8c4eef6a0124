//! Request bodies and query parameters, read field by field so that every error names its field.

use std::collections::BTreeMap;

use synq_core::auth::Role;
use synq_core::body::{invalid_field, json_object, require_field, take_field};
use synq_core::protocol::{LineCol, Operation, Span, UserInfo};
use synq_core::{ApiError, Revision};

/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 5_000;
/// Longest user id or operation id, in characters.
pub const MAX_ID_CHARS: usize = 128;

/// Text of 1 to `max` characters, not blank, without control characters (line breaks allowed if
/// `multiline`).
fn text(field: &str, value: String, max: usize, multiline: bool) -> Result<String, ApiError> {
    let control = |c: char| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t'));
    if value.trim().is_empty() || value.chars().count() > max || value.chars().any(control) {
        return Err(invalid_field(
            field,
            format!("`{field}` is 1 to {max} characters, not blank, without control characters"),
        ));
    }
    Ok(value)
}

/// A user id or operation id: 1 to 128 characters, no control characters.
pub(crate) fn id(field: &str, value: String) -> Result<String, ApiError> {
    if value.is_empty()
        || value.chars().count() > MAX_ID_CHARS
        || value.chars().any(char::is_control)
    {
        return Err(invalid_field(
            field,
            format!("`{field}` is 1 to {MAX_ID_CHARS} characters without control characters"),
        ));
    }
    Ok(value)
}

fn description(value: Option<String>) -> Result<Option<String>, ApiError> {
    match value {
        Some(d) if d.chars().count() > MAX_DESCRIPTION_CHARS => Err(invalid_field(
            "description",
            format!("`description` is at most {MAX_DESCRIPTION_CHARS} characters"),
        )),
        other => Ok(other),
    }
}

/// `POST /sessions`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct NewSession {
    pub(crate) title: String,
    /// Optional in the body (empty when absent).
    #[cfg_attr(feature = "openapi", schema(required = false))]
    pub(crate) description: String,
}

pub(crate) fn new_session(body: &[u8]) -> Result<NewSession, ApiError> {
    let mut map = json_object(body, &["title", "description"])?;
    Ok(NewSession {
        title: text(
            "title",
            require_field(&mut map, "title")?,
            MAX_TITLE_CHARS,
            false,
        )?,
        description: description(take_field(&mut map, "description")?)?.unwrap_or_default(),
    })
}

/// `PATCH /sessions/{id}`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct SessionChanges {
    pub(crate) title: Option<String>,
    pub(crate) description: Option<String>,
}

pub(crate) fn session_changes(body: &[u8]) -> Result<SessionChanges, ApiError> {
    let mut map = json_object(body, &["title", "description"])?;
    let title = take_field(&mut map, "title")?
        .map(|t| text("title", t, MAX_TITLE_CHARS, false))
        .transpose()?;
    let description = description(take_field(&mut map, "description")?)?;
    if title.is_none() && description.is_none() {
        return Err(invalid_field(
            "title",
            "give `title`, `description` or both",
        ));
    }
    Ok(SessionChanges { title, description })
}

/// `POST /sessions/{id}/participants`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct Grant {
    pub(crate) user_id: String,
    pub(crate) role: Role,
}

pub(crate) fn grant(body: &[u8]) -> Result<Grant, ApiError> {
    let mut map = json_object(body, &["user_id", "role"])?;
    Ok(Grant {
        user_id: id("user_id", require_field(&mut map, "user_id")?)?,
        role: require_field(&mut map, "role")?,
    })
}

/// `PUT /sessions/{id}/presence`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct PresenceUpdate {
    pub(crate) cursor: Option<LineCol>,
    pub(crate) selection: Option<Span>,
    pub(crate) user_info: Option<UserInfo>,
}

pub(crate) fn presence(body: &[u8]) -> Result<PresenceUpdate, ApiError> {
    let mut map = json_object(body, &["cursor", "selection", "user_info"])?;
    let update = PresenceUpdate {
        cursor: take_field(&mut map, "cursor")?,
        selection: take_field(&mut map, "selection")?,
        user_info: take_field(&mut map, "user_info")?,
    };
    if update.cursor.is_none() && update.selection.is_none() && update.user_info.is_none() {
        return Err(invalid_field(
            "cursor",
            "give at least one of `cursor`, `selection`, `user_info`",
        ));
    }
    Ok(update)
}

/// `POST /sessions/{id}/edits`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct EditRequest {
    pub(crate) operation: Operation,
    pub(crate) version: Revision,
    pub(crate) operation_id: String,
}

pub(crate) fn edit(body: &[u8]) -> Result<EditRequest, ApiError> {
    let mut map = json_object(body, &["operation", "version", "operation_id"])?;
    let operation: Operation = require_field(&mut map, "operation")?;
    if operation.as_edit().is_none() {
        return Err(invalid_field(
            "operation",
            "`operation` is an `insert`, `delete` or `transform`",
        ));
    }
    Ok(EditRequest {
        operation,
        version: require_field(&mut map, "version")?,
        operation_id: id("operation_id", require_field(&mut map, "operation_id")?)?,
    })
}

/// `POST /sessions/{id}/comments`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct NewComment {
    pub(crate) line: u32,
    pub(crate) text: String,
    pub(crate) operation_id: Option<String>,
}

pub(crate) fn comment(body: &[u8]) -> Result<NewComment, ApiError> {
    let mut map = json_object(body, &["line", "text", "operation_id"])?;
    Ok(NewComment {
        line: require_field(&mut map, "line")?,
        text: require_field(&mut map, "text")?,
        operation_id: take_field(&mut map, "operation_id")?
            .map(|v| id("operation_id", v))
            .transpose()?,
    })
}

/// `POST /sessions/{id}/checkpoints`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct NewCheckpoint {
    pub(crate) name: String,
    pub(crate) revision: Option<Revision>,
}

pub(crate) fn checkpoint(body: &[u8]) -> Result<NewCheckpoint, ApiError> {
    let mut map = json_object(body, &["name", "revision"])?;
    Ok(NewCheckpoint {
        name: require_field(&mut map, "name")?,
        revision: take_field(&mut map, "revision")?,
    })
}

/// `POST /sessions/{id}/branches`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub(crate) struct NewBranch {
    pub(crate) revision: Option<Revision>,
    pub(crate) checkpoint: Option<String>,
    pub(crate) title: Option<String>,
}

pub(crate) fn branch(body: &[u8]) -> Result<NewBranch, ApiError> {
    let mut map = json_object(body, &["revision", "checkpoint", "title"])?;
    let branch = NewBranch {
        revision: take_field(&mut map, "revision")?,
        checkpoint: take_field(&mut map, "checkpoint")?,
        title: take_field(&mut map, "title")?
            .map(|t| text("title", t, MAX_TITLE_CHARS, false))
            .transpose()?,
    };
    if branch.revision.is_some() && branch.checkpoint.is_some() {
        return Err(invalid_field(
            "checkpoint",
            "fork at a `revision` or a `checkpoint`, not both",
        ));
    }
    Ok(branch)
}

/// `POST /sessions/{id}/merge`: no fields (an empty body or `{}`).
pub(crate) fn merge(body: &[u8]) -> Result<(), ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    json_object(body, &[]).map(drop)
}

/// The query parameters, each at most once, none but `allowed` (and `token`, which authenticates).
pub(crate) fn params<'q>(
    query: &'q [(String, String)],
    allowed: &[&str],
) -> Result<BTreeMap<&'q str, &'q str>, ApiError> {
    let mut params = BTreeMap::new();
    for (key, value) in query {
        if key == "token" {
            continue;
        }
        if !allowed.contains(&key.as_str()) {
            let known = allowed.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>();
            return Err(invalid_field(
                key,
                format!("unknown parameter `{key}`; this takes {}", known.join(", ")),
            ));
        }
        if params.insert(key.as_str(), value.as_str()).is_some() {
            return Err(invalid_field(key, format!("`{key}` is given twice")));
        }
    }
    Ok(params)
}

/// A revision parameter.
pub(crate) fn revision_param(
    params: &BTreeMap<&str, &str>,
    field: &str,
) -> Result<Option<Revision>, ApiError> {
    params
        .get(field)
        .map(|v| {
            v.parse::<u64>().map(Revision).map_err(|_| {
                invalid_field(field, format!("`{field}` is a revision: a whole number"))
            })
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field<T>(r: Result<T, ApiError>) -> String {
        r.err().and_then(|e| e.field).unwrap_or_default()
    }

    #[test]
    fn each_error_names_its_field() {
        assert_eq!(field(new_session(br#"{}"#)), "title");
        assert_eq!(field(new_session(br#"{"title": "  "}"#)), "title");
        assert_eq!(field(new_session(br#"{"title": 5}"#)), "title");
        assert_eq!(
            field(new_session(br#"{"title": "t", "owner": "x"}"#)),
            "owner"
        );
        let long = format!(r#"{{"title": "t", "description": "{}"}}"#, "d".repeat(5001));
        assert_eq!(field(new_session(long.as_bytes())), "description");
        assert_eq!(field(session_changes(br#"{}"#)), "title");
        assert_eq!(
            field(grant(br#"{"user_id": "bo", "role": "admin"}"#)),
            "role"
        );
        assert_eq!(
            field(grant(br#"{"user_id": "", "role": "editor"}"#)),
            "user_id"
        );
        assert_eq!(
            field(presence(br#"{"cursor": {"line": -1, "column": 0}}"#)),
            "cursor"
        );
        assert_eq!(field(presence(br#"{}"#)), "cursor");
        assert_eq!(
            field(edit(br#"{"operation": {"type": "cursor", "line": 0, "column": 0}, "version": 0, "operation_id": "a"}"#)),
            "operation"
        );
        assert_eq!(
            field(edit(br#"{"operation": {"type": "insert", "position": 0, "content": "x"}, "operation_id": "a"}"#)),
            "version"
        );
        assert_eq!(field(comment(br#"{"line": 0}"#)), "text");
        assert_eq!(
            field(branch(br#"{"revision": 1, "checkpoint": "c"}"#)),
            "checkpoint"
        );
        assert!(merge(b"").is_ok() && merge(b" {} ").is_ok());
        assert_eq!(field(merge(br#"{"force": true}"#)), "force");
        let query = vec![
            ("limit".to_owned(), "5".to_owned()),
            ("sort".to_owned(), "x".to_owned()),
        ];
        assert_eq!(field(params(&query, &["limit"])), "sort");
        let twice = vec![
            ("limit".to_owned(), "5".to_owned()),
            ("limit".to_owned(), "6".to_owned()),
        ];
        assert_eq!(field(params(&twice, &["limit"])), "limit");
    }

    #[test]
    fn reads_good_bodies() {
        let e = edit(br#"{"operation": {"type": "insert", "position": 2, "content": "x"}, "version": 4, "operation_id": "op-1"}"#).unwrap();
        assert_eq!((e.version, e.operation_id.as_str()), (Revision(4), "op-1"));
        let g = grant(br#"{"user_id": "auth0|bo", "role": "viewer"}"#).unwrap();
        assert_eq!((g.user_id.as_str(), g.role), ("auth0|bo", Role::Viewer));
        let s = new_session(br#"{"title": "Bell pair"}"#).unwrap();
        assert_eq!(
            (s.title.as_str(), s.description.as_str()),
            ("Bell pair", "")
        );
    }
}
