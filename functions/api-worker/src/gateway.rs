//! `/api/v1/gateway/…`: the gateway's REST API (`synq_gateway::api`) over the D1 store and the
//! `RateLimiter` objects. The handlers check scopes; this authenticates, counts, reads the body, and
//! forgets the isolate's cached copies of what a request changed.

use std::collections::BTreeMap;

use synq_core::{ApiError, EpochMillis, ErrorCode};
use synq_gateway::Principal;
use synq_gateway::api::{self, Context, Endpoint, GatewayRoute, Reply};
use synq_gateway::keys::KEY_ENTROPY;
use worker::{Date, Env, Headers, Request, Response};

use crate::d1_gateway::{self, D1Gateway};
use crate::gate::{self, Refused};
use crate::limits::{self, DurableCounters};
use crate::{Served, analytics, at_most, auth, custom_routes, json, key_sockets, read_body};

/// Largest request body: an SDL document (256 KiB) with room for its JSON escaping.
const MAX_BODY_BYTES: u64 = 512 * 1024;

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorCode::Internal, e.to_string())
}

/// Serves `method path` (`path` after `/api/v1/gateway/`).
pub(crate) async fn serve(req: &mut Request, env: &Env, path: &str) -> worker::Result<Served> {
    let endpoint = match api::route(req.method().as_ref(), path) {
        GatewayRoute::Endpoint(endpoint) => endpoint,
        GatewayRoute::MethodNotAllowed { allow } => {
            return Served::method_not_allowed(req, allow, "gateway");
        }
        GatewayRoute::NotFound => return Served::not_found(req, "gateway"),
    };
    let name = endpoint.name();
    let store = match d1_gateway::open(env) {
        Ok(store) => store,
        Err(e) => return Served::error(&e.into(), name, None),
    };
    let admitted = if endpoint.is_public() {
        None
    } else {
        match gate::admit(req, env, &store, None, None).await {
            Ok(admitted) => Some(admitted),
            Err(refused) => return Refused::served(refused, name),
        }
    };
    let principal = admitted.as_ref().map(|a| a.caller.principal.id());
    let headers = admitted
        .as_ref()
        .map_or_else(Headers::new, |a| a.headers.clone());
    let caller = admitted.as_ref().map(|a| &a.caller.principal);
    let result = match read_body(req, at_most(MAX_BODY_BYTES)).await {
        Ok(body) => {
            if matches!(endpoint, Endpoint::Analytics | Endpoint::Usage) {
                analytics::settle(env).await;
            }
            match query(req) {
                Ok(query) => run(&endpoint, env, &store, caller, &body, query).await,
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    };
    if result.is_ok() {
        forget_changed(&endpoint);
        if let Endpoint::RevokeKey(id) | Endpoint::RotateKey(id) = &endpoint {
            // Before the answer: once revoked, the key's sockets are closed too.
            key_sockets::tell_sessions(env, &store, id).await;
        }
    }
    let response = result.and_then(|reply| reply_response(&reply));
    Served::answer(response, &headers, name, principal)
}

/// Runs one endpoint's handler for `principal` (`None` for the public ones).
pub(crate) async fn run(
    endpoint: &Endpoint,
    env: &Env,
    store: &D1Gateway,
    principal: Option<&Principal>,
    body: &[u8],
    query: BTreeMap<String, String>,
) -> Result<Reply, ApiError> {
    let cx = Context {
        store,
        counters: &DurableCounters::new(env)?,
        principal,
        now: EpochMillis(Date::now().as_millis()),
        entropy: entropy()?,
        query,
        default_rate: limits::default_rate(env),
    };
    api::handle(endpoint, &cx, body).await
}

/// What this isolate keeps of the control plane and a successful `endpoint` changed.
fn forget_changed(endpoint: &Endpoint) {
    match endpoint {
        Endpoint::PutQuota(principal) => limits::forget_policy(principal),
        Endpoint::CreateRoute | Endpoint::UpdateRoute(_) => custom_routes::forget_table(),
        Endpoint::RevokeKey(id) | Endpoint::RotateKey(id) => auth::forget_key(id),
        _ => {}
    }
}

pub(crate) fn reply_response(reply: &Reply) -> Result<Response, ApiError> {
    let body = serde_json::to_string(&reply.body).map_err(internal)?;
    Ok(json(
        Response::ok(body)
            .map_err(internal)?
            .with_status(reply.status),
    ))
}

/// Fresh bytes from the platform's CSPRNG, for key secrets and ids.
fn entropy() -> Result<[u8; KEY_ENTROPY], ApiError> {
    let mut bytes = [0u8; KEY_ENTROPY];
    getrandom::fill(&mut bytes).map_err(internal)?;
    Ok(bytes)
}

/// The query string's parameters; a repeated one keeps its last value.
fn query(req: &Request) -> Result<BTreeMap<String, String>, ApiError> {
    let url = req
        .url()
        .map_err(|e| ApiError::new(ErrorCode::InvalidMessage, e.to_string()))?;
    Ok(url.query_pairs().into_owned().collect())
}
