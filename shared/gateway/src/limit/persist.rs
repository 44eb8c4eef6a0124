//! A limiter as its owner (the `RateLimiter` Durable Object) holds it: the state in memory is the single
//! exact counter while the owner lives, and it is written to storage coarsely instead of on every request.
//!
//! The policy, and what an eviction or a crash can lose:
//! - **Buckets**: a change is written at most [`PERSIST_INTERVAL_MS`] after it (the owner's alarm), so a
//!   restart forgets at most the last second's takes: the caller gets those tokens back (at most a
//!   second's worth, never more than a burst).
//! - **Quotas** (calendar windows): besides the alarm, the state is written *before the answer* as soon as
//!   [`MAX_UNPERSISTED_QUOTA`] quota-counted requests are unwritten, and when a quota is used up. So a
//!   restart under-counts a quota by fewer than [`MAX_UNPERSISTED_QUOTA`] requests (and never reopens an
//!   exhausted one); requests that take from no quota never wait for storage.

use synq_core::EpochMillis;

use super::limiter::{Decision, LimitRequest, Limiter};

/// The longest a counted change stays only in memory (the alarm's delay).
pub const PERSIST_INTERVAL_MS: u64 = 1_000;
/// Quota-counted requests that may be answered before the state must be written first: an eviction
/// under-counts a quota by fewer than this.
pub const MAX_UNPERSISTED_QUOTA: u64 = 50;

/// What the owner must do after a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Persist {
    /// Nothing (nothing changed, or a write is already scheduled).
    Nothing,
    /// Write the state before answering.
    Now,
    /// Schedule a write (an alarm) at this time.
    At(EpochMillis),
}

/// A limiter with its write schedule.
#[derive(Debug, Default)]
pub struct HeldLimiter {
    limiter: Limiter,
    /// Whether the state changed since it was last written.
    dirty: bool,
    /// Quota-counted requests answered since the last write.
    unwritten_quota: u64,
    /// When the scheduled write is due, if one is.
    alarm: Option<EpochMillis>,
}

impl HeldLimiter {
    /// From what the owner stored, if anything. A state that no longer decodes (an older format) starts
    /// afresh: full buckets, which errs on the caller's side for at most one window.
    pub fn restore(stored: Option<&str>) -> Self {
        let limiter = stored
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_default();
        HeldLimiter {
            limiter,
            ..HeldLimiter::default()
        }
    }

    /// Decides `request` at `now` (see [`Limiter::decide`]) and says when the change must be written.
    pub fn decide(&mut self, request: &LimitRequest, now: EpochMillis) -> (Decision, Persist) {
        let decision = self.limiter.decide(request, now);
        if !(request.consume && decision.allowed) {
            return (decision, Persist::Nothing);
        }
        self.dirty = true;
        let quotas: Vec<_> = decision.buckets.iter().filter_map(|b| b.quota).collect();
        if !quotas.is_empty() {
            self.unwritten_quota += 1;
        }
        let used_up = quotas.iter().any(|q| q.remaining == 0);
        let persist = if used_up || self.unwritten_quota >= MAX_UNPERSISTED_QUOTA {
            Persist::Now
        } else if self.alarm.is_some() {
            Persist::Nothing
        } else {
            let at = EpochMillis(now.0.saturating_add(PERSIST_INTERVAL_MS));
            self.alarm = Some(at);
            Persist::At(at)
        };
        (decision, persist)
    }

    /// The scheduled write is due: the state to write, if it changed since the last write.
    pub fn on_alarm(&mut self, now: EpochMillis) -> Option<String> {
        self.alarm = None;
        self.dirty.then(|| self.to_write(now))
    }

    /// The state to write now, a JSON document (counters that hold nothing are dropped first); it counts
    /// as written. If the write then fails, call [`HeldLimiter::unwritten`].
    pub fn to_write(&mut self, now: EpochMillis) -> String {
        self.limiter.prune(now);
        self.dirty = false;
        self.unwritten_quota = 0;
        // A map of strings to plain numbers always serializes.
        serde_json::to_string(&self.limiter).unwrap_or_default()
    }

    /// A write taken with [`HeldLimiter::to_write`] failed: the state is unwritten again, and the next
    /// counted request writes it before its answer.
    pub fn unwritten(&mut self) {
        self.dirty = true;
        self.unwritten_quota = MAX_UNPERSISTED_QUOTA;
    }

    /// A scheduled write could not be scheduled: the next decision schedules again.
    pub fn alarm_failed(&mut self) {
        self.alarm = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limit::{LimitCheck, Quota, QuotaPeriod, RateLimit};

    fn request(quota: Option<u64>) -> LimitRequest {
        LimitRequest {
            checks: vec![LimitCheck {
                key: "user:a".into(),
                // Refills a token a minute: the counts below stay put over seconds.
                rate: RateLimit {
                    requests_per_minute: 1,
                    burst: 60_000,
                },
                quota: quota.map(|limit| Quota {
                    limit,
                    period: QuotaPeriod::Day,
                }),
            }],
            consume: true,
        }
    }

    fn used(held: &mut HeldLimiter, now: u64) -> u32 {
        let peek = LimitRequest {
            consume: false,
            ..request(None)
        };
        let (decision, persist) = held.decide(&peek, EpochMillis(now));
        assert_eq!(persist, Persist::Nothing, "a peek changes nothing");
        60_000 - decision.buckets[0].remaining
    }

    #[test]
    fn bucket_takes_schedule_one_write_a_second_and_never_wait() {
        let mut held = HeldLimiter::default();
        let req = request(None);
        assert_eq!(
            held.decide(&req, EpochMillis(10)).1,
            Persist::At(EpochMillis(1_010))
        );
        for _ in 0..500 {
            assert_eq!(held.decide(&req, EpochMillis(20)).1, Persist::Nothing);
        }
        let written = held.on_alarm(EpochMillis(1_010)).unwrap();
        // Nothing new since: the next alarm writes nothing; the next take schedules again.
        assert_eq!(held.on_alarm(EpochMillis(2_010)), None);
        assert_eq!(
            held.decide(&req, EpochMillis(2_020)).1,
            Persist::At(EpochMillis(3_020))
        );
        // What was written restores the counts.
        let mut restored = HeldLimiter::restore(Some(&written));
        assert_eq!(used(&mut restored, 1_010), 501);
    }

    #[test]
    fn an_eviction_loses_at_most_the_unwritten_slice_of_a_quota() {
        let mut held = HeldLimiter::default();
        let req = request(Some(1_000));
        let mut stored: Option<String> = None;
        let mut answered = 0u64;
        for i in 0..(3 * MAX_UNPERSISTED_QUOTA + 7) {
            let (decision, persist) = held.decide(&req, EpochMillis(i));
            assert!(decision.allowed);
            match persist {
                Persist::Now => stored = Some(held.to_write(EpochMillis(i))),
                // The alarm never fires in this run: the process is "evicted" at the end.
                Persist::At(_) | Persist::Nothing => {}
            }
            answered += 1;
        }
        let mut restored = HeldLimiter::restore(stored.as_deref());
        let (decision, _) = restored.decide(&req, EpochMillis(500));
        let counted = decision.buckets[0].quota.unwrap().used - 1;
        assert!(answered - counted < MAX_UNPERSISTED_QUOTA);
        assert_eq!(answered - counted, 7);
    }

    #[test]
    fn a_used_up_quota_is_written_before_the_answer() {
        let mut held = HeldLimiter::default();
        let req = request(Some(3));
        assert!(matches!(
            held.decide(&req, EpochMillis(0)).1,
            Persist::At(_)
        ));
        assert_eq!(held.decide(&req, EpochMillis(1)).1, Persist::Nothing);
        let (last, persist) = held.decide(&req, EpochMillis(2));
        assert_eq!(
            (last.allowed, persist),
            (true, Persist::Now),
            "the request that uses the quota up waits for the write"
        );
        let stored = held.to_write(EpochMillis(2));
        let mut restored = HeldLimiter::restore(Some(&stored));
        let (refused, persist) = restored.decide(&req, EpochMillis(3));
        assert_eq!((refused.allowed, persist), (false, Persist::Nothing));
    }

    #[test]
    fn a_failed_write_is_retried_before_the_next_answer() {
        let mut held = HeldLimiter::default();
        let req = request(None);
        held.decide(&req, EpochMillis(0));
        let _ = held.on_alarm(EpochMillis(1_000)).unwrap();
        held.unwritten();
        assert_eq!(held.decide(&req, EpochMillis(1_001)).1, Persist::Now);
        let _ = held.to_write(EpochMillis(1_001));
        held.alarm_failed();
        assert!(matches!(
            held.decide(&req, EpochMillis(1_002)).1,
            Persist::At(_)
        ));
    }

    #[test]
    fn an_undecodable_state_starts_afresh() {
        let mut held = HeldLimiter::restore(Some("{not json"));
        assert_eq!(used(&mut held, 0), 0);
    }
}
