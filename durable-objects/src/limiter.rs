//! The RateLimiter Durable Object: one per user, the single counter of every rate limit and quota that
//! user's requests count against (their JWT calls, their keys, per-route limits). One writer per user makes
//! the counts exact under concurrency, which an eventually consistent store (KV) could not.
//!
//! `POST /decide` with a `LimitRequest` → the `Decision`. The decision is taken synchronously on the state in
//! memory, so concurrent requests cannot interleave inside it; the state is then written to the object's
//! storage (Cloudflare's output gate holds the answer until that write is durable), so a restart or an
//! eviction loses no count. The clock is the object's own: one clock for all of a user's counters.

use std::cell::RefCell;

use synq_core::{ApiError, EpochMillis, ErrorCode};
use synq_gateway::limit::{LimitRequest, Limiter};
use worker::{
    Date, DurableObject, Env, Method, Request, Response, Result, State, durable_object,
    wasm_bindgen,
};

use crate::error_response;

/// The storage key of the whole limiter state (a JSON string: a user has a handful of counters).
const STATE_KEY: &str = "limiter";

/// One user's counters.
#[durable_object]
pub struct RateLimiter {
    state: State,
    /// Loaded from storage on the first request.
    limiter: RefCell<Option<Limiter>>,
}

impl RateLimiter {
    async fn load(&self) -> Result<()> {
        if self.limiter.borrow().is_some() {
            return Ok(());
        }
        let stored: Option<String> = self.state.storage().get(STATE_KEY).await?;
        // A state that no longer decodes (an older format) starts afresh: full buckets, which errs on the
        // caller's side for at most one window.
        let limiter = stored
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default();
        self.limiter.borrow_mut().get_or_insert(limiter);
        Ok(())
    }
}

impl DurableObject for RateLimiter {
    fn new(state: State, _env: Env) -> Self {
        RateLimiter {
            state,
            limiter: RefCell::new(None),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        if req.method() != Method::Post {
            return error_response(&ApiError::new(
                ErrorCode::MethodNotAllowed,
                "the rate limiter takes POST /decide",
            ));
        }
        let request: LimitRequest = match req.json().await {
            Ok(request) => request,
            Err(e) => {
                return error_response(&ApiError::new(
                    ErrorCode::InvalidMessage,
                    format!("not a limit request: {e}"),
                ));
            }
        };
        self.load().await?;
        let now = EpochMillis(Date::now().as_millis());
        // Decided and changed without an await in between: no other request can interleave.
        let (decision, changed) = {
            let mut guard = self.limiter.borrow_mut();
            let limiter = guard.get_or_insert_with(Limiter::default);
            let decision = limiter.decide(&request, now);
            if request.consume && decision.allowed {
                limiter.prune(now);
                (decision, serde_json::to_string(&*limiter).ok())
            } else {
                (decision, None)
            }
        };
        if let Some(json) = changed {
            self.state.storage().put(STATE_KEY, json).await?;
        }
        Response::from_json(&decision)
    }
}
