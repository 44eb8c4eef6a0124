//! `/api/v1/training/…`: the training queue and model registry (`synq_training_api`) over D1 and R2.
//! Admits the caller with the scope the endpoint needs (`read` to look, `write` to queue, `admin` for
//! batch runners), reads the bounded body, and writes back what the handler answers.

use synq_core::{ApiError, ErrorCode};
use synq_ml::queue::wire::LEASE_TOKEN_HEADER;
use synq_ml::queue::{Queue, QueueConfig};
use synq_training_api::{Body, Context, Endpoint, Routed, handle, route};
use worker::{Date, Env, Request, Response};

use crate::d1_gateway;
use crate::d1_training::{D1Jobs, R2Models};
use crate::gate::{self, Refused};
use crate::{Served, at_most, json, read_body, url_and_query};

/// How long a lease lasts without a heartbeat, in ms (a wrangler var; the e2e test shortens it).
const LEASE_VAR: &str = "SYNQ_TRAINING_LEASE_MS";

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorCode::Internal, e.to_string())
}

/// Serves `method path` (`path` after `/api/v1/training/`).
pub(crate) async fn serve(req: &mut Request, env: &Env, path: &str) -> worker::Result<Served> {
    let endpoint = match route(req.method().as_ref(), path) {
        Routed::Endpoint(endpoint) => endpoint,
        Routed::MethodNotAllowed { allow } => {
            return Served::method_not_allowed(req, allow, "training");
        }
        Routed::NotFound => return Served::not_found(req, "training"),
    };
    let name = endpoint.name();
    let store = match d1_gateway::open(env) {
        Ok(store) => store,
        Err(e) => return Served::error(&e.into(), name, None),
    };
    let admitted = match gate::admit(req, env, &store, Some(endpoint.scope()), None).await {
        Ok(admitted) => admitted,
        Err(refused) => return Refused::served(refused, name),
    };
    let principal = Some(admitted.caller.principal.id());
    let result = answer(req, env, &endpoint).await;
    Served::answer(result, &admitted.headers, name, principal)
}

async fn answer(req: &mut Request, env: &Env, endpoint: &Endpoint) -> Result<Response, ApiError> {
    let body = read_body(req, at_most(endpoint.max_body_bytes())).await?;
    let (_, query) = url_and_query(req)?;
    let lease_token = req.headers().get(LEASE_TOKEN_HEADER).ok().flatten();
    let jobs = D1Jobs::new(env).map_err(internal)?;
    let blobs = R2Models::new(env).map_err(internal)?;
    let (id, token) = (random_hex(12)?, random_hex(32)?);
    let cx = Context {
        queue: Queue {
            jobs: &jobs,
            blobs: &blobs,
            config: QueueConfig {
                lease_ms: lease_ms(env),
            },
        },
        now_ms: Date::now().as_millis(),
        new_id: &id,
        new_token: &token,
    };
    let request = synq_training_api::Request {
        query: &query,
        body: &body,
        lease_token: lease_token.as_deref(),
    };
    let reply = handle(endpoint, &request, &cx).await?;
    let response = match reply.body {
        Body::Empty => Response::empty(),
        Body::Json(text) => Response::ok(text).map(json),
        Body::Onnx(bytes) => Response::from_bytes(bytes).and_then(|mut r| {
            r.headers_mut()
                .set("content-type", "application/octet-stream")?;
            Ok(r)
        }),
    };
    Ok(response.map_err(internal)?.with_status(reply.status))
}

fn lease_ms(env: &Env) -> u64 {
    env.var(LEASE_VAR)
        .ok()
        .and_then(|v| v.to_string().trim().parse::<u64>().ok())
        .filter(|ms| *ms > 0)
        .unwrap_or(QueueConfig::default().lease_ms)
}

/// `bytes` random bytes from the platform's CSPRNG, in hex: job ids and lease tokens.
fn random_hex(bytes: usize) -> Result<String, ApiError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(internal)?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}
