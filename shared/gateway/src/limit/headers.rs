//! The rate-limit response headers (`RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`, as in
//! the IETF httpapi draft, and `Retry-After` when refused) for a decision.

use synq_core::EpochMillis;

use super::limiter::Decision;

/// Header name/value pairs describing the tightest counter of `decision` made at `now`: the one with the
/// fewest requests left, counting a quota's remainder when that is lower than its bucket's. `Reset` (until
/// the counter is whole again) and `Retry-After` are whole seconds, rounded up.
pub fn rate_limit_headers(decision: &Decision, now: EpochMillis) -> Vec<(&'static str, String)> {
    let tightest = decision
        .buckets
        .iter()
        .map(|b| match b.quota {
            Some(q) if q.remaining < u64::from(b.remaining) => {
                (q.limit, q.remaining, q.resets_at.0.saturating_sub(now.0))
            }
            _ => (u64::from(b.limit), u64::from(b.remaining), b.reset_ms),
        })
        .min_by_key(|(_, remaining, _)| *remaining);
    let Some((limit, remaining, reset_ms)) = tightest else {
        return Vec::new();
    };
    let mut headers = vec![
        ("ratelimit-limit", limit.to_string()),
        ("ratelimit-remaining", remaining.to_string()),
        ("ratelimit-reset", seconds(reset_ms).to_string()),
    ];
    if let Some(wait) = decision.retry_after_ms {
        headers.push(("retry-after", seconds(wait).to_string()));
    }
    headers
}

fn seconds(ms: u64) -> u64 {
    ms.div_ceil(1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limit::{BucketStatus, QuotaPeriod, QuotaStatus};

    fn bucket(key: &str, limit: u32, remaining: u32, reset_ms: u64) -> BucketStatus {
        BucketStatus {
            key: key.into(),
            limit,
            remaining,
            reset_ms,
            requests_per_minute: 60,
            quota: None,
        }
    }

    #[test]
    fn the_tightest_counter_is_reported() {
        let decision = Decision {
            allowed: false,
            retry_after_ms: Some(1001),
            buckets: vec![
                bucket("user:a", 100, 40, 60_000),
                bucket("route", 5, 0, 4_500),
            ],
        };
        assert_eq!(
            rate_limit_headers(&decision, EpochMillis(0)),
            [
                ("ratelimit-limit", "5".to_owned()),
                ("ratelimit-remaining", "0".to_owned()),
                ("ratelimit-reset", "5".to_owned()),
                ("retry-after", "2".to_owned()),
            ]
        );
    }

    #[test]
    fn a_nearly_spent_quota_is_reported_over_its_bucket() {
        let mut b = bucket("key:k", 100, 90, 6_000);
        b.quota = Some(QuotaStatus {
            limit: 1000,
            period: QuotaPeriod::Day,
            used: 997,
            remaining: 3,
            resets_at: EpochMillis(50_000),
        });
        let decision = Decision {
            allowed: true,
            retry_after_ms: None,
            buckets: vec![b],
        };
        let headers = rate_limit_headers(&decision, EpochMillis(10_000));
        assert_eq!(
            headers,
            [
                ("ratelimit-limit", "1000".to_owned()),
                ("ratelimit-remaining", "3".to_owned()),
                ("ratelimit-reset", "40".to_owned()),
            ]
        );
    }
}
