//! The RateLimiter Durable Object: one per user, the single counter of every rate limit and quota that
//! user's requests count against (their JWT calls, their keys, per-route limits). One writer per user makes
//! the counts exact under concurrency, which an eventually consistent store (KV) could not.
//!
//! `POST /decide` with a `LimitRequest` → the `Decision`. The decision is taken synchronously on the state in
//! memory, so concurrent requests cannot interleave inside it; while the object lives, that state is the
//! exact count. It is written to storage coarsely, as the core's `HeldLimiter` says: by an alarm at most a
//! second after a change, and before the answer only when a quota's unwritten slice is full or a quota is
//! used up. So most requests never wait for storage, and an eviction loses at most that documented slice.
//! The clock is the object's own: one clock for all of a user's counters.

use std::cell::RefCell;

use synq_core::{ApiError, EpochMillis, ErrorCode};
use synq_gateway::limit::{HeldLimiter, LimitRequest, Persist};
use worker::{
    Date, DurableObject, Env, Method, Request, Response, Result, State, console_warn,
    durable_object, wasm_bindgen,
};

use crate::error_response;

/// The storage key of the whole limiter state (a JSON string: a user has a handful of counters).
const STATE_KEY: &str = "limiter";

/// One user's counters.
#[durable_object]
pub struct RateLimiter {
    state: State,
    /// Loaded from storage on the first request.
    held: RefCell<Option<HeldLimiter>>,
}

fn now() -> EpochMillis {
    EpochMillis(Date::now().as_millis())
}

impl RateLimiter {
    async fn load(&self) -> Result<()> {
        if self.held.borrow().is_some() {
            return Ok(());
        }
        let stored: Option<String> = self.state.storage().get(STATE_KEY).await?;
        let held = HeldLimiter::restore(stored.as_deref());
        self.held.borrow_mut().get_or_insert(held);
        Ok(())
    }

    /// Writes `json` (taken from the held state, which now counts it as written); on failure the state
    /// is unwritten again.
    async fn write(&self, json: String) -> Result<()> {
        let written = self.state.storage().put(STATE_KEY, json).await;
        if written.is_err()
            && let Some(held) = self.held.borrow_mut().as_mut()
        {
            held.unwritten();
        }
        written
    }

    /// Applies the core's write policy after a decision.
    async fn persist(&self, persist: Persist, now: EpochMillis) -> Result<()> {
        match persist {
            Persist::Nothing => Ok(()),
            Persist::Now => {
                let json = self.held.borrow_mut().as_mut().map(|h| h.to_write(now));
                match json {
                    Some(json) => self.write(json).await,
                    None => Ok(()),
                }
            }
            Persist::At(at) => {
                let offset_ms = i64::try_from(at.0.saturating_sub(now.0)).unwrap_or(i64::MAX);
                if let Err(e) = self.state.storage().set_alarm(offset_ms).await {
                    console_warn!("rate limiter: no alarm ({e}); writing now");
                    let json = self.held.borrow_mut().as_mut().map(|h| {
                        h.alarm_failed();
                        h.to_write(now)
                    });
                    if let Some(json) = json {
                        return self.write(json).await;
                    }
                }
                Ok(())
            }
        }
    }
}

impl DurableObject for RateLimiter {
    fn new(state: State, _env: Env) -> Self {
        RateLimiter {
            state,
            held: RefCell::new(None),
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
        let now = now();
        // Decided and changed without an await in between: no other request can interleave.
        let (decision, persist) = self
            .held
            .borrow_mut()
            .get_or_insert_with(HeldLimiter::default)
            .decide(&request, now);
        self.persist(persist, now).await?;
        Response::from_json(&decision)
    }

    async fn alarm(&self) -> Result<Response> {
        let now = now();
        let json = self
            .held
            .borrow_mut()
            .as_mut()
            .and_then(|h| h.on_alarm(now));
        if let Some(json) = json {
            self.write(json).await?;
        }
        Response::empty()
    }
}
