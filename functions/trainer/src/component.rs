//! The `synq:trainer/train` export for `wasm32-wasip2`: WIT records in, [`crate::train`], WIT
//! records out; progress goes to the host's `synq:trainer/progress` import.

use synq_ml::{JobSpec, ModelKind, Table, TargetTransform};

wit_bindgen::generate!({
    world: "trainer",
    path: "../../wit/trainer",
});

use exports::synq::trainer::train::Guest;
use synq::trainer::progress;
use synq::trainer::types as wit;

struct Trainer;

fn spec(s: wit::JobSpec) -> JobSpec {
    JobSpec {
        kind: match s.kind {
            wit::ModelKind::MlpRegressor => ModelKind::MlpRegressor,
            wit::ModelKind::MlpClassifier => ModelKind::MlpClassifier,
            wit::ModelKind::Kmeans => ModelKind::Kmeans,
        },
        epochs: s.epochs,
        batch_size: s.batch_size,
        learning_rate: s.learning_rate,
        seed: s.seed,
        hidden_layers: s.hidden_layers,
        clusters: s.clusters,
        anomaly_quantile: s.anomaly_quantile,
        target_transform: match s.target_transform {
            wit::TargetTransform::None => TargetTransform::None,
            wit::TargetTransform::Log => TargetTransform::Log,
        },
    }
}

fn table(d: wit::Dataset) -> Table {
    Table {
        feature_names: d.feature_names,
        features: d.features,
        target_names: d.target_names,
        targets: d.targets,
        row_names: Vec::new(),
    }
}

impl Guest for Trainer {
    fn train(
        s: wit::JobSpec,
        training: wit::Dataset,
        test: wit::Dataset,
    ) -> Result<wit::TrainedModel, wit::TrainError> {
        let mut report = |epoch, epochs, loss| progress::report(epoch, epochs, loss);
        crate::train(&spec(s), &table(training), &table(test), &mut report)
            .map(|m| wit::TrainedModel {
                onnx: m.onnx,
                metrics: m
                    .metrics
                    .into_iter()
                    .map(|x| wit::Metric {
                        name: x.name,
                        value: x.value,
                    })
                    .collect(),
                final_loss: m.final_loss,
            })
            .map_err(|e| match e {
                crate::TrainError::InvalidSpec(m) => wit::TrainError::InvalidSpec(m),
                crate::TrainError::InvalidDataset(m) => wit::TrainError::InvalidDataset(m),
                crate::TrainError::Diverged(m) => wit::TrainError::Diverged(m),
            })
    }
}

export!(Trainer);
