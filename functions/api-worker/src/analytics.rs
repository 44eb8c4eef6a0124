//! Request analytics without slowing requests: each answered request leaves a record in the isolate's
//! buffer, and the buffer is written to D1 after the response has gone (`ctx.wait_until`), rolled up by
//! minute, route, status and principal. One flush runs at a time; requests that arrive while it writes
//! only add to the buffer, which the running flush takes next, so under load many requests share one D1
//! batch and an idle isolate writes each request at once. The analytics and usage endpoints flush first
//! and wait for writes in flight, so they see every request this isolate answered before them.
//!
//! What can be lost: the records of an isolate that is evicted between a response and its flush.

use std::cell::{Cell, RefCell};
use std::time::Duration;

use synq_gateway::GatewayStore;
use synq_gateway::analytics::{RequestRecord, rollup};
use worker::{Context, Delay, Env, console_warn};

use crate::d1_gateway;

/// Flush rounds one request's `wait_until` runs at most, so that sustained load does not keep one
/// request's context alive for ever; the next request starts a new flush.
const MAX_ROUNDS: usize = 20;
/// How long a reader waits at most for writes in flight.
const SETTLE_MS: u64 = 2_000;

thread_local! {
    static PENDING: RefCell<Vec<RequestRecord>> = const { RefCell::new(Vec::new()) };
    static FLUSHING: Cell<bool> = const { Cell::new(false) };
    /// D1 writes started and not finished.
    static WRITING: Cell<u32> = const { Cell::new(0) };
}

/// Keeps `record`, and writes the buffer after the response unless a flush is already running.
pub(crate) fn record(ctx: &Context, env: &Env, record: RequestRecord) {
    PENDING.with(|p| p.borrow_mut().push(record));
    if FLUSHING.get() {
        return;
    }
    let flushing = Flushing::start();
    let env = env.clone();
    ctx.wait_until(async move {
        let _flushing = flushing;
        for _ in 0..MAX_ROUNDS {
            if !flush(&env).await {
                break;
            }
        }
    });
}

/// The running flush, marked in `FLUSHING` while this value lives. The runtime may drop a `wait_until`
/// future before it ends (its time after the response is capped): the mark must go then too, or this
/// isolate would never flush again.
struct Flushing;

impl Flushing {
    fn start() -> Self {
        FLUSHING.set(true);
        Flushing
    }
}

impl Drop for Flushing {
    fn drop(&mut self) {
        FLUSHING.set(false);
    }
}

/// One D1 write in flight, counted in `WRITING` while this value lives (so a dropped write does not
/// leave readers waiting for it).
struct InFlight;

impl InFlight {
    fn start() -> Self {
        WRITING.set(WRITING.get() + 1);
        InFlight
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        WRITING.set(WRITING.get().saturating_sub(1));
    }
}

/// Writes what the buffer holds now; `false` if it held nothing.
async fn flush(env: &Env) -> bool {
    let records = PENDING.with(|p| std::mem::take(&mut *p.borrow_mut()));
    if records.is_empty() {
        return false;
    }
    let in_flight = InFlight::start();
    let written = match d1_gateway::open(env) {
        Ok(store) => store.add_analytics(&rollup(&records)).await,
        Err(e) => Err(e),
    };
    drop(in_flight);
    if let Err(e) = written {
        console_warn!("analytics: {} records not written: {e}", records.len());
    }
    true
}

/// Writes the buffer and waits (up to 2 s) for this isolate's writes in flight: then a read of the store
/// sees every request answered so far.
pub(crate) async fn settle(env: &Env) {
    flush(env).await;
    let mut waited = 0;
    while WRITING.get() > 0 && waited < SETTLE_MS {
        Delay::from(Duration::from_millis(5)).await;
        waited += 5;
    }
}
