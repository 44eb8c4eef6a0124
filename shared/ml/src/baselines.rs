//! The simple models every trained one is measured against: the majority class, and a straight
//! line through the gate count.

/// The most frequent class in `train` (the lowest index on a tie).
pub fn majority_class(train: &[usize]) -> usize {
    let mut counts = std::collections::BTreeMap::new();
    for &c in train {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    counts
        .into_iter()
        .fold(
            (0, 0),
            |best, (c, n)| if n > best.1 { (c, n) } else { best },
        )
        .0
}

/// Ordinary least squares `y ≈ intercept + slope · x`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Line {
    pub intercept: f64,
    pub slope: f64,
}

impl Line {
    /// Fits the line (a flat one through the mean when `x` is constant).
    pub fn fit(x: &[f64], y: &[f64]) -> Self {
        let n = x.len().max(1) as f64;
        let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
        let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
        let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
        let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
        Self {
            intercept: my - slope * mx,
            slope,
        }
    }

    /// The line at `x`.
    pub fn at(&self, x: f64) -> f64 {
        self.intercept + self.slope * x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baselines_by_hand() {
        assert_eq!(majority_class(&[2, 1, 2, 0]), 2);
        let l = Line::fit(&[0.0, 1.0, 2.0], &[1.0, 3.0, 5.0]);
        assert!((l.slope - 2.0).abs() < 1e-12 && (l.intercept - 1.0).abs() < 1e-12);
        assert_eq!(Line::fit(&[1.0, 1.0], &[2.0, 4.0]).at(5.0), 3.0);
    }
}
