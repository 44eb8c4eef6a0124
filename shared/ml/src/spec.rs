//! A training job's specification: the wire form of the trainer world's `job-spec`
//! (`wit/trainer/trainer.wit`), as the edge stores it and the runner hands it on.

use serde::{Deserialize, Serialize};

use crate::dataset::Task;

/// Which model to fit (the WIT `model-kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    MlpRegressor,
    MlpClassifier,
    Kmeans,
}

/// How regression targets are transformed before fitting (the WIT `target-transform`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TargetTransform {
    None,
    Log,
}

/// What to train and how (the WIT `job-spec`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// Largest job a runner is asked to train: bounds on what a queued spec may say.
pub const MAX_EPOCHS: u32 = 10_000;
pub const MAX_BATCH_SIZE: u32 = 4_096;
pub const MAX_HIDDEN_LAYERS: usize = 8;
pub const MAX_LAYER_WIDTH: u32 = 1_024;
pub const MAX_CLUSTERS: u32 = 1_024;

/// Why a spec was refused, and the field at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SpecError {
    pub field: &'static str,
    pub message: String,
}

fn refuse(field: &'static str, message: impl Into<String>) -> Result<(), SpecError> {
    Err(SpecError {
        field,
        message: message.into(),
    })
}

impl JobSpec {
    /// Whether the spec can train `task`: the task's model kind, and settings within bounds (what the
    /// kind ignores is not checked).
    pub fn check(&self, task: Task) -> Result<(), SpecError> {
        let kind = JobSpec::for_task(task).kind;
        if self.kind != kind {
            return refuse("kind", format!("task `{}` trains a {kind:?}", task.name()));
        }
        if !(1..=MAX_EPOCHS).contains(&self.epochs) {
            return refuse("epochs", format!("`epochs` is 1 to {MAX_EPOCHS}"));
        }
        if self.kind == ModelKind::Kmeans {
            if !(1..=MAX_CLUSTERS).contains(&self.clusters) {
                return refuse("clusters", format!("`clusters` is 1 to {MAX_CLUSTERS}"));
            }
            if !(self.anomaly_quantile > 0.0 && self.anomaly_quantile < 1.0) {
                return refuse("anomaly_quantile", "`anomaly_quantile` is between 0 and 1");
            }
            return Ok(());
        }
        if !(1..=MAX_BATCH_SIZE).contains(&self.batch_size) {
            return refuse(
                "batch_size",
                format!("`batch_size` is 1 to {MAX_BATCH_SIZE}"),
            );
        }
        if !(self.learning_rate > 0.0 && self.learning_rate <= 10.0) {
            return refuse("learning_rate", "`learning_rate` is above 0 and at most 10");
        }
        if self.hidden_layers.len() > MAX_HIDDEN_LAYERS
            || self
                .hidden_layers
                .iter()
                .any(|w| !(1..=MAX_LAYER_WIDTH).contains(w))
        {
            return refuse(
                "hidden_layers",
                format!(
                    "`hidden_layers` holds at most {MAX_HIDDEN_LAYERS} widths of 1 to {MAX_LAYER_WIDTH}"
                ),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_spec_passes_its_own_check() {
        for task in Task::ALL {
            assert_eq!(JobSpec::for_task(task).check(task), Ok(()), "{task:?}");
        }
    }

    #[test]
    fn out_of_bounds_settings_are_refused_by_field() {
        let field = |spec: JobSpec, task| spec.check(task).unwrap_err().field;
        let family = || JobSpec::for_task(Task::Family);
        assert_eq!(field(family(), Task::Anomaly), "kind");
        assert_eq!(
            field(
                JobSpec {
                    epochs: 0,
                    ..family()
                },
                Task::Family
            ),
            "epochs"
        );
        assert_eq!(
            field(
                JobSpec {
                    learning_rate: f32::NAN,
                    ..family()
                },
                Task::Family
            ),
            "learning_rate"
        );
        assert_eq!(
            field(
                JobSpec {
                    hidden_layers: vec![0],
                    ..family()
                },
                Task::Family
            ),
            "hidden_layers"
        );
        let kmeans = JobSpec::for_task(Task::Anomaly);
        assert_eq!(
            field(
                JobSpec {
                    anomaly_quantile: 1.0,
                    ..kmeans
                },
                Task::Anomaly
            ),
            "anomaly_quantile"
        );
    }
}
