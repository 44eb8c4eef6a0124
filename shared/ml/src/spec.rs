//! A training job's specification: the wire form of the trainer world's `job-spec`
//! (`wit/trainer/trainer.wit`), as the edge stores it and the runner hands it on.

use serde::{Deserialize, Serialize};

use crate::dataset::Task;

/// Which model to fit (the WIT `model-kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    MlpRegressor,
    MlpClassifier,
    Kmeans,
}

/// How regression targets are transformed before fitting (the WIT `target-transform`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetTransform {
    None,
    Log,
}

/// What to train and how (the WIT `job-spec`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobSpec {
    pub kind: ModelKind,
    pub epochs: u32,
    pub batch_size: u32,
    pub learning_rate: f32,
    pub seed: u64,
    pub hidden_layers: Vec<u32>,
    pub clusters: u32,
    pub anomaly_quantile: f32,
    pub target_transform: TargetTransform,
}

impl JobSpec {
    /// The settings each task is trained with unless a job says otherwise.
    pub fn for_task(task: Task) -> Self {
        let mlp = |kind, target_transform| JobSpec {
            kind,
            epochs: 300,
            batch_size: 32,
            learning_rate: 3e-3,
            seed: 7,
            hidden_layers: vec![64, 64],
            clusters: 0,
            anomaly_quantile: 0.0,
            target_transform,
        };
        match task {
            Task::ExecutionTime | Task::SuccessProbability => {
                mlp(ModelKind::MlpRegressor, TargetTransform::Log)
            }
            Task::OptimizationReduction => mlp(ModelKind::MlpRegressor, TargetTransform::None),
            Task::Family | Task::OptimizationLevel => {
                mlp(ModelKind::MlpClassifier, TargetTransform::None)
            }
            Task::Anomaly => JobSpec {
                kind: ModelKind::Kmeans,
                epochs: 100,
                batch_size: 0,
                learning_rate: 0.0,
                seed: 7,
                hidden_layers: Vec::new(),
                clusters: 40,
                anomaly_quantile: 0.95,
                target_transform: TargetTransform::None,
            },
        }
    }
}
