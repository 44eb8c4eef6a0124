//! SynQ Edge API Worker: the HTTP entry point on Cloudflare. It authenticates callers, routes each
//! session's WebSocket to that session's Durable Object, and serves the stateless circuit endpoints.
//!
//! Routes:
//! - `GET /healthz` → `200 {"status":"ok"}`
//! - `GET /sessions/{id}/ws` with `Upgrade: websocket` and a JWT (`Authorization: Bearer` or `?token=`)
//!   → the `Session` Durable Object named `id`; `GET /sessions/{id}/yjs` the same, speaking y-websocket
//! - `POST /api/v1/circuits/analyze`, `/simulate` and `/optimize` with a JWT → `synq_circuits_api::handle`,
//!   counted against the caller's rate limit (`RateLimit-*` headers; `429 RATE_LIMITED` over it)
//! - `/api/v1/collaboration/…` with a JWT → `synq_collab::handle`, over D1 (`DB`) and the session DOs
//! - a known path with another method → `405 METHOD_NOT_ALLOWED` with `Allow`
//! - a CORS preflight → `204` for origins in `SYNQ_CORS_ORIGINS`, else `403`; every other answer carries
//!   the CORS headers for an allowed `Origin`
//! - anything else → `404 {"error":{"code":"NOT_FOUND","message":"…"}}`

mod auth;
mod collaboration;
mod cors;
mod d1_index;
mod do_docs;
mod limits;
mod route;

use futures_util::StreamExt;
use synq_circuits_api::{Endpoint, Limits};
use synq_collab::{SessionIndex, effective_role};
use synq_core::auth::Role;
use synq_core::{ApiError, EpochMillis, ErrorCode};
use synq_durable_objects::{EXPIRES_HEADER, NAME_HEADER, ROLE_HEADER, SESSION_HEADER, USER_HEADER};
use synq_gateway::api::RateCounters;
use synq_gateway::limit::{LimitRequest, checks_for};
use worker::{
    Context, Date, Env, Headers, Method, Request, RequestInit, Response, Result, Stub,
    console_warn, event,
};

use d1_index::D1Index;
use route::{Route, route};

/// Re-exported on purpose: without a reference from this cdylib the linker drops the Durable
/// Objects' exports and the classes never reach the generated JavaScript.
pub use synq_durable_objects::{RateLimiter, Session};

/// Name of the Durable Object binding in `wrangler.toml`.
const SESSIONS_BINDING: &str = "SESSIONS";

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, _ctx: Context) -> Result<Response> {
    if let Some((headers, refusal)) = cors::preflight(&req, &env) {
        let response = match refusal {
            None => Response::empty()?.with_status(204),
            Some(error) => error_response(&error)?,
        };
        return Ok(with_headers(response, &headers));
    }
    let response = serve(&mut req, &env).await?;
    cors::decorate(&req, &env, response)
}

async fn serve(req: &mut Request, env: &Env) -> Result<Response> {
    let path = req.path();
    match route(&req.method(), &path) {
        Route::Health => Response::ok(r#"{"status":"ok"}"#).map(json),
        Route::SessionSocket(id) => match session_socket(req, env, id, "ws").await {
            Ok(response) => Ok(response),
            Err(error) => error_response(&error),
        },
        Route::SessionYjs(id) => match session_socket(req, env, id, "yjs").await {
            Ok(response) => Ok(response),
            Err(error) => error_response(&error),
        },
        Route::BadSessionId => error_response(&ApiError::new(
            ErrorCode::InvalidMessage,
            "a session id is 1 to 128 characters of [A-Za-z0-9._-]",
        )),
        Route::Circuits(endpoint) => {
            let (result, headers) = circuits(req, env, endpoint).await;
            let response = match result {
                Ok(body) => Response::ok(body).map(json)?,
                Err(error) => error_response(&error)?,
            };
            Ok(with_headers(response, &headers))
        }
        Route::Collaboration => match collaboration::serve(req, env).await {
            Ok(response) => Ok(response),
            Err(error) => error_response(&error),
        },
        Route::MethodNotAllowed { allow } => {
            let error = ApiError::new(
                ErrorCode::MethodNotAllowed,
                format!("{path} takes {allow}, not {}", req.method()),
            );
            let mut response = error_response(&error)?;
            response.headers_mut().set("allow", allow.as_ref())?;
            Ok(response)
        }
        Route::NotFound => error_response(&ApiError::new(
            ErrorCode::NotFound,
            format!("no route for {} {path}", req.method()),
        )),
    }
}

fn json(response: Response) -> Response {
    let headers = Headers::new();
    // Setting a literal header on fresh Headers cannot fail.
    let _ = headers.set("content-type", "application/json");
    response.with_headers(headers)
}

/// `response` with `extra` added to its headers.
fn with_headers(mut response: Response, extra: &Headers) -> Response {
    for (name, value) in extra.entries() {
        // Names and values came from a `Headers`, so they are valid.
        let _ = response.headers_mut().set(&name, &value);
    }
    response
}

fn error_response(error: &ApiError) -> Result<Response> {
    Ok(json(
        Response::ok(error.to_http_body())?.with_status(error.code.http_status()),
    ))
}

/// A circuit endpoint: any valid token (roles are per session and do not apply), within the caller's
/// rate limit, a bounded body, then the core's handler. The seed for simulations without one comes from
/// here: the core has no randomness. Returns the rate-limit headers beside the result.
async fn circuits(
    req: &mut Request,
    env: &Env,
    endpoint: Endpoint,
) -> (std::result::Result<String, ApiError>, Headers) {
    let headers = match rate_limited(req, env).await {
        Ok(headers) => headers,
        Err((error, headers)) => return (Err(error), headers),
    };
    let limits = Limits::default();
    let result = match read_body(req, |bytes| limits.check_body_size(bytes)).await {
        Ok(body) => synq_circuits_api::handle(endpoint, &body, random_seed(), &limits),
        Err(error) => Err(error),
    };
    (result, headers)
}

/// Authenticates the caller and counts the request against their limits: the rate-limit headers to send,
/// or the error (`401`, `429` with its headers) to answer instead.
async fn rate_limited(
    req: &Request,
    env: &Env,
) -> std::result::Result<Headers, (ApiError, Headers)> {
    let bare = |error| (error, Headers::new());
    let principal = auth::principal(req, env).map_err(bare)?;
    let request = LimitRequest {
        checks: checks_for(&principal, None, None, None, limits::default_rate(env)),
        consume: true,
    };
    let now = EpochMillis(Date::now().as_millis());
    let counters = limits::DurableCounters::new(env).map_err(bare)?;
    let decision = counters
        .decide(&principal.user, &request, now)
        .await
        .map_err(|e| bare(e.into()))?;
    limits::verdict(&decision, now)
}

/// The request body, refused as soon as it is known to be over the limit: by its `content-length`, or
/// while it streams in (a chunked body has none).
async fn read_body(
    req: &mut Request,
    check_size: impl Fn(u64) -> std::result::Result<(), ApiError>,
) -> std::result::Result<Vec<u8>, ApiError> {
    let declared = req
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<u64>().ok());
    if let Some(len) = declared {
        check_size(len)?;
    }
    // No body at all reads as empty (and is then refused as not JSON).
    let Ok(mut stream) = req.stream() else {
        return Ok(Vec::new());
    };
    let mut body = Vec::new();
    let mut received = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::new(
                ErrorCode::InvalidMessage,
                format!("could not read the body: {e}"),
            )
        })?;
        received = received.saturating_add(chunk.len() as u64);
        // Over the limit, the rest is read and dropped: answering while the client is still sending
        // loses the answer (and, under `wrangler dev`, the next request). Memory stays bounded.
        if check_size(received).is_ok() {
            body.extend_from_slice(&chunk);
        }
    }
    check_size(received)?;
    Ok(body)
}

/// 53 random bits (so that JavaScript clients can send the seed back unchanged).
fn random_seed() -> u64 {
    let high = (worker::js_sys::Math::random() * f64::from(1u32 << 21)) as u64;
    let low = (worker::js_sys::Math::random() * 4_294_967_296.0) as u64;
    (high << 32) | low
}

/// Authenticates the caller, finds their role in the session, and forwards the upgrade to the
/// session's Durable Object (`idFromName(id)`) with who they are in headers; `protocol` (`ws` or `yjs`,
/// the last path segment) tells the DO which protocol the socket speaks.
async fn session_socket(
    req: &Request,
    env: &Env,
    id: &str,
    protocol: &str,
) -> std::result::Result<Response, ApiError> {
    let upgrade = req
        .headers()
        .get("upgrade")
        .ok()
        .flatten()
        .unwrap_or_default();
    if !upgrade.eq_ignore_ascii_case("websocket") {
        return Err(ApiError::new(
            ErrorCode::UpgradeRequired,
            "expected a WebSocket upgrade",
        ));
    }
    let verified = auth::authenticate(req, env)?;
    let claims = &verified.claims;
    let role = effective_role(claims.role_in(id), granted_role(env, id, &claims.sub).await);
    let role = role.ok_or_else(|| {
        ApiError::new(
            ErrorCode::Forbidden,
            format!("`{}` has no role in session `{id}`", claims.sub),
        )
    })?;

    let internal = |e: worker::Error| ApiError::new(ErrorCode::Internal, e.to_string());
    let headers = Headers::new();
    headers.set("upgrade", "websocket").map_err(internal)?;
    headers.set(SESSION_HEADER, id).map_err(internal)?;
    headers.set(USER_HEADER, &claims.sub).map_err(internal)?;
    headers.set(ROLE_HEADER, role.as_str()).map_err(internal)?;
    headers
        .set(EXPIRES_HEADER, &verified.valid_until.0.to_string())
        .map_err(internal)?;
    if let Some(name) = &claims.name {
        headers.set(NAME_HEADER, name).map_err(internal)?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    // The DO reads the headers and the protocol from the path; the URL must merely be absolute.
    let forwarded = Request::new_with_init(&format!("https://session.internal/{protocol}"), &init)
        .map_err(internal)?;
    let stub = session_stub(env, id)?;
    // The DO answers 101 with the client end of its WebSocketPair; passing it on hands over the socket.
    stub.fetch_with_request(forwarded).await.map_err(internal)
}

/// The session's Durable Object (`idFromName(id)`).
fn session_stub(env: &Env, id: &str) -> std::result::Result<Stub, ApiError> {
    let internal = |e: worker::Error| ApiError::new(ErrorCode::Internal, e.to_string());
    let namespace = env.durable_object(SESSIONS_BINDING).map_err(internal)?;
    namespace
        .id_from_name(id)
        .and_then(|id| id.get_stub())
        .map_err(internal)
}

/// The role the session's owners granted `user` in the index, if any. Grants only add to what the token
/// gives, so if the index cannot be read the token's role stands alone (logged).
async fn granted_role(env: &Env, id: &str, user: &str) -> Option<Role> {
    let granted = match D1Index::new(env) {
        Ok(index) => index.participant(id, user).await,
        Err(e) => Err(e),
    };
    granted
        .inspect_err(|e| console_warn!("session socket: reading grants failed: {e}"))
        .ok()
        .flatten()
        .map(|p| p.role)
}
