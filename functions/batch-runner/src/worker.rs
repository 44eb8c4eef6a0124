//! The runner's loop: lease a job, train it in the sandbox while a heartbeat thread keeps the lease
//! alive and forwards progress, then upload and complete — or fail the job with the reason.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use synq_ml::Sample;
use synq_ml::dataset::tables;
use synq_ml::jobs::{ModelVersion, Progress};

use crate::edge::{Edge, EdgeError};
use crate::sandbox::{Limits, Sandbox};

/// How a leased job ended.
#[derive(Debug)]
pub enum Finished {
    Completed { job: String, model: ModelVersion },
    Failed { job: String, reason: String },
}

/// One runner.
pub struct Worker<'a, E> {
    pub edge: &'a E,
    pub sandbox: &'a Sandbox,
    /// The labelled circuits every job's tables are cut from.
    pub samples: &'a [Sample],
    pub runner: String,
    pub limits: Limits,
    /// How often to report at most (a third of the edge's lease when that is shorter).
    pub heartbeat_every: Duration,
    pub test_fraction: f64,
    /// Draws the job's progress bar on the terminal.
    pub show_progress: bool,
}

impl<E: Edge + Sync> Worker<'_, E> {
    /// Leases and runs one job; `None` when the queue is empty.
    pub fn run_one(&self) -> Result<Option<Finished>, EdgeError> {
        let Some(leased) = self.edge.lease(&self.runner)? else {
            return Ok(None);
        };
        let (job, token) = (leased.job.id.clone(), leased.token.clone());
        let every = heartbeat_interval(self.heartbeat_every, leased.lease_ms);
        let (train, test) = tables(
            leased.job.task,
            self.samples,
            leased.job.spec.seed,
            self.test_fraction,
        );
        let latest: Arc<Mutex<Option<Progress>>> = Arc::default();
        let done = AtomicBool::new(false);
        let bar = self
            .show_progress
            .then(|| crate::progress::bar(&format!("{job} {}", leased.job.task.name())));
        let outcome = std::thread::scope(|scope| {
            scope.spawn(|| self.keep_alive(&job, &token, every, &latest, &done));
            let sink = latest.clone();
            let shown = bar.clone();
            let result = self.sandbox.run(
                &leased.job.spec,
                &train,
                &test,
                self.limits,
                Box::new(move |epoch, epochs, loss| {
                    if let Some(b) = &shown {
                        crate::progress::update(b, epoch, epochs, loss);
                    }
                    if let Ok(mut p) = sink.lock() {
                        *p = Some(Progress {
                            epoch,
                            epochs,
                            loss,
                        });
                    }
                }),
            );
            done.store(true, Ordering::SeqCst);
            result
        });
        if let Some(b) = bar {
            b.finish_and_clear();
        }
        match outcome {
            Ok(outcome) => {
                let (metrics, undefined) = finite_metrics(outcome.metrics);
                if !undefined.is_empty() {
                    eprintln!(
                        "runner {}: {job}: left out undefined metrics: {}",
                        self.runner,
                        undefined.join(", ")
                    );
                }
                self.edge.upload(&job, &token, &outcome.onnx)?;
                let model = self.edge.complete(&job, &token, metrics)?;
                Ok(Some(Finished::Completed { job, model }))
            }
            Err(failure) => {
                let reason = failure.to_string();
                self.edge.fail(&job, &token, &reason)?;
                Ok(Some(Finished::Failed { job, reason }))
            }
        }
    }

    /// Until `done`: every `every`, send the newest progress (or a bare heartbeat).
    fn keep_alive(
        &self,
        job: &str,
        token: &str,
        every: Duration,
        latest: &Mutex<Option<Progress>>,
        done: &AtomicBool,
    ) {
        let mut sent: Option<Progress> = None;
        let tick = Duration::from_millis(20).min(every);
        let mut waited = Duration::ZERO;
        while !done.load(Ordering::SeqCst) {
            std::thread::sleep(tick);
            waited += tick;
            if waited < every {
                continue;
            }
            waited = Duration::ZERO;
            let now = latest.lock().ok().and_then(|p| *p);
            let result = match now {
                Some(p) if Some(p) != sent => {
                    sent = Some(p);
                    self.edge.progress(job, token, p)
                }
                _ => self.edge.heartbeat(job, token),
            };
            if let Err(e) = result {
                // The job finishes regardless; the edge refuses its result if the lease is gone.
                eprintln!("runner {}: heartbeat for {job}: {e}", self.runner);
            }
        }
    }
}

/// The metrics the edge takes, and those left out (as `name (value)`). JSON has no NaN or infinity and
/// the edge refuses a metric that is not a number, so a metric the held-out data leaves undefined — R²
/// on constant targets, F1 with no positives — is not sent rather than failing the whole job.
pub fn finite_metrics(metrics: Vec<(String, f64)>) -> (Vec<(String, f64)>, Vec<String>) {
    let (finite, undefined): (Vec<_>, Vec<_>) = metrics
        .into_iter()
        .partition(|(_, value)| value.is_finite());
    let undefined = undefined
        .into_iter()
        .map(|(name, value)| format!("{name} ({value})"))
        .collect();
    (finite, undefined)
}

/// How often to report: `configured`, or a third of the lease when the edge grants a shorter one
/// (`lease_ms` 0: an edge that does not say).
fn heartbeat_interval(configured: Duration, lease_ms: u64) -> Duration {
    match lease_ms {
        0 => configured,
        ms => configured.min(Duration::from_millis(ms / 3)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undefined_metrics_are_left_out_and_named() {
        let metrics = vec![
            ("mae".to_string(), 0.5),
            ("r2".to_string(), f64::NAN),
            ("mape".to_string(), f64::INFINITY),
            ("spearman".to_string(), -0.25),
        ];
        let (kept, undefined) = finite_metrics(metrics);
        assert_eq!(
            kept,
            vec![("mae".to_string(), 0.5), ("spearman".to_string(), -0.25)]
        );
        assert_eq!(undefined, vec!["r2 (NaN)", "mape (inf)"]);
        // What is kept goes over the wire as numbers only.
        let body = serde_json::to_string(&kept).unwrap();
        assert_eq!(body, r#"[["mae",0.5],["spearman",-0.25]]"#);
    }
}
