//! Rate limits for HTTP: reads the caller's quota policies (the user's, the key's; cached in the isolate
//! for a few seconds), asks the caller's `RateLimiter` Durable Object (one per user, the single counter)
//! and turns its decision into the `RateLimit-*` headers, or a `429 RATE_LIMITED` with `retry_after_ms`.

use std::cell::RefCell;

use synq_core::{ApiError, EpochMillis, ErrorCode};
use synq_gateway::api::RateCounters;
use synq_gateway::cache::Expiring;
use synq_gateway::limit::{
    Decision, LimitCheck, LimitRequest, QuotaPolicy, RateLimit, checks_for, rate_limit_headers,
};
use synq_gateway::principal::user_principal;
use synq_gateway::routes::RouteConfig;
use synq_gateway::{GatewayStore, Principal, StoreError};
use worker::wasm_bindgen::JsValue;
use worker::{Date, Env, Headers, Method, ObjectNamespace, Request, RequestInit};

/// Name of the limiter's Durable Object binding in `wrangler.toml`.
const LIMITERS_BINDING: &str = "LIMITERS";
/// `off` turns HTTP rate limiting off (benchmarks; a deployment behind another limiter).
const SWITCH_VAR: &str = "SYNQ_HTTP_RATE_LIMITS";
/// The counter anonymous callers of a public custom route with a rate limit share.
const ANONYMOUS: &str = "anonymous";
/// How long a policy read from the store is used before it is read again.
const POLICY_TTL_MS: u64 = 10_000;

thread_local! {
    static POLICIES: RefCell<Expiring<String, Option<QuotaPolicy>>> =
        RefCell::new(Expiring::new(POLICY_TTL_MS, 10_000));
}

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
fn verdict(decision: &Decision, now: EpochMillis) -> Result<Headers, (ApiError, Headers)> {
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

fn enabled(env: &Env) -> bool {
    !env.var(SWITCH_VAR)
        .is_ok_and(|v| v.to_string().trim().eq_ignore_ascii_case("off"))
}

/// `principal`'s stored policy (`user:…` or `key:…`), through the isolate's cache.
async fn policy(
    store: &impl GatewayStore,
    principal: String,
) -> Result<Option<QuotaPolicy>, StoreError> {
    let now = Date::now().as_millis();
    if let Some(cached) = POLICIES.with(|p| p.borrow().get(&principal, now)) {
        return Ok(cached);
    }
    let policy = store.quota(&principal).await?;
    POLICIES.with(|p| p.borrow_mut().put(principal, policy.clone(), now));
    Ok(policy)
}

/// Drops a policy this isolate changed, so that its next request reads the new one.
pub(crate) fn forget_policy(principal: &str) {
    POLICIES.with(|p| p.borrow_mut().forget(&principal.to_owned()));
}

/// Counts one request of `principal` (on a custom `route`, if any) against their limits: the headers to
/// send, or the error (`429` with its headers) to answer instead.
pub(crate) async fn count(
    env: &Env,
    store: &impl GatewayStore,
    principal: &Principal,
    route: Option<&RouteConfig>,
) -> Result<Headers, (ApiError, Headers)> {
    if !enabled(env) {
        return Ok(Headers::new());
    }
    let bare = |e: StoreError| (ApiError::from(e), Headers::new());
    let user_policy = policy(store, user_principal(&principal.user))
        .await
        .map_err(bare)?;
    let key_policy = match &principal.key {
        Some(_) => policy(store, principal.id()).await.map_err(bare)?,
        None => None,
    };
    let checks = checks_for(
        principal,
        user_policy.as_ref(),
        key_policy.as_ref(),
        route,
        default_rate(env),
    );
    decide(env, &principal.user, checks).await
}

/// Counts a request without credentials to a public custom `route`: only when the route has a limit, in
/// one counter for all anonymous callers.
pub(crate) async fn count_anonymous(
    env: &Env,
    route: &RouteConfig,
) -> Result<Headers, (ApiError, Headers)> {
    let Some(rate) = route.spec.rate_limit.filter(|_| enabled(env)) else {
        return Ok(Headers::new());
    };
    let check = LimitCheck {
        key: format!("route:{}:{ANONYMOUS}", route.id),
        rate,
        quota: None,
    };
    decide(env, ANONYMOUS, vec![check]).await
}

async fn decide(
    env: &Env,
    counter: &str,
    checks: Vec<LimitCheck>,
) -> Result<Headers, (ApiError, Headers)> {
    let bare = |e: ApiError| (e, Headers::new());
    let request = LimitRequest {
        checks,
        consume: true,
    };
    let now = EpochMillis(Date::now().as_millis());
    let decision = DurableCounters::new(env)
        .map_err(bare)?
        .decide(counter, &request, now)
        .await
        .map_err(|e| bare(e.into()))?;
    verdict(&decision, now)
}
