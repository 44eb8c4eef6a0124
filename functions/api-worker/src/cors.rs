//! CORS for every HTTP answer, with the allow-list in `SYNQ_CORS_ORIGINS` (comma-separated origins, or
//! `*`; empty or unset: no cross-origin caller). The rules are `synq_gateway::cors`; this only reads and
//! writes headers.

use synq_gateway::cors::CorsPolicy;
use worker::{Env, Headers, Method, Request, Response, Result};

const ORIGINS_VAR: &str = "SYNQ_CORS_ORIGINS";

fn policy(env: &Env) -> CorsPolicy {
    CorsPolicy::from_list(
        &env.var(ORIGINS_VAR)
            .map(|v| v.to_string())
            .unwrap_or_default(),
    )
}

fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

/// The answer to a CORS preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`): `204` with
/// the allowances, or `403` in the error shape; `None` when `req` is not a preflight.
pub(crate) fn preflight(
    req: &Request,
    env: &Env,
) -> Option<(Headers, Option<synq_core::ApiError>)> {
    if req.method() != Method::Options {
        return None;
    }
    let origin = header(req, "origin")?;
    let method = header(req, "access-control-request-method")?;
    let asked = header(req, "access-control-request-headers");
    let headers = Headers::new();
    match policy(env).preflight(&origin, &method, asked.as_deref()) {
        Ok(allowances) => {
            for (name, value) in allowances {
                // Literal names; values are the caller's origin or literals.
                let _ = headers.set(name, &value);
            }
            Some((headers, None))
        }
        Err(error) => Some((headers, Some(error))),
    }
}

/// Adds the CORS headers for the request's `Origin` to an ordinary answer (not to a WebSocket upgrade).
/// They go on a copy of the headers: an answer passed through from a Durable Object or an upstream keeps
/// the platform's immutable `Headers`, which throw when set.
pub(crate) fn decorate(req: &Request, env: &Env, response: Response) -> Result<Response> {
    if response.status_code() == 101 {
        return Ok(response);
    }
    let headers = response.headers().clone();
    for (name, value) in policy(env).response_headers(header(req, "origin").as_deref()) {
        headers.set(name, &value)?;
    }
    Ok(response.with_headers(headers))
}
