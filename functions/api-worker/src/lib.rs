//! SynQ Edge API Worker: the HTTP entry point on Cloudflare.
//!
//! Routes:
//! - `GET /healthz` → `200 {"status":"ok"}`
//! - `GET /sessions/{id}/ws` with `Upgrade: websocket` → the `Session` Durable Object named `id`
//! - anything else → `404 {"error":{"code":"NOT_FOUND","message":"…"}}`

use serde_json::json;
use synq_durable_objects::{ROLE_HEADER, USER_HEADER, error_body};
use worker::{Context, Env, Headers, Method, Request, RequestInit, Response, Result, event};

/// Re-exported on purpose: without a reference from this cdylib the linker drops the Durable
/// Object's exports and the `Session` class never reaches the generated JavaScript.
pub use synq_durable_objects::Session;

/// Name of the Durable Object binding in `wrangler.toml`.
const SESSIONS_BINDING: &str = "SESSIONS";
const MAX_SESSION_ID_LEN: usize = 128;

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let path = req.path();
    match route(&req.method(), &path) {
        Route::Health => Response::from_json(&json!({ "status": "ok" })),
        Route::SessionSocket(id) => session_socket(&req, &env, id).await,
        Route::BadSessionId => error(
            400,
            "BAD_REQUEST",
            "session id must be 1-128 characters of [A-Za-z0-9._-]",
        ),
        Route::NotFound => error(
            404,
            "NOT_FOUND",
            &format!("no route for {} {path}", req.method()),
        ),
    }
}

/// Where a request goes. Pure, so it is unit-tested natively.
#[derive(Debug, PartialEq, Eq)]
enum Route<'a> {
    Health,
    SessionSocket(&'a str),
    BadSessionId,
    NotFound,
}

fn route<'a>(method: &Method, path: &'a str) -> Route<'a> {
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

/// Forwards a WebSocket upgrade to the session's Durable Object (`idFromName(id)`).
///
/// The user and role travel to the DO as `x-synq-user` / `x-synq-role` headers. For now they
/// come from the `user` / `role` query parameters; authentication (JWT) replaces this later.
async fn session_socket(req: &Request, env: &Env, id: &str) -> Result<Response> {
    let upgrade = req.headers().get("upgrade")?.unwrap_or_default();
    if !upgrade.eq_ignore_ascii_case("websocket") {
        return error(426, "UPGRADE_REQUIRED", "expected a WebSocket upgrade");
    }

    let url = req.url()?;
    let mut user = String::from("anonymous");
    let mut role = String::from("viewer");
    for (key, value) in url.query_pairs() {
        match key.as_ref() {
            "user" if !value.is_empty() => user = value.into_owned(),
            "role" if !value.is_empty() => role = value.into_owned(),
            _ => {}
        }
    }

    let headers = Headers::new();
    headers.set("upgrade", "websocket")?;
    headers.set(USER_HEADER, &user)?;
    headers.set(ROLE_HEADER, &role)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    // The DO only looks at headers; the URL must merely be absolute.
    let forwarded = Request::new_with_init("https://session.internal/ws", &init)?;

    let stub = env
        .durable_object(SESSIONS_BINDING)?
        .id_from_name(id)?
        .get_stub()?;
    // The DO answers 101 with the client end of its WebSocketPair; returning that response as is
    // hands the socket to the caller.
    stub.fetch_with_request(forwarded).await
}

fn error(status: u16, code: &str, message: &str) -> Result<Response> {
    Ok(Response::from_json(&error_body(code, message))?.with_status(status))
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
