//! What a Yjs client may send. y-websocket sends one update per transaction (about one per keystroke) and
//! one awareness update per cursor move, so the synq protocol's limits (100 JSON messages a minute per
//! connection, 50 edits a minute per user) would close a fast typist. Yjs traffic has its own budget,
//! sized from real typing (README, "Yjs clients"), in three parts:
//! - **document updates** (sync step 2 and updates), per user across their connections: a count of
//!   updates and a count of their bytes, so a reconnect does not refill it;
//! - **awareness updates**, per connection (each connection is one awareness client);
//! - everything else (sync step 1, awareness queries, auth, unknown types and undecodable frames) counts
//!   as the connection's messages, like a synq message.
//!
//! Over budget, nothing of the message is applied and the shell closes the socket (1013): y-websocket has
//! no acknowledgements, so a refused update cannot be resent alone; it reconnects and its sync step 2
//! brings every update the server did not take.

use crate::rate::TokenBucket;
use crate::units::EpochMillis;

/// The Yjs budget's limits. The defaults are documented in the README with where they come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YjsLimits {
    /// Document updates one user may send per minute, across their Yjs connections.
    pub updates_per_minute: u32,
    /// How many updates may come at once (a full bucket).
    pub update_burst: u32,
    /// Bytes of document updates one user may send per minute. The burst is the largest accepted frame,
    /// so any update the platform lets through passes once the bucket is full.
    pub update_bytes_per_minute: u32,
    /// Awareness updates one connection may send per minute.
    pub awareness_per_minute: u32,
    /// How many awareness updates may come at once.
    pub awareness_burst: u32,
}

impl Default for YjsLimits {
    fn default() -> Self {
        YjsLimits {
            updates_per_minute: 1_200,
            update_burst: 200,
            update_bytes_per_minute: 1024 * 1024,
            awareness_per_minute: 1_800,
            awareness_burst: 300,
        }
    }
}

/// A message over its budget: which limit, and in how many milliseconds it would pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverBudget {
    /// The limit, for the client: "at most … a minute per …".
    pub limit: String,
    /// When the same message would be taken.
    pub retry_after_ms: u64,
}

/// One user's budget for document updates: a count and their bytes, taken together or not at all.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateBudget {
    updates: TokenBucket,
    bytes: TokenBucket,
}

impl UpdateBudget {
    /// A full budget; `max_update_bytes` is the largest accepted frame (the bytes' burst).
    pub fn new(limits: &YjsLimits, max_update_bytes: usize, now: EpochMillis) -> Self {
        let max_update_bytes = u32::try_from(max_update_bytes).unwrap_or(u32::MAX);
        UpdateBudget {
            updates: TokenBucket::new(limits.updates_per_minute, limits.update_burst, now),
            bytes: TokenBucket::new(limits.update_bytes_per_minute, max_update_bytes, now),
        }
    }

    /// Takes one update of `bytes` bytes, or says which limit it is over (taking nothing).
    pub fn take(
        &mut self,
        limits: &YjsLimits,
        bytes: usize,
        now: EpochMillis,
    ) -> Result<(), OverBudget> {
        let bytes = u64::try_from(bytes).unwrap_or(u64::MAX);
        let count_wait = self.updates.ready_in(now);
        let bytes_wait = self.bytes.ready_for(bytes, now);
        if count_wait == 0 && bytes_wait == 0 {
            // Both are ready, so neither take can fail.
            let _ = self.updates.take(now);
            let _ = self.bytes.take_many(bytes, now);
            return Ok(());
        }
        let limit = if count_wait >= bytes_wait {
            format!(
                "at most {} Yjs updates a minute per user (bursts of {})",
                limits.updates_per_minute, limits.update_burst
            )
        } else {
            format!(
                "at most {} bytes of Yjs updates a minute per user",
                limits.update_bytes_per_minute
            )
        };
        Err(OverBudget {
            limit,
            retry_after_ms: count_wait.max(bytes_wait),
        })
    }
}

/// One connection's budget for awareness updates.
pub fn awareness_bucket(limits: &YjsLimits, now: EpochMillis) -> TokenBucket {
    TokenBucket::new(limits.awareness_per_minute, limits.awareness_burst, now)
}

/// Takes one awareness update from a connection's bucket, or says it is over the limit.
pub fn take_awareness(
    bucket: &mut TokenBucket,
    limits: &YjsLimits,
    now: EpochMillis,
) -> Result<(), OverBudget> {
    bucket.take(now).map_err(|retry_after_ms| OverBudget {
        limit: format!(
            "at most {} awareness updates a minute per connection (bursts of {})",
            limits.awareness_per_minute, limits.awareness_burst
        ),
        retry_after_ms,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const MIB: usize = 1024 * 1024;

    /// Keystroke times (ms) of a typist: `count` keys `gap_ms` apart from `start`.
    fn keys(start: u64, count: u64, gap_ms: u64) -> impl Iterator<Item = EpochMillis> {
        (0..count).map(move |i| EpochMillis(start + i * gap_ms))
    }

    #[test]
    fn the_busiest_real_typing_passes_with_room_to_spare() {
        // The seph-blog1 trace's busiest windows (README): 19 keys in a second, 108 in 10 s, 379 in a
        // minute. Typed back to back, as fast as each window allows, twice over, nothing is refused.
        let limits = YjsLimits::default();
        let mut budget = UpdateBudget::new(&limits, MIB, EpochMillis(0));
        let mut at = 0;
        for (count, window_ms) in [(38, 1_000), (216, 10_000), (758, 60_000)] {
            for now in keys(at, count, window_ms / count) {
                budget.take(&limits, 30, now).unwrap();
            }
            at += window_ms;
        }
        // Ten keys a second for a minute, and holding a key down (30 a second) for 15 s.
        let mut budget = UpdateBudget::new(&limits, MIB, EpochMillis(0));
        for now in keys(0, 600, 100).chain(keys(60_000, 450, 33)) {
            budget.take(&limits, 30, now).unwrap();
        }
    }

    #[test]
    fn a_flood_is_stopped_at_the_burst_and_told_when_to_come_back() {
        let limits = YjsLimits::default();
        let mut budget = UpdateBudget::new(&limits, MIB, EpochMillis(0));
        let taken = (0..10_000)
            .take_while(|_| budget.take(&limits, 30, EpochMillis(0)).is_ok())
            .count();
        assert_eq!(taken, 200);
        let over = budget.take(&limits, 30, EpochMillis(0)).unwrap_err();
        // 1,200 a minute: one every 50 ms.
        assert_eq!(over.retry_after_ms, 50);
        assert!(over.limit.contains("1200 Yjs updates a minute per user"));
        assert!(budget.take(&limits, 30, EpochMillis(50)).is_ok());
    }

    #[test]
    fn big_updates_are_held_to_the_byte_rate_and_a_refusal_takes_nothing() {
        let limits = YjsLimits::default();
        let mut budget = UpdateBudget::new(&limits, MIB, EpochMillis(0));
        // A whole frame's worth passes at once (a long offline spell's sync step 2) ...
        budget.take(&limits, MIB, EpochMillis(0)).unwrap();
        // ... then the next large one waits for its bytes: 1 MiB a minute.
        let over = budget.take(&limits, 64 * 1024, EpochMillis(0)).unwrap_err();
        assert!(over.limit.contains("bytes of Yjs updates"));
        assert_eq!(over.retry_after_ms, 3_750);
        // The refused update took no update token either.
        assert_eq!(budget.updates.remaining(), 199);
        budget.take(&limits, 64 * 1024, EpochMillis(3_750)).unwrap();
    }

    #[test]
    fn awareness_has_its_own_budget() {
        let limits = YjsLimits::default();
        let mut bucket = awareness_bucket(&limits, EpochMillis(0));
        for now in keys(0, 300, 0) {
            take_awareness(&mut bucket, &limits, now).unwrap();
        }
        let over = take_awareness(&mut bucket, &limits, EpochMillis(0)).unwrap_err();
        assert!(over.limit.contains("awareness updates"));
        // A cursor dragged at 60 moves a second for 9 s fits a full bucket plus 30 a second.
        let mut bucket = awareness_bucket(&limits, EpochMillis(0));
        for now in keys(0, 540, 17) {
            take_awareness(&mut bucket, &limits, now).unwrap();
        }
    }

    proptest! {
        /// Whatever the traffic, over any window the budget takes at most the burst plus the window's
        /// refill, and a sender that keeps to the rate is never refused.
        #[test]
        fn the_budget_bounds_every_window(
            gaps in proptest::collection::vec(0u64..200, 1..300),
            sizes in proptest::collection::vec(1usize..8_192, 1..300),
        ) {
            let limits = YjsLimits::default();
            let mut budget = UpdateBudget::new(&limits, MIB, EpochMillis(0));
            let mut now = 0;
            let mut taken = Vec::new();
            for (gap, bytes) in gaps.iter().zip(sizes.iter().cycle()) {
                now += gap;
                if budget.take(&limits, *bytes, EpochMillis(now)).is_ok() {
                    taken.push((now, *bytes));
                }
            }
            let mut bytes_before = vec![0usize];
            for (_, bytes) in &taken {
                bytes_before.push(bytes_before.last().unwrap() + bytes);
            }
            for (i, (start, _)) in taken.iter().enumerate() {
                for (j, (end, _)) in taken.iter().enumerate().skip(i) {
                    let minutes = (end - start) as f64 / 60_000.0;
                    let refill = minutes * f64::from(limits.updates_per_minute);
                    prop_assert!((j - i + 1) as f64 <= f64::from(limits.update_burst) + refill + 1e-6);
                    let bytes = bytes_before[j + 1] - bytes_before[i];
                    let byte_refill = minutes * f64::from(limits.update_bytes_per_minute);
                    prop_assert!(bytes as f64 <= MIB as f64 + byte_refill + 1e-6);
                }
            }
            let mut steady = UpdateBudget::new(&limits, MIB, EpochMillis(0));
            for (k, bytes) in sizes.iter().enumerate() {
                // One update every 50 ms (the rate), each well within the byte rate.
                let at = EpochMillis(k as u64 * 50);
                prop_assert!(steady.take(&limits, (*bytes).min(800), at).is_ok());
            }
        }
    }
}
