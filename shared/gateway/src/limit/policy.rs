//! What a principal may send: a token bucket (a rate and a burst) and optionally a quota per period.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use serde::{Deserialize, Serialize};
use synq_core::{ApiError, EpochMillis, ErrorCode};

/// The highest rate and burst a policy may set: far above what one principal can send through a Worker.
pub const MAX_PER_MINUTE: u32 = 1_000_000;

/// A token bucket's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Sustained requests per minute.
    pub requests_per_minute: u32,
    /// Requests that may come at once after a quiet spell (the bucket's size).
    pub burst: u32,
}

impl RateLimit {
    /// The seed's HTTP default: 1,000 requests a minute per user, with a minute's worth as a burst.
    pub const DEFAULT_USER: RateLimit = RateLimit {
        requests_per_minute: 1_000,
        burst: 1_000,
    };

    /// Refuses zero and absurd numbers, naming the field (`field_prefix.requests_per_minute`).
    pub fn validate(&self, field_prefix: &str) -> Result<(), ApiError> {
        for (name, value) in [
            ("requests_per_minute", self.requests_per_minute),
            ("burst", self.burst),
        ] {
            if value == 0 || value > MAX_PER_MINUTE {
                return Err(ApiError::new(
                    ErrorCode::InvalidMessage,
                    format!("`{name}` must be from 1 to {MAX_PER_MINUTE}, not {value}"),
                )
                .with_field(format!("{field_prefix}{name}")));
            }
        }
        Ok(())
    }
}

/// How long a quota's window is. Windows are calendar-aligned in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum QuotaPeriod {
    /// From the top of each hour.
    Hour,
    /// From midnight UTC.
    Day,
    /// From the first of each month, UTC.
    Month,
}

impl QuotaPeriod {
    /// The window `[start, end)` that contains `now`.
    pub fn window(self, now: EpochMillis) -> (EpochMillis, EpochMillis) {
        let at = DateTime::<Utc>::from_timestamp_millis(i64::try_from(now.0).unwrap_or(i64::MAX))
            .unwrap_or_default();
        let day = at.date_naive();
        let (start, end) = match self {
            QuotaPeriod::Hour => {
                let start = day.and_hms_opt(at.hour(), 0, 0).unwrap_or_default();
                (start, start + chrono::Duration::hours(1))
            }
            QuotaPeriod::Day => {
                let start = day.and_hms_opt(0, 0, 0).unwrap_or_default();
                (start, start + chrono::Duration::days(1))
            }
            QuotaPeriod::Month => {
                let first = NaiveDate::from_ymd_opt(day.year(), day.month(), 1).unwrap_or(day);
                let next = first
                    .checked_add_months(chrono::Months::new(1))
                    .unwrap_or(first);
                (
                    first.and_hms_opt(0, 0, 0).unwrap_or_default(),
                    next.and_hms_opt(0, 0, 0).unwrap_or_default(),
                )
            }
        };
        let millis = |t: chrono::NaiveDateTime| {
            EpochMillis(u64::try_from(t.and_utc().timestamp_millis()).unwrap_or(0))
        };
        (millis(start), millis(end))
    }
}

/// At most `limit` requests per period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Quota {
    /// Requests per window.
    pub limit: u64,
    /// The window.
    pub period: QuotaPeriod,
}

/// A principal's limits as an admin sets them (`PUT …/quotas/{principal}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QuotaSpec {
    /// The token bucket.
    pub rate: RateLimit,
    /// The quota, if any.
    #[serde(default)]
    pub quota: Option<Quota>,
}

impl QuotaSpec {
    /// Refuses zero or absurd numbers, naming the field.
    pub fn validate(&self) -> Result<(), ApiError> {
        self.rate.validate("rate.")?;
        if let Some(quota) = &self.quota
            && quota.limit == 0
        {
            return Err(ApiError::new(
                ErrorCode::InvalidMessage,
                "`limit` must be at least 1 (revoke the key to stop all requests)",
            )
            .with_field("quota.limit"));
        }
        Ok(())
    }
}

/// A stored policy: whose, what, when set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaPolicy {
    /// `user:<id>` or `key:<id>`.
    pub principal: String,
    /// The limits.
    #[serde(flatten)]
    pub spec: QuotaSpec,
    /// When it was last set.
    pub updated_at: EpochMillis,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> EpochMillis {
        EpochMillis(
            DateTime::parse_from_rfc3339(s)
                .unwrap()
                .timestamp_millis()
                .try_into()
                .unwrap(),
        )
    }

    #[test]
    fn windows_are_calendar_aligned() {
        let now = at("2026-02-14T13:45:10Z");
        assert_eq!(
            QuotaPeriod::Hour.window(now),
            (at("2026-02-14T13:00:00Z"), at("2026-02-14T14:00:00Z"))
        );
        assert_eq!(
            QuotaPeriod::Day.window(now),
            (at("2026-02-14T00:00:00Z"), at("2026-02-15T00:00:00Z"))
        );
        assert_eq!(
            QuotaPeriod::Month.window(now),
            (at("2026-02-01T00:00:00Z"), at("2026-03-01T00:00:00Z"))
        );
        assert_eq!(
            QuotaPeriod::Month.window(at("2026-12-31T23:59:59Z")).1,
            at("2027-01-01T00:00:00Z")
        );
    }

    #[test]
    fn zero_limits_name_their_field() {
        let spec = QuotaSpec {
            rate: RateLimit {
                requests_per_minute: 10,
                burst: 0,
            },
            quota: None,
        };
        assert_eq!(
            spec.validate().unwrap_err().field.as_deref(),
            Some("rate.burst")
        );
        let spec = QuotaSpec {
            rate: RateLimit::DEFAULT_USER,
            quota: Some(Quota {
                limit: 0,
                period: QuotaPeriod::Day,
            }),
        };
        assert_eq!(
            spec.validate().unwrap_err().field.as_deref(),
            Some("quota.limit")
        );
    }
}
