//! Quality measures for trained models and their baselines.

use serde::{Deserialize, Serialize};

/// Regression quality of predictions against the truth.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegressionMetrics {
    /// Mean absolute error (target units).
    pub mae: f64,
    /// Mean absolute percentage error, as a fraction (0.1 = 10 %); rows with a zero truth are skipped.
    pub mape: f64,
    /// Coefficient of determination.
    pub r2: f64,
    /// Spearman's rank correlation.
    pub spearman: f64,
}

/// Classification quality: accuracy, and precision, recall and F1 averaged over the classes that
/// occur in the truth (macro average).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassificationMetrics {
    pub accuracy: f64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// Scores regression predictions.
pub fn regression(truth: &[f64], predicted: &[f64]) -> RegressionMetrics {
    let n = truth.len().max(1) as f64;
    let mae = truth
        .iter()
        .zip(predicted)
        .map(|(t, p)| (t - p).abs())
        .sum::<f64>()
        / n;
    let (mut ape, mut counted) = (0.0, 0usize);
    for (t, p) in truth.iter().zip(predicted) {
        if *t != 0.0 {
            ape += ((t - p) / t).abs();
            counted += 1;
        }
    }
    let mean = truth.iter().sum::<f64>() / n;
    let total: f64 = truth.iter().map(|t| (t - mean).powi(2)).sum();
    let residual: f64 = truth
        .iter()
        .zip(predicted)
        .map(|(t, p)| (t - p).powi(2))
        .sum();
    RegressionMetrics {
        mae,
        mape: ape / counted.max(1) as f64,
        r2: if total > 0.0 {
            1.0 - residual / total
        } else {
            0.0
        },
        spearman: spearman(truth, predicted),
    }
}

/// Average ranks (ties share the mean of their positions).
fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..xs.len()).collect();
    order.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut r = vec![0.0; xs.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && xs[order[j + 1]] == xs[order[i]] {
            j += 1;
        }
        for &k in &order[i..=j] {
            r[k] = (i + j) as f64 / 2.0;
        }
        i = j + 1;
    }
    r
}

/// Spearman's ρ: the Pearson correlation of the ranks (0 when either side is constant).
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let (ra, rb) = (ranks(a), ranks(b));
    let n = ra.len().max(1) as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = ra.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mb).powi(2)).sum();
    if va == 0.0 || vb == 0.0 {
        0.0
    } else {
        cov / (va * vb).sqrt()
    }
}

/// Scores class predictions.
pub fn classification(truth: &[usize], predicted: &[usize]) -> ClassificationMetrics {
    let n = truth.len().max(1) as f64;
    let correct = truth.iter().zip(predicted).filter(|(t, p)| t == p).count();
    let mut classes: Vec<usize> = truth.to_vec();
    classes.sort_unstable();
    classes.dedup();
    let (mut precision, mut recall, mut f1) = (0.0, 0.0, 0.0);
    for &c in &classes {
        let tp = truth
            .iter()
            .zip(predicted)
            .filter(|(t, p)| **t == c && **p == c)
            .count() as f64;
        let predicted_c = predicted.iter().filter(|p| **p == c).count() as f64;
        let actual_c = truth.iter().filter(|t| **t == c).count() as f64;
        let p = if predicted_c > 0.0 {
            tp / predicted_c
        } else {
            0.0
        };
        let r = if actual_c > 0.0 { tp / actual_c } else { 0.0 };
        precision += p;
        recall += r;
        f1 += if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
    }
    let k = classes.len().max(1) as f64;
    ClassificationMetrics {
        accuracy: correct as f64 / n,
        precision: precision / k,
        recall: recall / k,
        f1: f1 / k,
    }
}

/// Precision, recall and F1 of a yes/no flag (the positive class only), and accuracy.
pub fn binary(truth: &[bool], predicted: &[bool]) -> ClassificationMetrics {
    let count = |t: bool, p: bool| {
        truth
            .iter()
            .zip(predicted)
            .filter(|(a, b)| **a == t && **b == p)
            .count() as f64
    };
    let (tp, fp, fn_, tn) = (
        count(true, true),
        count(false, true),
        count(true, false),
        count(false, false),
    );
    let precision = if tp + fp > 0.0 { tp / (tp + fp) } else { 0.0 };
    let recall = if tp + fn_ > 0.0 { tp / (tp + fn_) } else { 0.0 };
    ClassificationMetrics {
        accuracy: (tp + tn) / truth.len().max(1) as f64,
        precision,
        recall,
        f1: if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regression_by_hand() {
        let m = regression(&[1.0, 2.0, 4.0], &[1.0, 3.0, 3.0]);
        assert!((m.mae - 2.0 / 3.0).abs() < 1e-12);
        assert!((m.mape - (0.5 + 0.25) / 3.0).abs() < 1e-12);
        // mean 7/3, SST = 14/3, SSE = 2.
        assert!((m.r2 - (1.0 - 2.0 / (14.0 / 3.0))).abs() < 1e-12);
        assert!((spearman(&[1.0, 2.0, 3.0], &[10.0, 20.0, 30.0]) - 1.0).abs() < 1e-12);
        assert!((spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
        assert_eq!(spearman(&[1.0, 1.0], &[1.0, 2.0]), 0.0);
    }

    #[test]
    fn classification_by_hand() {
        let m = classification(&[0, 0, 1, 1], &[0, 1, 1, 1]);
        assert_eq!(m.accuracy, 0.75);
        // class 0: p 1, r .5; class 1: p 2/3, r 1.
        assert!((m.precision - (1.0 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
        assert!((m.recall - 0.75).abs() < 1e-12);
        let b = binary(&[true, false, true, false], &[true, true, false, false]);
        assert_eq!((b.precision, b.recall, b.accuracy), (0.5, 0.5, 0.5));
    }
}
