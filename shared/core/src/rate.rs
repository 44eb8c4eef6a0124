//! A token bucket with its clock passed in: `burst` tokens of capacity, refilled at `per_minute`.
//!
//! The session engine limits messages and edits with it; the API gateway's rate limiter (one per principal,
//! in a Durable Object) keeps these buckets too, so it serializes.

use serde::{Deserialize, Serialize};

use crate::units::EpochMillis;

/// A token bucket. A bucket starts full.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenBucket {
    capacity: f64,
    per_ms: f64,
    tokens: f64,
    updated: EpochMillis,
}

impl TokenBucket {
    /// A full bucket allowing `per_minute` on average and the same again as a burst.
    pub fn per_minute(per_minute: u32, now: EpochMillis) -> Self {
        Self::new(per_minute, per_minute, now)
    }

    /// A full bucket allowing `per_minute` on average and bursts of `burst` (each at least 1).
    pub fn new(per_minute: u32, burst: u32, now: EpochMillis) -> Self {
        TokenBucket {
            capacity: f64::from(burst.max(1)),
            per_ms: f64::from(per_minute.max(1)) / 60_000.0,
            tokens: f64::from(burst.max(1)),
            updated: now,
        }
    }

    /// Whether this bucket refills at `per_minute` with capacity `burst` (as `new` would make it).
    pub fn has_limits(&self, per_minute: u32, burst: u32) -> bool {
        let other = Self::new(per_minute, burst, self.updated);
        self.capacity == other.capacity && self.per_ms == other.per_ms
    }

    /// The same bucket with new limits, keeping the tokens it has (at most the new capacity).
    pub fn with_limits(&self, per_minute: u32, burst: u32) -> Self {
        let mut bucket = Self::new(per_minute, burst, self.updated);
        bucket.tokens = self.tokens.min(bucket.capacity);
        bucket
    }

    /// Takes one token, or says how many milliseconds until one is there.
    pub fn take(&mut self, now: EpochMillis) -> Result<(), u64> {
        self.take_many(1, now)
    }

    /// Takes `cost` tokens (at most the burst size, so any cost can pass once the bucket is full), or
    /// says how many milliseconds until they are there, taking nothing.
    pub fn take_many(&mut self, cost: u64, now: EpochMillis) -> Result<(), u64> {
        match self.ready_for(cost, now) {
            0 => {
                self.tokens -= self.cost(cost);
                Ok(())
            }
            wait => Err(wait),
        }
    }

    /// Refills up to `now` and says in how many milliseconds a token is there (0: now), taking nothing.
    pub fn ready_in(&mut self, now: EpochMillis) -> u64 {
        self.ready_for(1, now)
    }

    /// Refills up to `now` and says in how many milliseconds `cost` tokens (at most the burst size) are
    /// there (0: now), taking nothing.
    pub fn ready_for(&mut self, cost: u64, now: EpochMillis) -> u64 {
        let elapsed = now.0.saturating_sub(self.updated.0) as f64;
        self.tokens = (self.tokens + elapsed * self.per_ms).min(self.capacity);
        self.updated = self.updated.max(now);
        let cost = self.cost(cost);
        if self.tokens >= cost {
            0
        } else {
            ((cost - self.tokens) / self.per_ms).ceil() as u64
        }
    }

    fn cost(&self, cost: u64) -> f64 {
        (cost as f64).min(self.capacity)
    }

    /// The burst size.
    pub fn burst(&self) -> u32 {
        self.capacity as u32
    }

    /// Whole tokens left as of the last refill.
    pub fn remaining(&self) -> u32 {
        self.tokens.max(0.0).floor() as u32
    }

    /// Milliseconds from the last refill until the bucket is full again.
    pub fn full_in(&self) -> u64 {
        ((self.capacity - self.tokens).max(0.0) / self.per_ms).ceil() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_refills_at_the_rate() {
        let mut bucket = TokenBucket::per_minute(60, EpochMillis(0));
        for _ in 0..60 {
            assert!(bucket.take(EpochMillis(0)).is_ok());
        }
        assert_eq!(bucket.take(EpochMillis(0)), Err(1000));
        assert_eq!(bucket.take(EpochMillis(400)), Err(600));
        assert!(bucket.take(EpochMillis(1000)).is_ok());
        assert!(bucket.take(EpochMillis(1000)).is_err());
        // A long pause refills to the burst size, not beyond.
        let later = EpochMillis(10 * 60_000);
        assert_eq!((0..100).filter(|_| bucket.take(later).is_ok()).count(), 60);
    }

    #[test]
    fn burst_and_rate_are_separate() {
        // 600 a minute (one per 100 ms) with a burst of 5.
        let mut bucket = TokenBucket::new(600, 5, EpochMillis(0));
        assert_eq!(
            (0..10)
                .filter(|_| bucket.take(EpochMillis(0)).is_ok())
                .count(),
            5
        );
        assert_eq!((bucket.remaining(), bucket.full_in()), (0, 500));
        assert_eq!(bucket.take(EpochMillis(50)), Err(50));
        assert_eq!(bucket.ready_in(EpochMillis(100)), 0);
        assert_eq!(bucket.remaining(), 1);
        assert_eq!(bucket.burst(), 5);
    }

    #[test]
    fn a_cost_takes_that_many_tokens_and_never_more_than_the_burst() {
        // 60,000 a minute (one per ms) with a burst of 1,000.
        let mut bucket = TokenBucket::new(60_000, 1_000, EpochMillis(0));
        assert!(bucket.take_many(600, EpochMillis(0)).is_ok());
        assert_eq!(bucket.take_many(600, EpochMillis(0)), Err(200));
        assert_eq!(bucket.remaining(), 400);
        assert!(bucket.take_many(600, EpochMillis(200)).is_ok());
        // A cost above the burst is charged as the burst: it passes once the bucket is full.
        assert_eq!(bucket.take_many(5_000, EpochMillis(200)), Err(1_000));
        assert!(bucket.take_many(5_000, EpochMillis(1_200)).is_ok());
        assert_eq!(bucket.remaining(), 0);
    }

    #[test]
    fn new_limits_keep_the_tokens_left() {
        let mut bucket = TokenBucket::new(60, 10, EpochMillis(0));
        for _ in 0..7 {
            bucket.take(EpochMillis(0)).unwrap();
        }
        assert!(bucket.has_limits(60, 10) && !bucket.has_limits(60, 2));
        assert_eq!(bucket.with_limits(120, 20).remaining(), 3);
        assert_eq!(bucket.with_limits(60, 2).remaining(), 2);
    }
}
