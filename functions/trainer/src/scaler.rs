//! Per-column standardization, fitted on the training rows and baked into every exported graph.

/// `(x − mean) / std` per column.
#[derive(Clone, Debug, PartialEq)]
pub struct Scaler {
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
}

impl Scaler {
    /// Fits on row-major `values` with `columns` columns. Constant columns get a std of 1.
    pub fn fit(values: &[f32], columns: usize) -> Self {
        let rows = (values.len() / columns.max(1)).max(1) as f64;
        let mut mean = vec![0.0f64; columns];
        let mut sq = vec![0.0f64; columns];
        for row in values.chunks_exact(columns) {
            for (j, &x) in row.iter().enumerate() {
                mean[j] += f64::from(x);
                sq[j] += f64::from(x) * f64::from(x);
            }
        }
        let mean: Vec<f64> = mean.into_iter().map(|m| m / rows).collect();
        let std = sq
            .into_iter()
            .zip(&mean)
            .map(|(s, m)| {
                let var = (s / rows - m * m).max(0.0);
                if var.sqrt() < 1e-6 {
                    1.0
                } else {
                    var.sqrt() as f32
                }
            })
            .collect();
        Self {
            mean: mean.into_iter().map(|m| m as f32).collect(),
            std,
        }
    }

    /// Standardizes row-major `values` in place.
    pub fn apply(&self, values: &mut [f32]) {
        let columns = self.mean.len();
        for row in values.chunks_exact_mut(columns) {
            for ((x, m), s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
                *x = (*x - m) / s;
            }
        }
    }

    /// Undoes [`Scaler::apply`] in place.
    pub fn invert(&self, values: &mut [f32]) {
        let columns = self.mean.len();
        for row in values.chunks_exact_mut(columns) {
            for ((x, m), s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
                *x = *x * s + m;
            }
        }
    }

    /// Adds the standardization of `input` to a graph; returns the standardized value's name.
    pub fn to_graph(&self, g: &mut crate::onnx::GraphBuilder, input: &str) -> String {
        let n = self.mean.len();
        let mean = g.constant("mean", &[n], self.mean.clone());
        let std = g.constant("std", &[n], self.std.clone());
        let centred = g.node("Sub", &[input, &mean], vec![]);
        g.node("Div", &[&centred, &std], vec![])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standardizes_and_inverts() {
        let mut v = vec![1.0, 5.0, 3.0, 5.0, 5.0, 5.0];
        let s = Scaler::fit(&v, 2);
        assert_eq!(s.mean, vec![3.0, 5.0]);
        assert_eq!(s.std[1], 1.0);
        let orig = v.clone();
        s.apply(&mut v);
        assert!((v[0] + 1.2247449).abs() < 1e-5);
        s.invert(&mut v);
        assert!(v.iter().zip(&orig).all(|(a, b)| (a - b).abs() < 1e-5));
    }
}
