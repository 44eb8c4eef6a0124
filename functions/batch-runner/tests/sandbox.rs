#![allow(clippy::unwrap_used)]
//! The trainer component under the runner's limits. These need the component built first:
//! `cargo build -p synq-trainer --target wasm32-wasip2 --release` (scripts/test.sh does it).

use std::sync::{Arc, Mutex, OnceLock};

use synq_batch_runner::default_component;
use synq_batch_runner::sandbox::{JobFailure, Limits, Sandbox};
use synq_ml::dataset::{Task, generated, tables};
use synq_ml::{JobSpec, Sample};

fn sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| {
        let path = default_component();
        let bytes = std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; build it with cargo build -p synq-trainer --target wasm32-wasip2 --release",
                path.display()
            )
        });
        Sandbox::new(&bytes).unwrap()
    })
}

fn samples() -> &'static [Sample] {
    static SAMPLES: OnceLock<Vec<Sample>> = OnceLock::new();
    SAMPLES.get_or_init(|| generated(3, 10, 8).unwrap())
}

fn quick(task: Task) -> JobSpec {
    let mut spec = JobSpec::for_task(task);
    spec.epochs = 5;
    spec.clusters = 6;
    spec
}

#[test]
fn a_job_trains_reports_progress_and_matches_the_native_trainer() {
    let (train, test) = tables(Task::Family, samples(), 3, 0.3);
    let spec = quick(Task::Family);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let outcome = sandbox()
        .run(
            &spec,
            &train,
            &test,
            Limits::default(),
            Box::new(move |e, n, l| log.lock().unwrap().push((e, n, l))),
        )
        .unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen.iter().map(|p| p.0).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5]
    );
    assert!(seen.iter().all(|p| p.1 == 5 && p.2.is_finite()));
    assert!(outcome.fuel_used > 0);
    // Same seed, same data: the component and the native library train the same model.
    let native = synq_trainer::train(&spec, &train, &test, &mut |_, _, _| {}).unwrap();
    assert_eq!(outcome.onnx.len(), native.onnx.len());
    let accuracy = |m: &[(String, f64)]| m.iter().find(|(n, _)| n == "accuracy").unwrap().1;
    let native_metrics: Vec<(String, f64)> = native
        .metrics
        .iter()
        .map(|m| (m.name.clone(), m.value))
        .collect();
    assert!((accuracy(&outcome.metrics) - accuracy(&native_metrics)).abs() < 0.02);
}

#[test]
fn running_out_of_fuel_fails_the_job_and_the_runner_goes_on() {
    let (train, test) = tables(Task::ExecutionTime, samples(), 3, 0.3);
    let spec = quick(Task::ExecutionTime);
    let starved = Limits {
        fuel: 5_000_000,
        ..Limits::default()
    };
    let err = sandbox()
        .run(&spec, &train, &test, starved, Box::new(|_, _, _| {}))
        .unwrap_err();
    assert_eq!(err, JobFailure::OutOfFuel(5_000_000));
    assert!(err.to_string().contains("out of fuel"));
    // The same sandbox runs the next job.
    sandbox()
        .run(
            &spec,
            &train,
            &test,
            Limits::default(),
            Box::new(|_, _, _| {}),
        )
        .unwrap();
}

#[test]
fn running_out_of_memory_fails_the_job_and_the_runner_goes_on() {
    let (mut train, test) = tables(Task::ExecutionTime, samples(), 3, 0.3);
    let spec = quick(Task::ExecutionTime);
    // 64 MiB of features cannot be copied into a 16 MiB memory.
    let rows = (64 << 20) / 4 / train.feature_names.len();
    let row = train.features[..train.feature_names.len()].to_vec();
    let target = train.targets[..train.target_names.len()].to_vec();
    for _ in 0..rows {
        train.features.extend_from_slice(&row);
        train.targets.extend_from_slice(&target);
    }
    let tight = Limits {
        memory_bytes: 16 << 20,
        ..Limits::default()
    };
    let err = sandbox()
        .run(&spec, &train, &test, tight, Box::new(|_, _, _| {}))
        .unwrap_err();
    assert_eq!(err, JobFailure::OutOfMemory(16 << 20));
    assert!(err.to_string().contains("out of memory"));
    let (train, test) = tables(Task::ExecutionTime, samples(), 3, 0.3);
    sandbox()
        .run(&spec, &train, &test, tight, Box::new(|_, _, _| {}))
        .unwrap();
}

#[test]
fn a_bad_spec_is_refused_with_the_field_named() {
    let (train, test) = tables(Task::Family, samples(), 3, 0.3);
    let mut spec = quick(Task::Family);
    spec.learning_rate = -1.0;
    let err = sandbox()
        .run(
            &spec,
            &train,
            &test,
            Limits::default(),
            Box::new(|_, _, _| {}),
        )
        .unwrap_err();
    assert!(
        matches!(&err, JobFailure::Refused(m) if m.contains("learning_rate")),
        "{err}"
    );
}
