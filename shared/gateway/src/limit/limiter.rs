//! One principal's counters: a token bucket (and a quota window) per key such as `user:alice`,
//! `key:0a1b2c3d4e5f` or `route:rt_…:user:alice`. A request is allowed only if every bucket it is checked
//! against has a token and every quota has room; then it takes from all of them, else from none.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use synq_core::EpochMillis;
use synq_core::rate::TokenBucket;

use super::policy::{Quota, QuotaPeriod, RateLimit};

/// One counter to check a request against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitCheck {
    /// Which counter (`user:alice`, `key:…`, `route:…`).
    pub key: String,
    /// Its bucket.
    pub rate: RateLimit,
    /// Its quota, if any.
    #[serde(default)]
    pub quota: Option<Quota>,
}

/// What the gateway asks a principal's counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitRequest {
    /// The counters this request counts against.
    pub checks: Vec<LimitCheck>,
    /// Take a token if allowed (`false`: only report, as `…/quotas/check` and `…/usage` do).
    pub consume: bool,
}

/// A quota's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuotaStatus {
    /// Requests per window.
    pub limit: u64,
    /// The window.
    pub period: QuotaPeriod,
    /// Requests counted in the current window.
    pub used: u64,
    /// Requests left in it.
    pub remaining: u64,
    /// When the next window starts.
    pub resets_at: EpochMillis,
}

/// A counter's state after the decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BucketStatus {
    /// Which counter.
    pub key: String,
    /// The bucket's size (the burst).
    pub limit: u32,
    /// Requests that may come now.
    pub remaining: u32,
    /// Milliseconds until the bucket is full again.
    pub reset_ms: u64,
    /// Sustained rate.
    pub requests_per_minute: u32,
    /// The quota, if the counter has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<QuotaStatus>,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// Whether the request may go on (and, when consuming, was counted).
    pub allowed: bool,
    /// When refused: milliseconds until every counter has room again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
    /// Each checked counter, in the order asked.
    pub buckets: Vec<BucketStatus>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Counter {
    bucket: TokenBucket,
    /// Start of the quota window `used` counts in.
    window_start: EpochMillis,
    used: u64,
}

/// All counters of one principal. Serializes, so that its owner can persist it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Limiter {
    counters: BTreeMap<String, Counter>,
}

impl Limiter {
    /// Checks (and, if asked and allowed, counts) one request at `now`.
    pub fn decide(&mut self, request: &LimitRequest, now: EpochMillis) -> Decision {
        let mut wait = 0u64;
        for check in &request.checks {
            let counter = self.counter(check, now);
            wait = wait.max(counter.bucket.ready_in(now));
            if let Some(quota) = check.quota
                && counter.used >= quota.limit
            {
                let (_, end) = quota.period.window(now);
                wait = wait.max(end.0.saturating_sub(now.0).max(1));
            }
        }
        let allowed = wait == 0;
        if allowed && request.consume {
            for check in &request.checks {
                let counter = self.counter(check, now);
                // `ready_in` said 0 above for every bucket, so this takes a token.
                let _ = counter.bucket.take(now);
                if check.quota.is_some() {
                    counter.used = counter.used.saturating_add(1);
                }
            }
        }
        let buckets = request
            .checks
            .iter()
            .map(|check| self.status(check, now))
            .collect();
        Decision {
            allowed,
            retry_after_ms: (!allowed).then_some(wait),
            buckets,
        }
    }

    /// Forgets counters that hold nothing: a full bucket and no quota use in the current window (a fresh
    /// counter would be the same), so that storage stays small.
    pub fn prune(&mut self, now: EpochMillis) {
        self.counters.retain(|_, c| {
            let mut bucket = c.bucket.clone();
            bucket.ready_in(now);
            bucket.full_in() > 0 || c.used > 0 && !window_over(c.window_start, now)
        });
    }

    /// How many counters it keeps.
    pub fn len(&self) -> usize {
        self.counters.len()
    }

    /// Whether it keeps none.
    pub fn is_empty(&self) -> bool {
        self.counters.is_empty()
    }

    /// The counter for `check`, made or brought up to date: its bucket has the check's limits and its
    /// quota window is the current one.
    fn counter(&mut self, check: &LimitCheck, now: EpochMillis) -> &mut Counter {
        let RateLimit {
            requests_per_minute,
            burst,
        } = check.rate;
        let window_start = check
            .quota
            .map_or(EpochMillis(0), |q| q.period.window(now).0);
        let counter = self
            .counters
            .entry(check.key.clone())
            .or_insert_with(|| Counter {
                bucket: TokenBucket::new(requests_per_minute, burst, now),
                window_start,
                used: 0,
            });
        if !counter.bucket.has_limits(requests_per_minute, burst) {
            counter.bucket = counter.bucket.with_limits(requests_per_minute, burst);
        }
        if counter.window_start != window_start {
            counter.window_start = window_start;
            counter.used = 0;
        }
        counter
    }

    fn status(&mut self, check: &LimitCheck, now: EpochMillis) -> BucketStatus {
        let counter = self.counter(check, now);
        counter.bucket.ready_in(now);
        let quota = check.quota.map(|q| QuotaStatus {
            limit: q.limit,
            period: q.period,
            used: counter.used,
            remaining: q.limit.saturating_sub(counter.used),
            resets_at: q.period.window(now).1,
        });
        BucketStatus {
            key: check.key.clone(),
            limit: counter.bucket.burst(),
            remaining: counter.bucket.remaining(),
            reset_ms: counter.bucket.full_in(),
            requests_per_minute: check.rate.requests_per_minute,
            quota,
        }
    }
}

/// Whether the quota window that began at `start` is surely over at `now` (windows are at most a month).
fn window_over(start: EpochMillis, now: EpochMillis) -> bool {
    QuotaPeriod::Month.window(start).1 <= now
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(key: &str, per_minute: u32, burst: u32) -> LimitCheck {
        LimitCheck {
            key: key.into(),
            rate: RateLimit {
                requests_per_minute: per_minute,
                burst,
            },
            quota: None,
        }
    }

    fn take(limiter: &mut Limiter, checks: &[LimitCheck], now: u64) -> Decision {
        limiter.decide(
            &LimitRequest {
                checks: checks.to_vec(),
                consume: true,
            },
            EpochMillis(now),
        )
    }

    #[test]
    fn burst_then_refusal_then_refill() {
        let mut limiter = Limiter::default();
        let checks = [check("user:a", 60, 3)];
        for left in [2, 1, 0] {
            let d = take(&mut limiter, &checks, 0);
            assert!(d.allowed);
            assert_eq!((d.buckets[0].limit, d.buckets[0].remaining), (3, left));
        }
        let refused = take(&mut limiter, &checks, 0);
        assert_eq!(
            (refused.allowed, refused.retry_after_ms),
            (false, Some(1000))
        );
        assert_eq!(refused.buckets[0].reset_ms, 3000);
        assert!(!take(&mut limiter, &checks, 999).allowed);
        assert!(take(&mut limiter, &checks, 1000).allowed);
    }

    #[test]
    fn all_or_nothing_across_counters() {
        let mut limiter = Limiter::default();
        let user = check("user:a", 600, 10);
        let route = check("route:r:user:a", 60, 1);
        assert!(take(&mut limiter, &[user.clone(), route.clone()], 0).allowed);
        let refused = take(&mut limiter, &[user.clone(), route.clone()], 0);
        assert_eq!(refused.retry_after_ms, Some(1000));
        // The refused request took nothing from the user's bucket.
        assert_eq!(refused.buckets[0].remaining, 9);
        assert_eq!(take(&mut limiter, &[user], 0).buckets[0].remaining, 8);
    }

    #[test]
    fn peeking_counts_nothing() {
        let mut limiter = Limiter::default();
        let checks = vec![check("user:a", 60, 1)];
        let peek = LimitRequest {
            checks: checks.clone(),
            consume: false,
        };
        for _ in 0..3 {
            assert!(limiter.decide(&peek, EpochMillis(0)).allowed);
        }
        assert!(take(&mut limiter, &checks, 0).allowed);
        assert!(!limiter.decide(&peek, EpochMillis(0)).allowed);
    }

    #[test]
    fn quotas_count_per_window_and_reset() {
        let mut limiter = Limiter::default();
        let mut c = check("key:k", 1000, 1000);
        c.quota = Some(Quota {
            limit: 2,
            period: QuotaPeriod::Hour,
        });
        let hour = 3_600_000;
        assert!(take(&mut limiter, std::slice::from_ref(&c), 10).allowed);
        let d = take(&mut limiter, std::slice::from_ref(&c), 20);
        let q = d.buckets[0].quota.unwrap();
        assert_eq!(
            (q.used, q.remaining, q.resets_at),
            (2, 0, EpochMillis(hour))
        );
        let refused = take(&mut limiter, std::slice::from_ref(&c), 30);
        assert_eq!(refused.retry_after_ms, Some(hour - 30));
        let next = take(&mut limiter, std::slice::from_ref(&c), hour);
        assert!(next.allowed);
        assert_eq!(next.buckets[0].quota.unwrap().used, 1);
    }

    #[test]
    fn changed_limits_apply_at_once_and_keep_the_count() {
        let mut limiter = Limiter::default();
        for _ in 0..5 {
            take(&mut limiter, &[check("user:a", 60, 10)], 0);
        }
        let d = take(&mut limiter, &[check("user:a", 60, 3)], 0);
        assert!(d.allowed);
        assert_eq!((d.buckets[0].limit, d.buckets[0].remaining), (3, 2));
    }

    #[test]
    fn pruning_drops_only_counters_that_hold_nothing() {
        let mut limiter = Limiter::default();
        take(&mut limiter, &[check("user:a", 60, 2)], 0);
        take(&mut limiter, &[check("user:b", 6, 2)], 59_000);
        limiter.prune(EpochMillis(60_000));
        assert_eq!(limiter.len(), 1, "a's bucket is full again, b's is not");
        let mut limiter2 = limiter.clone();
        limiter2.prune(EpochMillis(120_000));
        assert!(limiter2.is_empty());
        // Survives a round trip through storage.
        let json = serde_json::to_string(&limiter).unwrap();
        assert_eq!(serde_json::from_str::<Limiter>(&json).unwrap(), limiter);
    }
}
