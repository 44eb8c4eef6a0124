//! A token bucket with its clock passed in: `capacity` tokens of burst, refilled at `per_minute`.

use crate::units::EpochMillis;

/// A token bucket. A bucket starts full.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenBucket {
    capacity: f64,
    per_ms: f64,
    tokens: f64,
    updated: EpochMillis,
}

impl TokenBucket {
    /// A full bucket allowing `per_minute` on average and the same again as a burst.
    pub fn per_minute(per_minute: u32, now: EpochMillis) -> Self {
        let capacity = f64::from(per_minute.max(1));
        TokenBucket {
            capacity,
            per_ms: capacity / 60_000.0,
            tokens: capacity,
            updated: now,
        }
    }

    /// Takes one token, or says how many milliseconds until one is there.
    pub fn take(&mut self, now: EpochMillis) -> Result<(), u64> {
        let elapsed = now.0.saturating_sub(self.updated.0) as f64;
        self.tokens = (self.tokens + elapsed * self.per_ms).min(self.capacity);
        self.updated = self.updated.max(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        Err(((1.0 - self.tokens) / self.per_ms).ceil() as u64)
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
}
