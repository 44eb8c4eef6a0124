//! Rate limits for HTTP: asks the caller's `RateLimiter` Durable Object (one per user, the single counter)
//! and turns its decision into the `RateLimit-*` headers, or a `429 RATE_LIMITED` with `retry_after_ms`.

use synq_core::{ApiError, EpochMillis, ErrorCode};
use synq_gateway::StoreError;
use synq_gateway::api::RateCounters;
use synq_gateway::limit::{Decision, LimitRequest, RateLimit, rate_limit_headers};
use worker::wasm_bindgen::JsValue;
use worker::{Env, Headers, Method, ObjectNamespace, Request, RequestInit};

/// Name of the limiter's Durable Object binding in `wrangler.toml`.
const LIMITERS_BINDING: &str = "LIMITERS";

/// The users' counters: one `RateLimiter` object per user, by name.
pub(crate) struct DurableCounters {
    namespace: ObjectNamespace,
}

impl DurableCounters {
    pub(crate) fn new(env: &Env) -> Result<Self, ApiError> {
        let namespace = env
            .durable_object(LIMITERS_BINDING)
            .map_err(|e| ApiError::new(ErrorCode::Internal, format!("{LIMITERS_BINDING}: {e}")))?;
        Ok(DurableCounters { namespace })
    }
}

impl RateCounters for DurableCounters {
    async fn decide(
        &self,
        user: &str,
        request: &LimitRequest,
        _now: EpochMillis,
    ) -> Result<Decision, StoreError> {
        let backend = |e: worker::Error| StoreError::Backend(format!("rate limiter: {e}"));
        let body =
            serde_json::to_string(request).map_err(|e| StoreError::Backend(e.to_string()))?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_body(Some(JsValue::from_str(&body)));
        // The object reads only the body; the URL must merely be absolute.
        let req =
            Request::new_with_init("https://limiter.internal/decide", &init).map_err(backend)?;
        let stub = self
            .namespace
            .id_from_name(user)
            .and_then(|id| id.get_stub())
            .map_err(backend)?;
        let mut response = stub.fetch_with_request(req).await.map_err(backend)?;
        if response.status_code() != 200 {
            let text = response.text().await.unwrap_or_default();
            return Err(StoreError::Backend(format!("rate limiter answered {text}")));
        }
        response.json().await.map_err(backend)
    }
}

/// The rate a user gets without a policy of their own: `SYNQ_REQUESTS_PER_MINUTE` and `SYNQ_REQUEST_BURST`
/// (wrangler vars), by default the seed's 1,000 a minute with a minute's worth as a burst.
pub(crate) fn default_rate(env: &Env) -> RateLimit {
    let var = |name: &str| {
        env.var(name)
            .ok()
            .and_then(|v| v.to_string().trim().parse::<u32>().ok())
            .filter(|n| *n > 0)
    };
    let per_minute =
        var("SYNQ_REQUESTS_PER_MINUTE").unwrap_or(RateLimit::DEFAULT_USER.requests_per_minute);
    RateLimit {
        requests_per_minute: per_minute,
        burst: var("SYNQ_REQUEST_BURST").unwrap_or(per_minute),
    }
}

/// `Ok(headers)` to add to the response when the request may go on, else the `429` to answer (its headers
/// included).
pub(crate) fn verdict(
    decision: &Decision,
    now: EpochMillis,
) -> Result<Headers, (ApiError, Headers)> {
    let headers = Headers::new();
    for (name, value) in rate_limit_headers(decision, now) {
        // Names are literals and values are digits: setting them cannot fail.
        let _ = headers.set(name, &value);
    }
    match decision.retry_after_ms {
        None if decision.allowed => Ok(headers),
        wait => {
            let mut error = ApiError::new(
                ErrorCode::RateLimited,
                "too many requests: wait `retry_after_ms` before the next one",
            );
            error.retry_after_ms = Some(wait.unwrap_or(1000));
            Err((error, headers))
        }
    }
}
