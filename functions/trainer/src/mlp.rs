//! A small multi-layer perceptron (ReLU hidden layers, linear output) trained with Adam on
//! minibatches: mean squared error for regression, softmax cross-entropy for classification.
//!
//! Written here rather than taken from a crate: the pure-Rust options are either whole frameworks
//! (burn, candle: minutes of extra compile on CI's two cores and large wasm) or do not train MLPs
//! (smartcore, linfa); this model is a few hundred lines and its weights map one-to-one onto ONNX.

use synq_ml::TargetTransform;
use synq_ml::rng::Seeded;

use crate::TrainError;
use crate::onnx::{Attr, DataType, Dim, GraphBuilder};
use crate::scaler::Scaler;

/// A dense layer: `out = in · w + b`, `w` row-major `[inputs, outputs]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Dense {
    pub inputs: usize,
    pub outputs: usize,
    pub w: Vec<f32>,
    pub b: Vec<f32>,
}

/// What the network's outputs mean.
#[derive(Clone, Debug, PartialEq)]
pub enum Head {
    /// Standardized (and maybe log-transformed) targets; the scaler maps them back.
    Regression {
        transform: TargetTransform,
        targets: Scaler,
    },
    /// Logits over this many classes.
    Classification { classes: usize },
}

/// A trained network with its input scaler.
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp {
    pub features: Scaler,
    pub layers: Vec<Dense>,
    pub head: Head,
}

/// Training settings (from the job spec).
pub struct Settings<'a> {
    pub hidden: &'a [u32],
    pub epochs: u32,
    pub batch_size: usize,
    pub learning_rate: f32,
    pub seed: u64,
}

fn gaussian(rng: &mut Seeded) -> f32 {
    // Box–Muller.
    let u = rng.unit().max(1e-12);
    let v = rng.unit();
    ((-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()) as f32
}

impl Dense {
    fn new(inputs: usize, outputs: usize, rng: &mut Seeded) -> Self {
        // He initialisation for ReLU layers.
        let scale = (2.0 / inputs as f32).sqrt();
        Self {
            inputs,
            outputs,
            w: (0..inputs * outputs)
                .map(|_| gaussian(rng) * scale)
                .collect(),
            b: vec![0.0; outputs],
        }
    }

    /// `rows × inputs` → `rows × outputs`.
    fn forward(&self, x: &[f32], rows: usize) -> Vec<f32> {
        let mut out = Vec::with_capacity(rows * self.outputs);
        for _ in 0..rows {
            out.extend_from_slice(&self.b);
        }
        for (xr, or) in x
            .chunks_exact(self.inputs)
            .zip(out.chunks_exact_mut(self.outputs))
        {
            for (xi, wi) in xr.iter().zip(self.w.chunks_exact(self.outputs)) {
                if *xi != 0.0 {
                    for (o, w) in or.iter_mut().zip(wi) {
                        *o += xi * w;
                    }
                }
            }
        }
        out
    }
}

/// Adam's moment estimates for one parameter vector.
struct Moments {
    m: Vec<f32>,
    v: Vec<f32>,
}

impl Moments {
    fn new(n: usize) -> Self {
        Self {
            m: vec![0.0; n],
            v: vec![0.0; n],
        }
    }

    fn step(&mut self, params: &mut [f32], grads: &[f32], lr: f32, t: i32) {
        const B1: f32 = 0.9;
        const B2: f32 = 0.999;
        let c1 = 1.0 - B1.powi(t);
        let c2 = 1.0 - B2.powi(t);
        for (((p, g), m), v) in params
            .iter_mut()
            .zip(grads)
            .zip(&mut self.m)
            .zip(&mut self.v)
        {
            *m = B1 * *m + (1.0 - B1) * g;
            *v = B2 * *v + (1.0 - B2) * g * g;
            *p -= lr * (*m / c1) / ((*v / c2).sqrt() + 1e-8);
        }
    }
}

fn relu(values: &mut [f32]) {
    values.iter_mut().for_each(|v| *v = v.max(0.0));
}

fn softmax_rows(logits: &mut [f32], classes: usize) {
    for row in logits.chunks_exact_mut(classes) {
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for v in row.iter_mut() {
            *v = (*v - max).exp();
            sum += *v;
        }
        row.iter_mut().for_each(|v| *v /= sum);
    }
}

impl Mlp {
    /// Raw network outputs for standardized rows.
    fn outputs(&self, x: &[f32], rows: usize) -> Vec<f32> {
        let mut a = x.to_vec();
        for (i, layer) in self.layers.iter().enumerate() {
            a = layer.forward(&a, rows);
            if i + 1 < self.layers.len() {
                relu(&mut a);
            }
        }
        a
    }

    /// Predictions for row-major raw features: target values (regression) or class probabilities.
    pub fn predict(&self, features: &[f32]) -> Vec<f32> {
        let rows = features.len() / self.features.mean.len().max(1);
        let mut x = features.to_vec();
        self.features.apply(&mut x);
        let mut out = self.outputs(&x, rows);
        match &self.head {
            Head::Regression { transform, targets } => {
                targets.invert(&mut out);
                if *transform == TargetTransform::Log {
                    out.iter_mut().for_each(|v| *v = v.exp());
                }
            }
            Head::Classification { classes } => softmax_rows(&mut out, *classes),
        }
        out
    }

    /// Fits a network. `targets` are row-major values (regression, `outputs` per row) or class
    /// indices (classification, `outputs` = number of classes).
    pub fn fit(
        features: &[f32],
        columns: usize,
        targets: &[f32],
        head: HeadKind,
        settings: &Settings<'_>,
        progress: &mut dyn FnMut(u32, u32, f32),
    ) -> Result<(Self, f32), TrainError> {
        let rows = features.len() / columns;
        let scaler = Scaler::fit(features, columns);
        let mut x = features.to_vec();
        scaler.apply(&mut x);
        let (head, y, outputs) = match head {
            HeadKind::Regression { outputs, transform } => {
                let mut y = targets.to_vec();
                if transform == TargetTransform::Log {
                    y.iter_mut().for_each(|v| *v = v.ln());
                }
                let targets = Scaler::fit(&y, outputs);
                targets.apply(&mut y);
                (Head::Regression { transform, targets }, y, outputs)
            }
            HeadKind::Classification { classes } => {
                (Head::Classification { classes }, targets.to_vec(), classes)
            }
        };
        let mut rng = Seeded::new(settings.seed);
        let mut widths = vec![columns];
        widths.extend(settings.hidden.iter().map(|&h| h as usize));
        widths.push(outputs);
        let layers: Vec<Dense> = widths
            .windows(2)
            .map(|w| Dense::new(w[0], w[1], &mut rng))
            .collect();
        let mut mlp = Mlp {
            features: scaler,
            layers,
            head,
        };
        let mut moments: Vec<(Moments, Moments)> = mlp
            .layers
            .iter()
            .map(|l| (Moments::new(l.w.len()), Moments::new(l.b.len())))
            .collect();
        let mut order: Vec<usize> = (0..rows).collect();
        let batch = settings.batch_size.clamp(1, rows.max(1));
        let mut step = 0i32;
        let mut last = f32::NAN;
        for epoch in 1..=settings.epochs {
            // Fisher–Yates shuffle.
            for i in (1..rows).rev() {
                order.swap(i, rng.range(0, i));
            }
            // Cosine decay from the learning rate to a tenth of it.
            let progress_share = (epoch - 1) as f32 / settings.epochs.max(1) as f32;
            let lr = settings.learning_rate
                * (0.1 + 0.9 * 0.5 * (1.0 + (std::f32::consts::PI * progress_share).cos()));
            let mut total = 0.0f64;
            for chunk in order.chunks(batch) {
                step += 1;
                let loss = mlp.train_batch(&x, &y, columns, chunk, lr, step, &mut moments);
                total += f64::from(loss) * chunk.len() as f64;
            }
            last = (total / rows as f64) as f32;
            if !last.is_finite() {
                return Err(TrainError::Diverged(format!(
                    "the loss became {last} at epoch {epoch}; lower learning_rate"
                )));
            }
            progress(epoch, settings.epochs, last);
        }
        Ok((mlp, last))
    }

    /// One Adam step on the rows `batch`; returns the batch's mean loss.
    #[allow(clippy::too_many_arguments)]
    fn train_batch(
        &mut self,
        x: &[f32],
        y: &[f32],
        columns: usize,
        batch: &[usize],
        lr: f32,
        step: i32,
        moments: &mut [(Moments, Moments)],
    ) -> f32 {
        let b = batch.len();
        let mut input = Vec::with_capacity(b * columns);
        for &r in batch {
            input.extend_from_slice(&x[r * columns..(r + 1) * columns]);
        }
        // Forward, keeping every layer's activations.
        let mut acts = vec![input];
        for (i, layer) in self.layers.iter().enumerate() {
            let mut z = layer.forward(acts.last().map_or(&[][..], |a| a), b);
            if i + 1 < self.layers.len() {
                relu(&mut z);
            }
            acts.push(z);
        }
        let out = acts.pop().unwrap_or_default();
        let outputs = self.layers.last().map_or(1, |l| l.outputs);
        // Loss and its gradient with respect to the outputs.
        let mut grad = vec![0.0f32; out.len()];
        let mut loss = 0.0f32;
        match self.head {
            Head::Regression { .. } => {
                let scale = 2.0 / (b * outputs) as f32;
                for (k, &r) in batch.iter().enumerate() {
                    for j in 0..outputs {
                        let d = out[k * outputs + j] - y[r * outputs + j];
                        loss += d * d;
                        grad[k * outputs + j] = d * scale;
                    }
                }
                loss /= (b * outputs) as f32;
            }
            Head::Classification { classes } => {
                let mut p = out.clone();
                softmax_rows(&mut p, classes);
                for (k, &r) in batch.iter().enumerate() {
                    let label = y[r] as usize;
                    loss -= p[k * classes + label].max(1e-12).ln();
                    for j in 0..classes {
                        let target = if j == label { 1.0 } else { 0.0 };
                        grad[k * classes + j] = (p[k * classes + j] - target) / b as f32;
                    }
                }
                loss /= b as f32;
            }
        }
        // Backward.
        for (l, layer) in self.layers.iter_mut().enumerate().rev() {
            let a = &acts[l];
            let (n_in, n_out) = (layer.inputs, layer.outputs);
            let mut gw = vec![0.0f32; n_in * n_out];
            let mut gb = vec![0.0f32; n_out];
            for (ar, gr) in a.chunks_exact(n_in).zip(grad.chunks_exact(n_out)) {
                for (g, s) in gb.iter_mut().zip(gr) {
                    *g += s;
                }
                for (ai, gwi) in ar.iter().zip(gw.chunks_exact_mut(n_out)) {
                    if *ai != 0.0 {
                        for (w, s) in gwi.iter_mut().zip(gr) {
                            *w += ai * s;
                        }
                    }
                }
            }
            if l > 0 {
                let mut below = vec![0.0f32; b * n_in];
                for ((br, gr), ar) in below
                    .chunks_exact_mut(n_in)
                    .zip(grad.chunks_exact(n_out))
                    .zip(a.chunks_exact(n_in))
                {
                    for ((bi, wi), ai) in br.iter_mut().zip(layer.w.chunks_exact(n_out)).zip(ar) {
                        // ReLU: no gradient where the activation was clipped.
                        if *ai > 0.0 {
                            *bi = wi.iter().zip(gr).map(|(w, g)| w * g).sum();
                        }
                    }
                }
                grad = below;
            }
            let (mw, mb) = &mut moments[l];
            mw.step(&mut layer.w, &gw, lr, step);
            mb.step(&mut layer.b, &gb, lr, step);
        }
        loss
    }

    /// The network as an ONNX graph: `prediction` `[N, T]` (regression) or `probabilities`
    /// `[N, C]` and `label` `[N]` int64 (classification).
    pub fn to_onnx(&self, g: &mut GraphBuilder) {
        let mut a = self.features.to_graph(g, "features");
        for (i, layer) in self.layers.iter().enumerate() {
            let w = g.constant("weight", &[layer.inputs, layer.outputs], layer.w.clone());
            let b = g.constant("bias", &[layer.outputs], layer.b.clone());
            let z = g.node("MatMul", &[&a, &w], vec![]);
            a = g.node("Add", &[&z, &b], vec![]);
            if i + 1 < self.layers.len() {
                a = g.node("Relu", &[&a], vec![]);
            }
        }
        let outputs = self.layers.last().map_or(1, |l| l.outputs);
        match &self.head {
            Head::Regression { transform, targets } => {
                let std = g.constant("target_std", &[outputs], targets.std.clone());
                let mean = g.constant("target_mean", &[outputs], targets.mean.clone());
                let scaled = g.node("Mul", &[&a, &std], vec![]);
                let mut y = g.node("Add", &[&scaled, &mean], vec![]);
                if *transform == TargetTransform::Log {
                    y = g.node("Exp", &[&y], vec![]);
                }
                g.output(
                    &y,
                    "prediction",
                    DataType::Float,
                    &[Dim::Batch, Dim::Fixed(outputs)],
                );
            }
            Head::Classification { classes } => {
                let p = g.node("Softmax", &[&a], vec![("axis", Attr::Int(1))]);
                let label = g.node(
                    "ArgMax",
                    &[&a],
                    vec![("axis", Attr::Int(1)), ("keepdims", Attr::Int(0))],
                );
                g.output(
                    &p,
                    "probabilities",
                    DataType::Float,
                    &[Dim::Batch, Dim::Fixed(*classes)],
                );
                g.output(&label, "label", DataType::Int64, &[Dim::Batch]);
            }
        }
    }
}

/// What kind of head to fit.
#[derive(Clone, Copy, Debug)]
pub enum HeadKind {
    Regression {
        outputs: usize,
        transform: TargetTransform,
    },
    Classification {
        classes: usize,
    },
}
