#![allow(clippy::unwrap_used)]
//! Every model the trainer writes loads in tract-onnx and gives the trainer's own predictions on
//! held-out rows. Tolerances (f32 on both sides, different summation orders): regressors within a
//! relative 1e-4, class probabilities within 1e-5 absolute with the same argmax, k-means distances
//! within 1e-4 relative and the same anomaly flags (away from a threshold's knife edge).

use synq_ml::dataset::{Task, generated, tables};
use synq_ml::{JobSpec, Table};
use synq_trainer::{Model, fit};
use tract_onnx::prelude::*;

fn run_tract(onnx: &[u8], table: &Table) -> TVec<TValue> {
    let (rows, columns) = (table.rows(), table.feature_names.len());
    let model = tract_onnx::onnx()
        .model_for_read(&mut &onnx[..])
        .unwrap()
        .with_input_fact(0, f32::fact([rows, columns]).into())
        .unwrap()
        .into_optimized()
        .unwrap()
        .into_runnable()
        .unwrap();
    let input = Tensor::from_shape(&[rows, columns], &table.features).unwrap();
    model.run(tvec!(input.into())).unwrap()
}

fn floats(v: &TValue) -> Vec<f32> {
    v.to_plain_array_view::<f32>()
        .unwrap()
        .iter()
        .copied()
        .collect()
}

fn trained(task: Task) -> (JobSpec, Model, Table, Table) {
    let samples = generated(5, 10, 8).unwrap();
    let (train, test) = tables(task, &samples, 5, 0.3);
    let mut spec = JobSpec::for_task(task);
    spec.epochs = spec.epochs.min(30);
    spec.clusters = spec.clusters.min(8);
    let (model, _) = fit(&spec, &train, &mut |_, _, _| {}).unwrap();
    (spec, model, train, test)
}

#[test]
fn regressors_agree_with_tract() {
    for task in [
        Task::ExecutionTime,
        Task::SuccessProbability,
        Task::OptimizationReduction,
    ] {
        let (spec, model, train, test) = trained(task);
        let ours = model.predict(&test.features);
        let outputs = run_tract(&model.to_onnx(&spec, &train), &test);
        let theirs = floats(&outputs[0]);
        assert_eq!(ours.len(), theirs.len());
        assert_eq!(ours.len(), test.rows() * test.target_names.len());
        for (a, b) in ours.iter().zip(&theirs) {
            assert!(
                (a - b).abs() <= 1e-4 * a.abs().max(1e-3),
                "{task:?}: {a} vs {b}"
            );
        }
    }
}

#[test]
fn classifiers_agree_with_tract() {
    for task in [Task::Family, Task::OptimizationLevel] {
        let (spec, model, train, test) = trained(task);
        let ours = model.predict(&test.features);
        let outputs = run_tract(&model.to_onnx(&spec, &train), &test);
        let probabilities = floats(&outputs[0]);
        let labels: Vec<i64> = outputs[1]
            .to_plain_array_view::<i64>()
            .unwrap()
            .iter()
            .copied()
            .collect();
        let classes = test.target_names.len();
        assert_eq!(probabilities.len(), test.rows() * classes);
        for (a, b) in ours.iter().zip(&probabilities) {
            assert!((a - b).abs() <= 1e-5, "{task:?}: {a} vs {b}");
        }
        for (row, label) in ours.chunks_exact(classes).zip(&labels) {
            let best = row.iter().copied().fold(f32::MIN, f32::max);
            assert!((row[*label as usize] - best).abs() <= 1e-6, "{task:?}");
        }
    }
}

#[test]
fn kmeans_agrees_with_tract() {
    let (spec, model, train, test) = trained(Task::Anomaly);
    let Model::KMeans(k) = &model else {
        panic!("anomaly is k-means");
    };
    let ours = k.predict(&test.features);
    let outputs = run_tract(&model.to_onnx(&spec, &train), &test);
    let clusters: Vec<i64> = outputs[0]
        .to_plain_array_view::<i64>()
        .unwrap()
        .iter()
        .copied()
        .collect();
    let distances = floats(&outputs[1]);
    let flags = floats(&outputs[2]);
    assert_eq!(ours.len(), test.rows());
    let mut flagged = 0;
    for (((a, c), d), f) in ours.iter().zip(&clusters).zip(&distances).zip(&flags) {
        assert!(
            (a.distance - d).abs() <= 1e-4 * a.distance.max(1.0),
            "{} vs {d}",
            a.distance
        );
        let threshold = k.thresholds[a.cluster];
        if (a.distance - threshold).abs() > 1e-3 {
            assert_eq!(a.cluster as i64, *c);
            assert_eq!(a.anomaly, *f == 1.0);
        }
        flagged += usize::from(a.anomaly);
    }
    // The held-out corpus-free test split is all known families; some may still be flagged.
    assert!(flagged < ours.len());
}
