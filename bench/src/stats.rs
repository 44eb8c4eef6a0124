//! Latency histograms (microseconds) and their JSON summary (milliseconds), plus small helpers.

use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

/// Highest latency a histogram records exactly: 60 s. Larger values are clamped to it.
const MAX_MICROS: u64 = 60_000_000;

/// A latency histogram in microseconds, 3 significant digits.
#[derive(Debug, Clone)]
pub(crate) struct Latencies(Histogram<u64>);

impl Latencies {
    /// An empty histogram.
    pub(crate) fn new() -> anyhow::Result<Self> {
        Ok(Latencies(Histogram::new_with_bounds(1, MAX_MICROS, 3)?))
    }

    /// Records one latency (clamped to 1 µs .. 60 s).
    pub(crate) fn record(&mut self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(MAX_MICROS);
        self.0.saturating_record(micros.clamp(1, MAX_MICROS));
    }

    /// Adds every value of `other`.
    pub(crate) fn merge(&mut self, other: &Latencies) -> anyhow::Result<()> {
        self.0.add(&other.0)?;
        Ok(())
    }

    /// The summary printed in the JSON report.
    pub(crate) fn summary(&self) -> Summary {
        if self.0.is_empty() {
            return Summary::default();
        }
        let ms = |micros: u64| Some(round3(micros as f64 / 1000.0));
        Summary {
            count: self.0.len(),
            p50_ms: ms(self.0.value_at_quantile(0.50)),
            p90_ms: ms(self.0.value_at_quantile(0.90)),
            p99_ms: ms(self.0.value_at_quantile(0.99)),
            max_ms: ms(self.0.max()),
            mean_ms: Some(round3(self.0.mean() / 1000.0)),
        }
    }
}

/// Percentiles of one histogram, in milliseconds; all `null` when nothing was recorded.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub(crate) struct Summary {
    /// How many values.
    pub(crate) count: u64,
    /// Median.
    pub(crate) p50_ms: Option<f64>,
    /// 90th percentile.
    pub(crate) p90_ms: Option<f64>,
    /// 99th percentile.
    pub(crate) p99_ms: Option<f64>,
    /// Largest value.
    pub(crate) max_ms: Option<f64>,
    /// Arithmetic mean.
    pub(crate) mean_ms: Option<f64>,
}

/// Rounds to 3 decimals (microsecond resolution for milliseconds).
pub(crate) fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// `a / b` rounded, or `None` when either side is missing or `b` is zero.
pub(crate) fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(round3(a / b)),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn summary_is_in_milliseconds_with_percentiles() {
        let mut h = Latencies::new().unwrap();
        for micros in 1..=1000u64 {
            h.record(Duration::from_micros(micros * 10)); // 10 µs .. 10 ms
        }
        let s = h.summary();
        assert_eq!(s.count, 1000);
        let near = |got: Option<f64>, want: f64| {
            let got = got.unwrap();
            assert!((got - want).abs() <= want * 0.01, "{got} vs {want}");
        };
        near(s.p50_ms, 5.0);
        near(s.p99_ms, 9.9);
        near(s.max_ms, 10.0);
        near(s.mean_ms, 5.005);
    }

    #[test]
    fn empty_summary_serializes_as_nulls() {
        let json = serde_json::to_value(Latencies::new().unwrap().summary()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"count": 0, "p50_ms": null, "p90_ms": null, "p99_ms": null,
                               "max_ms": null, "mean_ms": null})
        );
    }

    #[test]
    fn huge_and_zero_latencies_are_clamped_not_lost() {
        let mut h = Latencies::new().unwrap();
        h.record(Duration::ZERO);
        h.record(Duration::from_secs(3600));
        assert_eq!(h.summary().count, 2);
        assert!(h.summary().max_ms.unwrap() >= 59_000.0);
    }

    #[test]
    fn ratio_of_optional_values() {
        assert_eq!(ratio(Some(3.0), Some(2.0)), Some(1.5));
        assert_eq!(ratio(Some(3.0), Some(0.0)), None);
        assert_eq!(ratio(None, Some(1.0)), None);
    }
}
