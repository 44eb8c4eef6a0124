//! SynQ Edge API Worker: the HTTP entry point on Cloudflare and the API gateway. It authenticates callers
//! (a JWT or an API key), counts their requests against their rate limits and quotas, records analytics,
//! routes each session's WebSocket to that session's Durable Object, and serves the REST API.
//!
//! Routes (built-in first; custom routes only where none of these matched):
//! - `GET /healthz` → `200 {"status":"ok"}` (not counted, not recorded)
//! - `GET /sessions/{id}/ws` with `Upgrade: websocket` and a JWT or API key (`Authorization: Bearer`,
//!   `X-API-Key` or `?token=`) → the `Session` Durable Object named `id`; `GET /sessions/{id}/yjs` the
//!   same, speaking y-websocket
//! - `POST /api/v1/circuits/analyze`, `/simulate` and `/optimize` → `synq_circuits_api::handle`
//! - `/api/v1/collaboration/…` → `synq_collab::handle`, over D1 (`DB`) and the session DOs
//! - `/api/v1/gateway/…` → `synq_gateway::api::handle`, over D1 and the `RateLimiter` DOs
//! - `/api/v1/training/…` → `synq_training_api::handle`, over D1 (jobs, model versions) and R2 (`MODELS`)
//! - `GET /api/v1/openapi.json`, `GET /api/v1/docs` → the OpenAPI document and its page
//! - any other path → the custom routes stored through the gateway API, else `404`
//!
//! Every authenticated REST request is counted against the caller's limits (`RateLimit-*` headers;
//! `429 RATE_LIMITED` over them). A known path with another method → `405 METHOD_NOT_ALLOWED` with
//! `Allow`. A CORS preflight → `204` for origins in `SYNQ_CORS_ORIGINS`, else `403`; every other answer
//! carries the CORS headers for an allowed `Origin`. Errors have the one shape
//! `{"error":{"code","message",…}}`.

mod analytics;
mod auth;
mod collaboration;
mod cors;
mod custom_routes;
mod d1;
mod d1_gateway;
mod d1_index;
mod d1_training;
mod do_docs;
mod gate;
mod gateway;
mod key_sockets;
mod limits;
mod openapi;
mod route;
mod training;

use futures_util::StreamExt;
use synq_circuits_api::{Endpoint, Limits};
use synq_collab::{SessionIndex, SocketJoin, effective_role, index_on_join};
use synq_core::auth::Role;
use synq_core::{ApiError, EpochMillis, ErrorCode};
pub(crate) use synq_durable_objects::json;
use synq_durable_objects::{
    EXPIRES_HEADER, KEY_HEADER, NAME_HEADER, READ_ONLY_HEADER, ROLE_HEADER, SESSION_HEADER,
    TOKEN_ROLE_HEADER, USER_HEADER, error_response,
};
use synq_gateway::Scope;
use synq_gateway::analytics::RequestRecord;
use synq_gateway::routes::reserved_prefix;
use worker::{
    ByteStream, Context, Date, Env, Headers, Method, Request, RequestInit, Response, Result, Stub,
    console_warn, event,
};

use d1_gateway::D1Gateway;
use d1_index::D1Index;
use gate::Refused;
use route::{Route, route};

/// Re-exported on purpose: without a reference from this cdylib the linker drops the Durable
/// Objects' exports and the classes never reach the generated JavaScript.
pub use synq_durable_objects::{RateLimiter, Session};

/// Name of the Durable Object binding in `wrangler.toml`.
const SESSIONS_BINDING: &str = "SESSIONS";

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, ctx: Context) -> Result<Response> {
    let started = Date::now().as_millis();
    if let Some((headers, refusal)) = cors::preflight(&req, &env) {
        let response = match refusal {
            None => Response::empty()?.with_status(204),
            Some(error) => error_response(&error)?,
        };
        return Ok(with_headers(response, &headers));
    }
    let served = serve(&mut req, &env).await?;
    let response = cors::decorate(&req, &env, served.response)?;
    if let Some(route) = served.route {
        let record = RequestRecord {
            at: EpochMillis(started),
            route,
            status: response.status_code(),
            principal: served.principal.unwrap_or_default(),
            latency_ms: Date::now().as_millis().saturating_sub(started),
        };
        analytics::record(&ctx, &env, record);
    }
    Ok(response)
}

/// An answer, and what analytics record about it.
pub(crate) struct Served {
    response: Response,
    /// The route's name in analytics (`None`: not recorded).
    route: Option<String>,
    /// The caller (`user:…` or `key:…`), once authenticated.
    principal: Option<String>,
}

impl Served {
    /// `result` (its error in the one shape) with `headers` added.
    pub(crate) fn answer(
        result: std::result::Result<Response, ApiError>,
        headers: &Headers,
        route: &str,
        principal: Option<String>,
    ) -> Result<Served> {
        let response = match result {
            Ok(response) => response,
            Err(error) => error_response(&error)?,
        };
        Ok(Served {
            response: with_headers(response, headers),
            route: Some(route.to_owned()),
            principal,
        })
    }

    pub(crate) fn error(
        error: &ApiError,
        route: &str,
        principal: Option<String>,
    ) -> Result<Served> {
        Served::answer(Err(error.clone()), &Headers::new(), route, principal)
    }

    /// `405` for a path that takes only `allow`.
    pub(crate) fn method_not_allowed(req: &Request, allow: &str, route: &str) -> Result<Served> {
        let error = ApiError::new(
            ErrorCode::MethodNotAllowed,
            format!("{} takes {allow}, not {}", req.path(), req.method()),
        );
        let headers = Headers::new();
        headers.set("allow", allow)?;
        Served::answer(Err(error), &headers, route, None)
    }

    pub(crate) fn not_found(req: &Request, route: &str) -> Result<Served> {
        let error = ApiError::new(
            ErrorCode::NotFound,
            format!("no route for {} {}", req.method(), req.path()),
        );
        Served::error(&error, route, None)
    }
}

impl Refused {
    /// The refusal as an answer, with its rate-limit headers.
    pub(crate) fn served(self, route: &str) -> Result<Served> {
        Served::answer(Err(self.error), &self.headers, route, self.principal)
    }
}

async fn serve(req: &mut Request, env: &Env) -> Result<Served> {
    let path = req.path();
    match route(&req.method(), &path) {
        Route::Health => Ok(Served {
            response: Response::ok(r#"{"status":"ok"}"#).map(json)?,
            route: None,
            principal: None,
        }),
        Route::SessionSocket(id) => session_socket(req, env, id, "ws").await,
        Route::SessionYjs(id) => session_socket(req, env, id, "yjs").await,
        Route::BadSessionId => Served::error(
            &ApiError::new(
                ErrorCode::InvalidMessage,
                "a session id is 1 to 128 characters of [A-Za-z0-9._-]",
            ),
            "sessions.ws",
            None,
        ),
        Route::Circuits(endpoint) => circuits(req, env, endpoint).await,
        Route::Collaboration => collaboration::serve(req, env).await,
        Route::Gateway(rest) => gateway::serve(req, env, rest).await,
        Route::Training(rest) => training::serve(req, env, rest).await,
        Route::OpenApi => Served::answer(openapi::document(), &Headers::new(), "openapi", None),
        Route::Docs => Served::answer(openapi::page(), &Headers::new(), "docs", None),
        Route::MethodNotAllowed { allow } => {
            Served::method_not_allowed(req, allow.as_ref(), "builtin")
        }
        Route::NotFound if reserved_prefix(&path).is_some() => Served::not_found(req, "not_found"),
        Route::NotFound => custom_routes::serve(req, env).await,
    }
}

/// `response` with `extra` added to its headers.
fn with_headers(mut response: Response, extra: &Headers) -> Response {
    for (name, value) in extra.entries() {
        // Names and values came from a `Headers`, so they are valid.
        let _ = response.headers_mut().set(&name, &value);
    }
    response
}

/// The analytics name of a circuit endpoint.
fn circuit_name(endpoint: Endpoint) -> &'static str {
    match endpoint {
        Endpoint::Analyze => "circuits.analyze",
        Endpoint::Simulate => "circuits.simulate",
        Endpoint::Optimize => "circuits.optimize",
    }
}

/// A circuit endpoint: any caller whose scopes include `read` (the endpoints compute and change nothing),
/// within their rate limit, a bounded body, then the core's handler. The seed for simulations without one
/// comes from here: the core has no randomness.
async fn circuits(req: &mut Request, env: &Env, endpoint: Endpoint) -> Result<Served> {
    let name = circuit_name(endpoint);
    let store = match d1_gateway::open(env) {
        Ok(store) => store,
        Err(e) => return Served::error(&e.into(), name, None),
    };
    let admitted = match gate::admit(req, env, &store, Some(Scope::Read), None).await {
        Ok(admitted) => admitted,
        Err(refused) => return refused.served(name),
    };
    let limits = Limits::default();
    let result = match read_body(req, |bytes| limits.check_body_size(bytes)).await {
        Ok(body) => {
            synq_circuits_api::handle(endpoint, &body, random_seed(), &limits).and_then(|answer| {
                Response::ok(answer)
                    .map(json)
                    .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))
            })
        }
        Err(error) => Err(error),
    };
    let principal = Some(admitted.caller.principal.id());
    Served::answer(result, &admitted.headers, name, principal)
}

/// A body-size check for [`read_body`]: more than `max` bytes is `413 MESSAGE_TOO_LARGE`.
pub(crate) fn at_most(max: u64) -> impl Fn(u64) -> std::result::Result<(), ApiError> {
    move |bytes| {
        if bytes > max {
            return Err(ApiError::new(
                ErrorCode::MessageTooLarge,
                format!("the body is over {max} bytes"),
            ));
        }
        Ok(())
    }
}

/// The request body, refused as soon as it is known to be over the limit: by its `content-length`, or
/// while it streams in (a chunked body has none).
async fn read_body(
    req: &mut Request,
    check_size: impl Fn(u64) -> std::result::Result<(), ApiError>,
) -> std::result::Result<Vec<u8>, ApiError> {
    let declared = content_length(req.headers());
    read_capped(declared, || req.stream(), check_size).await
}

/// The `content-length` a message declares, if any.
pub(crate) fn content_length(headers: &Headers) -> Option<u64> {
    headers
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<u64>().ok())
}

/// A body of at most what `check_size` allows, refused by its declared length or as soon as it streams
/// past the limit. The stream is taken only when it is to be read: a body refused by its declared length
/// is left untouched (a locked, unread request body loses the next request under `wrangler dev`).
pub(crate) async fn read_capped(
    declared: Option<u64>,
    stream: impl FnOnce() -> Result<ByteStream>,
    check_size: impl Fn(u64) -> std::result::Result<(), ApiError>,
) -> std::result::Result<Vec<u8>, ApiError> {
    if let Some(len) = declared {
        check_size(len)?;
    }
    // No body at all reads as empty (and a request's is then refused as not JSON).
    let Ok(mut stream) = stream() else {
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

/// The request's URL and its query parameters, without `token` (a credential the gate read, not a
/// parameter of the API).
pub(crate) fn url_and_query(
    req: &Request,
) -> std::result::Result<(worker::Url, Vec<(String, String)>), ApiError> {
    let url = req
        .url()
        .map_err(|e| ApiError::new(ErrorCode::InvalidMessage, e.to_string()))?;
    let query = url
        .query_pairs()
        .into_owned()
        .filter(|(k, _)| k != "token")
        .collect();
    Ok((url, query))
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
async fn session_socket(req: &Request, env: &Env, id: &str, protocol: &str) -> Result<Served> {
    let name = if protocol == "yjs" {
        "sessions.yjs"
    } else {
        "sessions.ws"
    };
    let store = match d1_gateway::open(env) {
        Ok(store) => store,
        Err(e) => return Served::error(&e.into(), name, None),
    };
    let caller = match socket_caller(req, env, &store).await {
        Ok(caller) => caller,
        Err(error) => return Served::error(&error, name, None),
    };
    let principal = Some(caller.principal.id());
    if let Err(error) = caller.principal.may_join() {
        return Served::error(&error, name, principal);
    }
    if let Some(key) = &caller.principal.key
        && let Err(error) = key_sockets::note(&store, key, id).await
    {
        return Served::error(&error, name, principal);
    }
    let result = forward_socket(env, id, protocol, &caller).await;
    Served::answer(result, &Headers::new(), name, principal)
}

/// The caller of a WebSocket upgrade (not counted against the HTTP limits: connections have their own).
async fn socket_caller(
    req: &Request,
    env: &Env,
    store: &D1Gateway,
) -> std::result::Result<synq_gateway::Caller, ApiError> {
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
    auth::caller(req, env, store).await
}

async fn forward_socket(
    env: &Env,
    id: &str,
    protocol: &str,
    caller: &synq_gateway::Caller,
) -> std::result::Result<Response, ApiError> {
    let claims = &caller.claims;
    let token_role = claims.role_in(id);
    let granted = granted_role(env, id, &claims.sub).await;
    let role = effective_role(token_role, granted).ok_or_else(|| {
        ApiError::new(
            ErrorCode::Forbidden,
            format!("`{}` has no role in session `{id}`", claims.sub),
        )
    })?;
    // A key without `write` reads only, whatever its owner may do (the session keeps that through grants).
    let read_only = caller.principal.reads_only();
    let role = caller.principal.join_role(role);
    let join = SocketJoin {
        session_id: id,
        user_id: &claims.sub,
        token_role,
        granted,
        read_only,
    };
    index_socket_session(env, &join).await;

    let internal = |e: worker::Error| ApiError::new(ErrorCode::Internal, e.to_string());
    let headers = Headers::new();
    headers.set("upgrade", "websocket").map_err(internal)?;
    headers.set(SESSION_HEADER, id).map_err(internal)?;
    headers.set(USER_HEADER, &claims.sub).map_err(internal)?;
    headers.set(ROLE_HEADER, role.as_str()).map_err(internal)?;
    // What the session needs to apply a later change of the user's grant to this socket.
    if let Some(token_role) = token_role {
        headers
            .set(TOKEN_ROLE_HEADER, token_role.as_str())
            .map_err(internal)?;
    }
    if read_only {
        headers.set(READ_ONLY_HEADER, "1").map_err(internal)?;
    }
    if let Some(until) = caller.valid_until {
        headers
            .set(EXPIRES_HEADER, &until.0.to_string())
            .map_err(internal)?;
    }
    if let Some(name) = &claims.name {
        headers.set(NAME_HEADER, name).map_err(internal)?;
    }
    if let Some(key) = &caller.principal.key {
        headers.set(KEY_HEADER, key).map_err(internal)?;
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
/// Indexes a session opened by WebSocket alone at its owner's first join ([`index_on_join`]). The
/// socket does not depend on it: a failure is logged and the join goes on.
async fn index_socket_session(env: &Env, join: &SocketJoin<'_>) {
    let now = EpochMillis(Date::now().as_millis());
    let indexed = match D1Index::new(env) {
        Ok(index) => index_on_join(&index, join, now).await,
        Err(e) => Err(e),
    };
    if let Err(e) = indexed {
        console_warn!("session socket: indexing the session failed: {e}");
    }
}

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
