//! Request analytics: every request becomes a record; records are rolled up into one row per minute, route,
//! status and principal (what the store keeps: far fewer rows than requests, and adding rows is
//! commutative, so batches may land in any order); queries re-aggregate the rows into the buckets asked for.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use synq_core::{ApiError, EpochMillis, ErrorCode};

/// The rows' time resolution.
pub const ROW_MS: u64 = 60_000;
/// The most buckets one query may return.
pub const MAX_BUCKETS: u64 = 10_000;
/// Rows a query reads at most (a day of one principal calling 6 routes with 3 statuses is 26k).
pub const MAX_ROWS: usize = 100_000;

/// One request, as the gateway saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// When it arrived.
    pub at: EpochMillis,
    /// The route: a built-in endpoint's name (`circuits.analyze`) or a custom route's id.
    pub route: String,
    /// The HTTP status answered.
    pub status: u16,
    /// `user:<id>` or `key:<id>`; empty when unauthenticated.
    pub principal: String,
    /// Milliseconds from arrival to the response.
    pub latency_ms: u64,
}

/// A minute's count for one route, status and principal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollupRow {
    /// Start of the minute.
    pub minute: EpochMillis,
    /// Route.
    pub route: String,
    /// Status.
    pub status: u16,
    /// Principal (empty when unauthenticated).
    pub principal: String,
    /// Requests.
    pub count: u64,
    /// Their latencies added up.
    pub latency_sum_ms: u64,
    /// The slowest.
    pub latency_max_ms: u64,
}

type RowKey = (EpochMillis, String, u16, String);

/// Rolls records up into rows (one per minute, route, status, principal), in key order.
pub fn rollup(records: &[RequestRecord]) -> Vec<RollupRow> {
    let mut rows: BTreeMap<RowKey, RollupRow> = BTreeMap::new();
    for r in records {
        let minute = EpochMillis(r.at.0 - r.at.0 % ROW_MS);
        let row = rows
            .entry((minute, r.route.clone(), r.status, r.principal.clone()))
            .or_insert_with(|| RollupRow {
                minute,
                route: r.route.clone(),
                status: r.status,
                principal: r.principal.clone(),
                count: 0,
                latency_sum_ms: 0,
                latency_max_ms: 0,
            });
        row.count += 1;
        row.latency_sum_ms = row.latency_sum_ms.saturating_add(r.latency_ms);
        row.latency_max_ms = row.latency_max_ms.max(r.latency_ms);
    }
    rows.into_values().collect()
}

/// Adds `row` into `into` (same key): what the store's upsert does.
pub fn merge_row(into: &mut RollupRow, row: &RollupRow) {
    into.count = into.count.saturating_add(row.count);
    into.latency_sum_ms = into.latency_sum_ms.saturating_add(row.latency_sum_ms);
    into.latency_max_ms = into.latency_max_ms.max(row.latency_max_ms);
}

/// What `GET …/gateway/analytics` asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyticsQuery {
    /// From (inclusive; rounded down to the minute).
    pub from: EpochMillis,
    /// To (exclusive).
    pub to: EpochMillis,
    /// Bucket width in ms, a whole number of minutes.
    pub bucket_ms: u64,
    /// Only this route.
    pub route: Option<String>,
    /// Only this principal.
    pub principal: Option<String>,
}

impl AnalyticsQuery {
    /// Reads `from`, `to` (epoch ms), `bucket` (`minute`, `hour`, `day`) and the filters from query
    /// parameters; by default the last hour by minute.
    pub fn from_params(
        params: &BTreeMap<String, String>,
        now: EpochMillis,
    ) -> Result<AnalyticsQuery, ApiError> {
        let number = |name: &str| -> Result<Option<u64>, ApiError> {
            params
                .get(name)
                .map(|v| {
                    v.parse::<u64>().map_err(|_| {
                        ApiError::new(
                            ErrorCode::InvalidMessage,
                            format!("`{name}` is epoch milliseconds, not `{v}`"),
                        )
                        .with_field(name)
                    })
                })
                .transpose()
        };
        let to = number("to")?.unwrap_or(now.0.saturating_add(1));
        let from = number("from")?.unwrap_or(to.saturating_sub(3_600_000));
        let bucket_ms = match params.get("bucket").map(String::as_str) {
            None | Some("minute") => ROW_MS,
            Some("hour") => 3_600_000,
            Some("day") => 86_400_000,
            Some(other) => {
                return Err(ApiError::new(
                    ErrorCode::InvalidMessage,
                    format!("`bucket` is minute, hour or day, not `{other}`"),
                )
                .with_field("bucket"));
            }
        };
        if from >= to {
            return Err(
                ApiError::new(ErrorCode::InvalidMessage, "`from` must be before `to`")
                    .with_field("from"),
            );
        }
        if (to - from).div_ceil(bucket_ms) > MAX_BUCKETS {
            return Err(ApiError::new(
                ErrorCode::InvalidMessage,
                format!("at most {MAX_BUCKETS} buckets: widen `bucket` or narrow the range"),
            )
            .with_field("bucket"));
        }
        Ok(AnalyticsQuery {
            from: EpochMillis(from - from % ROW_MS),
            to: EpochMillis(to),
            bucket_ms,
            route: params.get("route").cloned(),
            principal: params.get("principal").cloned(),
        })
    }
}

/// One bucket of the answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnalyticsBucket {
    /// Bucket start.
    pub start: EpochMillis,
    /// Route.
    pub route: String,
    /// Status.
    pub status: u16,
    /// Requests.
    pub count: u64,
    /// Mean latency.
    pub mean_latency_ms: f64,
    /// Slowest.
    pub max_latency_ms: u64,
}

/// Totals per key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnalyticsTotals {
    /// All requests.
    pub requests: u64,
    /// By route.
    pub by_route: BTreeMap<String, u64>,
    /// By status (JSON object keys are strings: `"200"`).
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<String, u64>))]
    pub by_status: BTreeMap<u16, u64>,
}

/// `GET …/gateway/analytics`'s answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnalyticsReport {
    /// Range start.
    pub from: EpochMillis,
    /// Range end.
    pub to: EpochMillis,
    /// Bucket width.
    pub bucket_ms: u64,
    /// Totals over the range.
    pub totals: AnalyticsTotals,
    /// Non-empty buckets, by start, route, status.
    pub buckets: Vec<AnalyticsBucket>,
}

/// Aggregates stored rows into the report `query` asks for (rows outside it are ignored).
pub fn aggregate(rows: &[RollupRow], query: &AnalyticsQuery) -> AnalyticsReport {
    let mut buckets: BTreeMap<(EpochMillis, String, u16), RollupRow> = BTreeMap::new();
    let mut totals = AnalyticsTotals::default();
    let wanted = |row: &&RollupRow| {
        row.minute >= query.from
            && row.minute < query.to
            && query.route.as_ref().is_none_or(|r| *r == row.route)
            && query.principal.as_ref().is_none_or(|p| *p == row.principal)
    };
    for row in rows.iter().filter(wanted) {
        let start = EpochMillis(
            query.from.0 + (row.minute.0 - query.from.0) / query.bucket_ms * query.bucket_ms,
        );
        let key = (start, row.route.clone(), row.status);
        match buckets.get_mut(&key) {
            Some(bucket) => merge_row(bucket, row),
            None => {
                buckets.insert(key, row.clone());
            }
        }
        totals.requests += row.count;
        *totals.by_route.entry(row.route.clone()).or_default() += row.count;
        *totals.by_status.entry(row.status).or_default() += row.count;
    }
    let buckets = buckets
        .into_iter()
        .map(|((start, route, status), row)| AnalyticsBucket {
            start,
            route,
            status,
            count: row.count,
            mean_latency_ms: row.latency_sum_ms as f64 / row.count.max(1) as f64,
            max_latency_ms: row.latency_max_ms,
        })
        .collect();
    AnalyticsReport {
        from: query.from,
        to: query.to,
        bucket_ms: query.bucket_ms,
        totals,
        buckets,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn record(at: u64, route: &str, status: u16, latency_ms: u64) -> RequestRecord {
        RequestRecord {
            at: EpochMillis(at),
            route: route.into(),
            status,
            principal: "user:a".into(),
            latency_ms,
        }
    }

    fn query(from: u64, to: u64, bucket_ms: u64) -> AnalyticsQuery {
        AnalyticsQuery {
            from: EpochMillis(from),
            to: EpochMillis(to),
            bucket_ms,
            route: None,
            principal: None,
        }
    }

    #[test]
    fn rolls_up_by_minute_and_aggregates_by_bucket() {
        let rows = rollup(&[
            record(1_000, "a", 200, 10),
            record(59_999, "a", 200, 30),
            record(60_000, "a", 200, 5),
            record(61_000, "a", 429, 1),
            record(3_600_000, "b", 200, 7),
        ]);
        assert_eq!(rows.len(), 4);
        assert_eq!(
            (
                rows[0].count,
                rows[0].latency_sum_ms,
                rows[0].latency_max_ms
            ),
            (2, 40, 30)
        );
        let report = aggregate(&rows, &query(0, 7_200_000, 3_600_000));
        assert_eq!(report.totals.requests, 5);
        assert_eq!(
            report.totals.by_status,
            BTreeMap::from([(200, 4), (429, 1)])
        );
        let a200 = &report.buckets[0];
        assert_eq!(
            (a200.start, a200.route.as_str(), a200.status, a200.count),
            (EpochMillis(0), "a", 200, 3)
        );
        assert!((a200.mean_latency_ms - 15.0).abs() < 1e-9);
        assert_eq!(report.buckets[2].start, EpochMillis(3_600_000));
        // Filters and range.
        let mut only_b = query(0, 7_200_000, ROW_MS);
        only_b.route = Some("b".into());
        assert_eq!(aggregate(&rows, &only_b).totals.requests, 1);
        assert_eq!(
            aggregate(&rows, &query(0, 60_000, ROW_MS)).totals.requests,
            2
        );
    }

    #[test]
    fn query_params_are_checked() {
        let now = EpochMillis(10_000_000);
        let params = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<BTreeMap<_, _>>()
        };
        let q = AnalyticsQuery::from_params(&params(&[]), now).unwrap();
        assert_eq!((q.to.0 - q.from.0 > 3_600_000, q.bucket_ms), (true, ROW_MS));
        for (bad, field) in [
            (params(&[("from", "x")]), "from"),
            (params(&[("bucket", "week")]), "bucket"),
            (params(&[("from", "5"), ("to", "5")]), "from"),
            (params(&[("from", "0"), ("to", "1000000000000")]), "bucket"),
        ] {
            let e = AnalyticsQuery::from_params(&bad, now).unwrap_err();
            assert_eq!(e.field.as_deref(), Some(field));
        }
    }

    proptest! {
        #[test]
        fn rollup_in_batches_equals_rollup_at_once(
            records in proptest::collection::vec((0u64..600_000, 0usize..3, prop::sample::select(vec![200u16, 404, 429]), 0u64..100), 0..60),
            split in any::<prop::sample::Index>(),
        ) {
            let records: Vec<RequestRecord> = records
                .into_iter()
                .map(|(at, route, status, latency)| record(at, ["a", "b", "c"][route], status, latency))
                .collect();
            let at_once = rollup(&records);
            let (left, right) = records.split_at(split.index(records.len() + 1));
            let mut merged: BTreeMap<RowKey, RollupRow> = BTreeMap::new();
            for row in rollup(left).into_iter().chain(rollup(right)) {
                let key = (row.minute, row.route.clone(), row.status, row.principal.clone());
                match merged.get_mut(&key) {
                    Some(existing) => merge_row(existing, &row),
                    None => { merged.insert(key, row); }
                }
            }
            prop_assert_eq!(merged.into_values().collect::<Vec<_>>(), at_once.clone());
            let q = query(0, 600_000, 120_000);
            prop_assert_eq!(aggregate(&at_once, &q).totals.requests, records.len() as u64);
        }
    }
}
