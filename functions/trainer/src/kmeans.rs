//! k-means (k-means++ seeding, Lloyd iterations) on standardized features, with one distance
//! threshold per cluster: a row farther from its nearest centroid than that cluster's threshold is
//! an anomaly, unlike any family seen in training.

use synq_ml::rng::Seeded;

use crate::TrainError;
use crate::onnx::{Attr, DataType, Dim, GraphBuilder};
use crate::scaler::Scaler;

/// A fitted clustering.
#[derive(Clone, Debug, PartialEq)]
pub struct KMeans {
    pub features: Scaler,
    /// `k × columns`, row-major, in standardized units.
    pub centroids: Vec<f32>,
    /// Per cluster: the `anomaly_quantile` quantile of its training rows' distances.
    pub thresholds: Vec<f32>,
}

fn squared_distance(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Nearest centroid and the squared distance to it.
fn nearest(row: &[f32], centroids: &[f32], columns: usize) -> (usize, f32) {
    centroids
        .chunks_exact(columns)
        .map(|c| squared_distance(row, c))
        .enumerate()
        .fold(
            (0, f32::INFINITY),
            |best, (i, d)| if d < best.1 { (i, d) } else { best },
        )
}

/// One prediction: cluster, distance to its centroid, and whether that is past its threshold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Assignment {
    pub cluster: usize,
    pub distance: f32,
    pub anomaly: bool,
}

impl KMeans {
    /// Fits `k` clusters in at most `iterations` Lloyd steps.
    pub fn fit(
        features: &[f32],
        columns: usize,
        k: usize,
        iterations: u32,
        quantile: f32,
        seed: u64,
        progress: &mut dyn FnMut(u32, u32, f32),
    ) -> Result<(Self, f32), TrainError> {
        let rows = features.len() / columns;
        if k == 0 || k > rows {
            return Err(TrainError::InvalidSpec(format!(
                "clusters must be between 1 and the number of training rows ({rows}), not {k}"
            )));
        }
        let scaler = Scaler::fit(features, columns);
        let mut x = features.to_vec();
        scaler.apply(&mut x);
        let row = |i: usize| &x[i * columns..(i + 1) * columns];
        // k-means++: each next centre drawn with probability ∝ squared distance to the nearest one.
        let mut rng = Seeded::new(seed);
        let mut centroids = row(rng.range(0, rows - 1)).to_vec();
        while centroids.len() < k * columns {
            let d: Vec<f32> = (0..rows)
                .map(|i| nearest(row(i), &centroids, columns).1)
                .collect();
            let total: f64 = d.iter().map(|&v| f64::from(v)).sum();
            let mut target = rng.unit() * total;
            let mut pick = rows - 1;
            for (i, &v) in d.iter().enumerate() {
                target -= f64::from(v);
                if target <= 0.0 {
                    pick = i;
                    break;
                }
            }
            centroids.extend_from_slice(row(pick));
        }
        let mut assignment = vec![usize::MAX; rows];
        let mut inertia = 0.0f32;
        for iteration in 1..=iterations {
            let mut changed = false;
            inertia = 0.0;
            for (i, a) in assignment.iter_mut().enumerate() {
                let (c, d) = nearest(row(i), &centroids, columns);
                inertia += d;
                if *a != c {
                    *a = c;
                    changed = true;
                }
            }
            let mut sums = vec![0.0f32; k * columns];
            let mut counts = vec![0usize; k];
            for (i, &a) in assignment.iter().enumerate() {
                counts[a] += 1;
                for (s, v) in sums[a * columns..(a + 1) * columns].iter_mut().zip(row(i)) {
                    *s += v;
                }
            }
            for (c, &n) in counts.iter().enumerate() {
                // An empty cluster keeps its centre.
                if n > 0 {
                    for (dst, s) in centroids[c * columns..(c + 1) * columns]
                        .iter_mut()
                        .zip(&sums[c * columns..(c + 1) * columns])
                    {
                        *dst = s / n as f32;
                    }
                }
            }
            progress(iteration, iterations, inertia / rows as f32);
            if !changed {
                break;
            }
        }
        let mut per_cluster: Vec<Vec<f32>> = vec![Vec::new(); k];
        for i in 0..rows {
            let (c, d) = nearest(row(i), &centroids, columns);
            per_cluster[c].push(d.sqrt());
        }
        let thresholds = per_cluster
            .into_iter()
            .map(|mut ds| {
                ds.sort_by(f32::total_cmp);
                let at = ((ds.len() as f32 * quantile).ceil() as usize).clamp(1, ds.len().max(1));
                ds.get(at - 1).copied().unwrap_or(0.0)
            })
            .collect();
        Ok((
            Self {
                features: scaler,
                centroids,
                thresholds,
            },
            inertia / rows as f32,
        ))
    }

    /// Assigns raw feature rows.
    pub fn predict(&self, features: &[f32]) -> Vec<Assignment> {
        let columns = self.features.mean.len();
        let mut x = features.to_vec();
        self.features.apply(&mut x);
        x.chunks_exact(columns)
            .map(|r| {
                let (cluster, d2) = nearest(r, &self.centroids, columns);
                let distance = d2.sqrt();
                Assignment {
                    cluster,
                    distance,
                    anomaly: distance > self.thresholds.get(cluster).copied().unwrap_or(0.0),
                }
            })
            .collect()
    }

    /// The clustering as an ONNX graph: `cluster` `[N]` int64, `distance` `[N]` and `anomaly` `[N]`
    /// (1.0 or 0.0) float. Squared distances are `|x|² − 2·x·Cᵀ + |c|²`.
    pub fn to_onnx(&self, g: &mut GraphBuilder) {
        let columns = self.features.mean.len();
        let k = self.thresholds.len();
        let x = self.features.to_graph(g, "features");
        let mut transposed = vec![0.0f32; columns * k];
        for (c, centroid) in self.centroids.chunks_exact(columns).enumerate() {
            for (j, v) in centroid.iter().enumerate() {
                transposed[j * k + c] = -2.0 * v;
            }
        }
        let minus_two_ct = g.constant("centroids_t", &[columns, k], transposed);
        let c_norms: Vec<f32> = self
            .centroids
            .chunks_exact(columns)
            .map(|c| c.iter().map(|v| v * v).sum())
            .collect();
        let c_norms = g.constant("centroid_norms", &[k], c_norms);
        let ones = g.constant("ones", &[columns, 1], vec![1.0; columns]);
        let squares = g.node("Mul", &[&x, &x], vec![]);
        let x_norms = g.node("MatMul", &[&squares, &ones], vec![]);
        let cross = g.node("MatMul", &[&x, &minus_two_ct], vec![]);
        let partial = g.node("Add", &[&cross, &c_norms], vec![]);
        let d2 = g.node("Add", &[&partial, &x_norms], vec![]);
        let cluster = g.node(
            "ArgMin",
            &[&d2],
            vec![("axis", Attr::Int(1)), ("keepdims", Attr::Int(0))],
        );
        let nearest = g.node(
            "ReduceMin",
            &[&d2],
            vec![("axes", Attr::Ints(vec![1])), ("keepdims", Attr::Int(0))],
        );
        let zero = g.constant("zero", &[], vec![0.0]);
        let clipped = g.node("Max", &[&nearest, &zero], vec![]);
        let distance = g.node("Sqrt", &[&clipped], vec![]);
        let thresholds = g.constant("thresholds", &[k], self.thresholds.clone());
        let limit = g.node(
            "Gather",
            &[&thresholds, &cluster],
            vec![("axis", Attr::Int(0))],
        );
        let beyond = g.node("Greater", &[&distance, &limit], vec![]);
        let anomaly = g.node(
            "Cast",
            &[&beyond],
            vec![("to", Attr::Int(DataType::Float as i64))],
        );
        g.output(&cluster, "cluster", DataType::Int64, &[Dim::Batch]);
        g.output(&distance, "distance", DataType::Float, &[Dim::Batch]);
        g.output(&anomaly, "anomaly", DataType::Float, &[Dim::Batch]);
    }
}
