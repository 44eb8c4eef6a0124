//! Where a request goes. Pure, so it is unit-tested natively.

use worker::Method;

const MAX_SESSION_ID_LEN: usize = 128;

/// A routed request.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Route<'a> {
    Health,
    SessionSocket(&'a str),
    BadSessionId,
    NotFound,
}

pub(crate) fn route<'a>(method: &Method, path: &'a str) -> Route<'a> {
    if *method != Method::Get {
        return Route::NotFound;
    }
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["healthz"] => Route::Health,
        ["sessions", id, "ws"] if is_valid_session_id(id) => Route::SessionSocket(id),
        ["sessions", _, "ws"] => Route::BadSessionId,
        _ => Route::NotFound,
    }
}

fn is_valid_session_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_SESSION_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(route(&Method::Get, "/healthz"), Route::Health);
        assert_eq!(
            route(&Method::Get, "/sessions/demo/ws"),
            Route::SessionSocket("demo")
        );
        assert_eq!(
            route(&Method::Get, "/sessions/a.b_c-1/ws"),
            Route::SessionSocket("a.b_c-1")
        );
        assert_eq!(route(&Method::Get, "/sessions//ws"), Route::BadSessionId);
        assert_eq!(
            route(&Method::Get, "/sessions/%20x/ws"),
            Route::BadSessionId
        );
        assert_eq!(route(&Method::Post, "/healthz"), Route::NotFound);
        assert_eq!(route(&Method::Get, "/"), Route::NotFound);
        assert_eq!(route(&Method::Get, "/sessions/demo"), Route::NotFound);
        assert_eq!(
            route(&Method::Get, "/sessions/demo/ws/extra"),
            Route::NotFound
        );
    }

    #[test]
    fn session_id_length_is_bounded() {
        assert!(is_valid_session_id(&"a".repeat(MAX_SESSION_ID_LEN)));
        assert!(!is_valid_session_id(&"a".repeat(MAX_SESSION_ID_LEN + 1)));
    }
}
