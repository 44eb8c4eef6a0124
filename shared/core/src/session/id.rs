//! Session ids: what the Worker routes and the index stores.

/// Longest session id.
pub const MAX_SESSION_ID_LEN: usize = 128;

/// 1 to 128 characters of `[A-Za-z0-9._-]`: safe in a URL path and as a Durable Object name.
pub fn is_valid_session_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_SESSION_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}
