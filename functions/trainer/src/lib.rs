//! SynQ's trainer: fits the model a job asks for on a labelled table, scores it on the held-out
//! table and writes it as ONNX. Built natively (tests, timing) and as the `synq:trainer` component
//! for `wasm32-wasip2` (`component.rs`), which the batch runner runs under fuel and memory limits.
//!
//! Models: an MLP regressor or classifier ([`mlp`]) and k-means with per-cluster anomaly
//! thresholds ([`kmeans`]); graphs use standard `ai.onnx` opset-13 operators ([`onnx`]).

pub mod kmeans;
pub mod mlp;
pub mod onnx;
pub mod scaler;

// wit-bindgen's generated bindings are unsafe canonical-ABI glue; nothing hand-written is.
#[cfg(target_family = "wasm")]
#[allow(unsafe_code)]
mod component;

use synq_ml::metrics::{binary, classification, regression};
use synq_ml::{JobSpec, ModelKind, Table, TargetTransform};

use kmeans::KMeans;
use mlp::{HeadKind, Mlp, Settings};
use onnx::GraphBuilder;

/// Why a job was refused (the WIT `train-error`).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum TrainError {
    #[error("invalid spec: {0}")]
    InvalidSpec(String),
    #[error("invalid dataset: {0}")]
    InvalidDataset(String),
    #[error("diverged: {0}")]
    Diverged(String),
}

/// A named number (the WIT `metric`).
#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    pub name: String,
    pub value: f64,
}

/// What a job gives back (the WIT `trained-model`).
#[derive(Clone, Debug, PartialEq)]
pub struct TrainedModel {
    pub onnx: Vec<u8>,
    pub metrics: Vec<Metric>,
    pub final_loss: f32,
}

/// A fitted model.
#[derive(Clone, Debug, PartialEq)]
pub enum Model {
    Mlp(Mlp),
    KMeans(KMeans),
}

const MAX_LAYERS: usize = 8;
const MAX_WIDTH: u32 = 4096;

fn check_spec(spec: &JobSpec) -> Result<(), TrainError> {
    let bad = |m: String| Err(TrainError::InvalidSpec(m));
    if spec.epochs == 0 {
        return bad("epochs must be at least 1".into());
    }
    match spec.kind {
        ModelKind::MlpRegressor | ModelKind::MlpClassifier => {
            if spec.batch_size == 0 {
                return bad("batch_size must be at least 1".into());
            }
            if !(spec.learning_rate.is_finite() && spec.learning_rate > 0.0) {
                return bad(format!(
                    "learning_rate must be positive, not {}",
                    spec.learning_rate
                ));
            }
            if spec.hidden_layers.len() > MAX_LAYERS
                || spec.hidden_layers.iter().any(|&w| w == 0 || w > MAX_WIDTH)
            {
                return bad(format!(
                    "hidden_layers takes at most {MAX_LAYERS} widths of 1–{MAX_WIDTH}"
                ));
            }
        }
        ModelKind::Kmeans => {
            if !(spec.anomaly_quantile > 0.0 && spec.anomaly_quantile <= 1.0) {
                return bad(format!(
                    "anomaly_quantile must be in (0, 1], not {}",
                    spec.anomaly_quantile
                ));
            }
        }
    }
    Ok(())
}

/// Checks a table's shape against the model kind; returns its row count.
fn check_table(
    spec: &JobSpec,
    table: &Table,
    name: &str,
    training: bool,
) -> Result<usize, TrainError> {
    let bad = |m: String| Err(TrainError::InvalidDataset(format!("{name}: {m}")));
    let columns = table.feature_names.len();
    if columns == 0 {
        return bad("feature_names is empty".into());
    }
    if !table.features.len().is_multiple_of(columns) {
        return bad(format!(
            "features holds {} values, not a multiple of {columns} columns",
            table.features.len()
        ));
    }
    if table.features.iter().any(|v| !v.is_finite()) {
        return bad("features holds a non-finite value".into());
    }
    let rows = table.rows();
    if training && rows == 0 {
        return bad("no rows".into());
    }
    let targets = table.target_names.len();
    match spec.kind {
        ModelKind::MlpRegressor => {
            if targets == 0 || table.targets.len() != rows * targets {
                return bad(format!(
                    "a regressor needs rows × {targets} target values ({}), got {}",
                    rows * targets,
                    table.targets.len()
                ));
            }
            if spec.target_transform == TargetTransform::Log
                && table.targets.iter().any(|&t| !(t > 0.0 && t.is_finite()))
            {
                return bad("target_transform log needs positive targets".into());
            }
        }
        ModelKind::MlpClassifier => {
            if targets < 2 || table.targets.len() != rows {
                return bad(
                    "a classifier needs ≥ 2 class names and one class index per row".into(),
                );
            }
            if table
                .targets
                .iter()
                .any(|&t| t < 0.0 || t.fract() != 0.0 || t as usize >= targets)
            {
                return bad(format!("class indices must be integers in 0..{targets}"));
            }
        }
        ModelKind::Kmeans => {
            let expected = if training { 0 } else { rows };
            if !table.targets.is_empty() && table.targets.len() != expected {
                return bad(
                    "k-means targets are empty, or one 0/1 anomaly label per test row".into(),
                );
            }
        }
    }
    Ok(rows)
}

/// Fits the model `spec` describes on `training`; returns it and its final training loss.
pub fn fit(
    spec: &JobSpec,
    training: &Table,
    progress: &mut dyn FnMut(u32, u32, f32),
) -> Result<(Model, f32), TrainError> {
    check_spec(spec)?;
    check_table(spec, training, "training", true)?;
    let columns = training.feature_names.len();
    let settings = Settings {
        hidden: &spec.hidden_layers,
        epochs: spec.epochs,
        batch_size: spec.batch_size as usize,
        learning_rate: spec.learning_rate,
        seed: spec.seed,
    };
    match spec.kind {
        ModelKind::MlpRegressor | ModelKind::MlpClassifier => {
            let head = if spec.kind == ModelKind::MlpRegressor {
                HeadKind::Regression {
                    outputs: training.target_names.len(),
                    transform: spec.target_transform,
                }
            } else {
                HeadKind::Classification {
                    classes: training.target_names.len(),
                }
            };
            let (m, loss) = Mlp::fit(
                &training.features,
                columns,
                &training.targets,
                head,
                &settings,
                progress,
            )?;
            Ok((Model::Mlp(m), loss))
        }
        ModelKind::Kmeans => {
            let (m, loss) = KMeans::fit(
                &training.features,
                columns,
                spec.clusters as usize,
                spec.epochs,
                spec.anomaly_quantile,
                spec.seed,
                progress,
            )?;
            Ok((Model::KMeans(m), loss))
        }
    }
}

fn metric(name: impl Into<String>, value: f64) -> Metric {
    Metric {
        name: name.into(),
        value,
    }
}

fn classifier_metrics(c: &synq_ml::metrics::ClassificationMetrics) -> [Metric; 4] {
    [
        metric("accuracy", c.accuracy),
        metric("precision", c.precision),
        metric("recall", c.recall),
        metric("f1", c.f1),
    ]
}

fn argmax(row: &[f32]) -> usize {
    row.iter()
        .enumerate()
        .fold(
            (0, f32::NEG_INFINITY),
            |b, (i, &v)| if v > b.1 { (i, v) } else { b },
        )
        .0
}

impl Model {
    /// Scores the model on `test`: per target MAE, MAPE, R² and Spearman ρ (regressor); accuracy
    /// and macro precision, recall, F1 (classifier); anomaly precision, recall, F1 and the share of
    /// rows flagged (k-means).
    pub fn evaluate(&self, spec: &JobSpec, test: &Table) -> Result<Vec<Metric>, TrainError> {
        let rows = check_table(spec, test, "test", false)?;
        let mut out = vec![metric("test_rows", rows as f64)];
        if rows == 0 {
            return Ok(out);
        }
        match self {
            Model::Mlp(m) => {
                let predicted = m.predict(&test.features);
                match m.head {
                    mlp::Head::Regression { .. } => {
                        let t = test.target_names.len();
                        for (j, name) in test.target_names.iter().enumerate() {
                            let column = |v: &[f32]| -> Vec<f64> {
                                v.iter().skip(j).step_by(t).map(|&x| f64::from(x)).collect()
                            };
                            let r = regression(&column(&test.targets), &column(&predicted));
                            out.push(metric(format!("mae:{name}"), r.mae));
                            out.push(metric(format!("mape:{name}"), r.mape));
                            out.push(metric(format!("r2:{name}"), r.r2));
                            out.push(metric(format!("spearman:{name}"), r.spearman));
                        }
                    }
                    mlp::Head::Classification { classes } => {
                        let truth: Vec<usize> = test.targets.iter().map(|&t| t as usize).collect();
                        let guess: Vec<usize> =
                            predicted.chunks_exact(classes).map(argmax).collect();
                        out.extend(classifier_metrics(&classification(&truth, &guess)));
                    }
                }
            }
            Model::KMeans(k) => {
                let flags: Vec<bool> = k
                    .predict(&test.features)
                    .iter()
                    .map(|a| a.anomaly)
                    .collect();
                out.push(metric(
                    "flagged_share",
                    flags.iter().filter(|f| **f).count() as f64 / rows as f64,
                ));
                if !test.targets.is_empty() {
                    let truth: Vec<bool> = test.targets.iter().map(|&t| t > 0.5).collect();
                    out.extend(classifier_metrics(&binary(&truth, &flags)));
                }
            }
        }
        Ok(out)
    }

    /// Raw predictions for the tract comparison: regressor targets, classifier probabilities, or
    /// k-means `[distance, anomaly]` per row.
    pub fn predict(&self, features: &[f32]) -> Vec<f32> {
        match self {
            Model::Mlp(m) => m.predict(features),
            Model::KMeans(k) => k
                .predict(features)
                .iter()
                .flat_map(|a| [a.distance, if a.anomaly { 1.0 } else { 0.0 }])
                .collect(),
        }
    }

    /// The model as a serialized ONNX model; feature and target names go into its metadata.
    pub fn to_onnx(&self, spec: &JobSpec, training: &Table) -> Vec<u8> {
        let mut g = GraphBuilder::new("synq_model", training.feature_names.len());
        match self {
            Model::Mlp(m) => m.to_onnx(&mut g),
            Model::KMeans(k) => k.to_onnx(&mut g),
        }
        let kind = match spec.kind {
            ModelKind::MlpRegressor => "mlp_regressor",
            ModelKind::MlpClassifier => "mlp_classifier",
            ModelKind::Kmeans => "kmeans",
        };
        g.finish(
            "Trained by synq-trainer; input `features` [N, F] float32 in the order of `feature_names`.",
            &[
                ("kind", kind.to_string()),
                ("feature_names", training.feature_names.join(",")),
                ("target_names", training.target_names.join(",")),
                ("seed", spec.seed.to_string()),
            ],
        )
    }
}

/// Fits, scores and exports: the whole job.
pub fn train(
    spec: &JobSpec,
    training: &Table,
    test: &Table,
    progress: &mut dyn FnMut(u32, u32, f32),
) -> Result<TrainedModel, TrainError> {
    if test.feature_names != training.feature_names || test.target_names != training.target_names {
        return Err(TrainError::InvalidDataset(
            "test: feature_names and target_names must match the training table's".into(),
        ));
    }
    let (model, final_loss) = fit(spec, training, progress)?;
    let metrics = model.evaluate(spec, test)?;
    Ok(TrainedModel {
        onnx: model.to_onnx(spec, training),
        metrics,
        final_loss,
    })
}
