//! `synq-batch-runner measure`: trains every task's model in wasm (under the sandbox) and natively,
//! and scores it on the held-out split beside the baselines (majority class; a line through the
//! gate count). Prints a Markdown report and writes JSON.

use std::time::Instant;

use serde::Serialize;
use synq_ml::baselines::{Line, majority_class};
use synq_ml::dataset::{Task, tables};
use synq_ml::metrics::{classification, regression};
use synq_ml::{JobSpec, PROFILES, Sample};

use crate::sandbox::{Limits, Sandbox};

/// One task's numbers.
#[derive(Debug, Serialize)]
pub struct TaskReport {
    pub task: &'static str,
    pub train_rows: usize,
    pub test_rows: usize,
    pub wasm_seconds: f64,
    pub native_seconds: f64,
    pub fuel_used: u64,
    pub onnx_bytes: usize,
    /// The trained model's metrics on the test split (from the wasm run).
    pub metrics: Vec<(String, f64)>,
    /// The baseline's metrics on the same split.
    pub baseline: Vec<(String, f64)>,
}

fn gates_of<'a>(samples: &'a [Sample], names: &[String]) -> Vec<&'a Sample> {
    let by_name: std::collections::HashMap<&str, &Sample> =
        samples.iter().map(|s| (s.name.as_str(), s)).collect();
    names
        .iter()
        .filter_map(|n| by_name.get(n.as_str()).copied())
        .collect()
}

fn baseline(
    task: Task,
    samples: &[Sample],
    train: &synq_ml::Table,
    test: &synq_ml::Table,
) -> Vec<(String, f64)> {
    let (tr, te) = (
        gates_of(samples, &train.row_names),
        gates_of(samples, &test.row_names),
    );
    let gates = |s: &[&Sample]| -> Vec<f64> { s.iter().map(|x| x.gates as f64).collect() };
    match task {
        Task::Family | Task::OptimizationLevel => {
            let truth: Vec<usize> = test.targets.iter().map(|&t| t as usize).collect();
            let train_classes: Vec<usize> = train.targets.iter().map(|&t| t as usize).collect();
            let guess = vec![majority_class(&train_classes); truth.len()];
            let c = classification(&truth, &guess);
            vec![("accuracy".into(), c.accuracy), ("f1".into(), c.f1)]
        }
        Task::ExecutionTime | Task::SuccessProbability | Task::OptimizationReduction => {
            let t = train.target_names.len();
            let mut out = Vec::new();
            for (j, name) in train.target_names.iter().enumerate() {
                let column = |v: &[f32]| -> Vec<f64> {
                    v.iter().skip(j).step_by(t).map(|&x| f64::from(x)).collect()
                };
                let line = Line::fit(&gates(&tr), &column(&train.targets));
                let predicted: Vec<f64> = gates(&te).iter().map(|&g| line.at(g)).collect();
                let r = regression(&column(&test.targets), &predicted);
                out.push((format!("mape:{name}"), r.mape));
                out.push((format!("r2:{name}"), r.r2));
                out.push((format!("spearman:{name}"), r.spearman));
            }
            out
        }
        Task::Anomaly => Vec::new(),
    }
}

/// Measures every task in `tasks`.
pub fn measure(
    sandbox: &Sandbox,
    samples: &[Sample],
    tasks: &[Task],
    seed: u64,
    test_fraction: f64,
    limits: Limits,
) -> anyhow::Result<Vec<TaskReport>> {
    let mut out = Vec::new();
    for &task in tasks {
        let (train, test) = tables(task, samples, seed, test_fraction);
        let spec = JobSpec::for_task(task);
        let bar = crate::progress::bar(task.name());
        let shown = bar.clone();
        let started = Instant::now();
        let outcome = sandbox
            .run(
                &spec,
                &train,
                &test,
                limits,
                Box::new(move |e, n, l| crate::progress::update(&shown, e, n, l)),
            )
            .map_err(|e| anyhow::anyhow!("{}: {e}", task.name()))?;
        let wasm_seconds = started.elapsed().as_secs_f64();
        bar.finish_and_clear();
        let started = Instant::now();
        synq_trainer::train(&spec, &train, &test, &mut |_, _, _| {})
            .map_err(|e| anyhow::anyhow!("{}: {e}", task.name()))?;
        let native_seconds = started.elapsed().as_secs_f64();
        out.push(TaskReport {
            task: task.name(),
            train_rows: train.rows(),
            test_rows: test.rows(),
            wasm_seconds,
            native_seconds,
            fuel_used: outcome.fuel_used,
            onnx_bytes: outcome.onnx.len(),
            baseline: baseline(task, samples, &train, &test),
            metrics: outcome.metrics,
        });
    }
    Ok(out)
}

fn get(v: &[(String, f64)], name: &str) -> f64 {
    v.iter()
        .find(|(n, _)| n == name)
        .map_or(f64::NAN, |(_, x)| *x)
}

/// The report as Markdown: timing per model, then quality against the baselines and targets.
pub fn markdown(reports: &[TaskReport]) -> String {
    let mut s = String::from(
        "| model | train/test rows | wasm s | native s | wasm/native | fuel | ONNX bytes |\n| --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for r in reports {
        s += &format!(
            "| {} | {}/{} | {:.2} | {:.2} | {:.2} | {:.2e} | {} |\n",
            r.task,
            r.train_rows,
            r.test_rows,
            r.wasm_seconds,
            r.native_seconds,
            r.wasm_seconds / r.native_seconds,
            r.fuel_used as f64,
            r.onnx_bytes
        );
    }
    s += "\n| measure | model | baseline | target |\n| --- | --- | --- | --- |\n";
    for r in reports {
        match r.task {
            "family" => {
                s += &format!(
                    "| family accuracy | {:.3} | {:.3} (majority) | ≥ 0.95 |\n| family macro F1 | {:.3} | {:.3} | |\n",
                    get(&r.metrics, "accuracy"),
                    get(&r.baseline, "accuracy"),
                    get(&r.metrics, "f1"),
                    get(&r.baseline, "f1"),
                );
            }
            "optimization_level" => {
                s += &format!(
                    "| best optimization level accuracy | {:.3} | {:.3} (majority) | |\n",
                    get(&r.metrics, "accuracy"),
                    get(&r.baseline, "accuracy"),
                );
            }
            "execution_time" | "success_probability" | "optimization_reduction" => {
                let (measure, target) = match r.task {
                    "execution_time" => ("mape", "≤ 0.10 and ≤ half the baseline"),
                    "success_probability" => ("spearman", "≥ 0.9"),
                    _ => ("r2", ""),
                };
                let names: Vec<String> = if r.task == "optimization_reduction" {
                    vec!["expected_reduction".into()]
                } else {
                    PROFILES
                        .iter()
                        .map(|p| format!("{}:{}", r.task, p.name))
                        .collect()
                };
                for name in names {
                    let key = format!("{measure}:{name}");
                    s += &format!(
                        "| {key} | {:.4} | {:.4} (line on gates) | {target} |\n",
                        get(&r.metrics, &key),
                        get(&r.baseline, &key),
                    );
                }
            }
            "anomaly" => {
                s += &format!(
                    "| anomaly precision / recall / F1 (unknown-family corpus circuits vs held-out known) | {:.3} / {:.3} / {:.3} | | |\n",
                    get(&r.metrics, "precision"),
                    get(&r.metrics, "recall"),
                    get(&r.metrics, "f1"),
                );
            }
            _ => {}
        }
    }
    s
}
