//! Ratios of two targets measured in turns. Run i of one target over run i of the other (the runs are
//! interleaved, so each pair shares the machine's state of the moment: a machine that slows down for a
//! minute slows both), with a distribution-free interval for the median of those pair ratios.
//!
//! On a shared machine the medians of each target's runs drift with the load between the runs; pairing
//! takes the drift out, and the interval says how far the median ratio can be trusted at this many runs.

use serde::Serialize;

use crate::median::median;
use crate::stats::round3;

/// The least coverage an interval is chosen for (a narrower one is used once there are enough pairs).
const COVERAGE: f64 = 0.9;

/// The median of per-pair ratios, and the sign-test interval around it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub(crate) struct PairedRatio {
    /// Pairs where both runs have a value.
    pub(crate) pairs: usize,
    pub(crate) median: f64,
    /// The interval `low..=high` holds the median pair ratio with probability at least `coverage`
    /// (whatever the distribution of the ratios, if the pairs are independent).
    pub(crate) low: f64,
    pub(crate) high: f64,
    pub(crate) coverage: f64,
}

/// Pairs `a` and `b` by index (run i with run i) and compares them; `None` without a single pair.
pub(crate) fn paired_ratio(a: &[Option<f64>], b: &[Option<f64>]) -> Option<PairedRatio> {
    let mut ratios: Vec<f64> = a
        .iter()
        .zip(b)
        .filter_map(|(a, b)| match (a, b) {
            (Some(a), Some(b)) if *b > 0.0 => Some(a / b),
            _ => None,
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    let n = ratios.len();
    let (k, coverage) = sign_test_rank(n)?;
    Some(PairedRatio {
        pairs: n,
        median: round3(median(&ratios)?),
        low: round3(ratios[k - 1]),
        high: round3(ratios[n - k]),
        coverage: round3(coverage),
    })
}

/// The rank k (1-based) of the sign-test interval `[x_(k), x_(n+1-k)]` for the median of n values: the
/// largest k whose coverage is at least [`COVERAGE`], else 1 (the whole range). With its coverage,
/// `1 - 2·P(Binomial(n, ½) < k)`.
fn sign_test_rank(n: usize) -> Option<(usize, f64)> {
    if n == 0 {
        return None;
    }
    let coverage = |k: usize| 1.0 - 2.0 * binomial_half_below(n, k);
    let best = (1..=n.div_ceil(2))
        .take_while(|&k| coverage(k) >= COVERAGE)
        .last()
        .unwrap_or(1);
    Some((best, coverage(best)))
}

/// P(Binomial(n, ½) < k).
fn binomial_half_below(n: usize, k: usize) -> f64 {
    let mut term = 0.5f64.powi(i32::try_from(n).unwrap_or(i32::MAX)); // C(n, 0) / 2^n
    let mut sum = 0.0;
    for i in 0..k.min(n + 1) {
        sum += term;
        term *= (n - i) as f64 / (i + 1) as f64;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomial_tail_matches_hand_counts() {
        // n = 5: P(X < 1) = 1/32, P(X < 2) = 6/32.
        assert!((binomial_half_below(5, 1) - 1.0 / 32.0).abs() < 1e-12);
        assert!((binomial_half_below(5, 2) - 6.0 / 32.0).abs() < 1e-12);
        assert!((binomial_half_below(4, 5) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn the_interval_narrows_as_pairs_are_added() {
        // Too few pairs for 90 %: the whole range, with what it covers.
        assert_eq!(sign_test_rank(3), Some((1, 0.75)));
        assert_eq!(sign_test_rank(5), Some((1, 1.0 - 2.0 / 32.0)));
        // n = 8: k = 2 covers 1 - 18/256 ≈ 0.93; k = 3 only ≈ 0.71.
        assert_eq!(sign_test_rank(8).map(|(k, _)| k), Some(2));
        assert_eq!(sign_test_rank(0), None);
    }

    #[test]
    fn runs_pair_by_index_and_missing_values_drop_the_pair() {
        let synq = [Some(2.2), Some(1.0), None, Some(3.0), Some(1.8)];
        let floor = [Some(2.0), Some(1.0), Some(1.0), Some(2.0), Some(2.0)];
        let r = paired_ratio(&synq, &floor).unwrap();
        // Pair ratios 1.1, 1.0, 1.5, 0.9 → sorted 0.9, 1.0, 1.1, 1.5.
        assert_eq!(r.pairs, 4);
        assert_eq!(r.median, 1.05);
        assert_eq!((r.low, r.high), (0.9, 1.5));
        assert_eq!(r.coverage, round3(1.0 - 2.0 / 16.0));
        // Pairing is by run, not by sorting each side: the unpaired medians' ratio would be 2.0/2.0.
        assert_eq!(paired_ratio(&[None], &[Some(1.0)]), None);
    }
}
