#![allow(clippy::unwrap_used)]
//! The runner's loop against the edge's own queue rules (synq-ml's queue over its in-memory store):
//! queue → lease → train → upload → version registered → blob downloadable, and a runner that dies
//! mid-job loses its lease to the next one. Needs the trainer component (see tests/sandbox.rs).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use synq_batch_runner::default_component;
use synq_batch_runner::edge::{Edge, EdgeError};
use synq_batch_runner::sandbox::{Limits, Sandbox};
use synq_batch_runner::worker::{Finished, Worker};
use synq_ml::dataset::{Task, generated};
use synq_ml::jobs::{JobState, ModelVersion, Progress};
use synq_ml::queue::{Leased, MemoryStore, Queue, QueueConfig, QueueError, ready};
use synq_ml::{JobSpec, Sample};

/// The edge's queue in this process, on a clock the test moves.
struct LocalEdge {
    store: Mutex<MemoryStore>,
    now_ms: AtomicU64,
    tokens: AtomicU64,
    heartbeats: AtomicU64,
}

impl LocalEdge {
    fn new() -> Self {
        Self {
            store: Mutex::new(MemoryStore::default()),
            now_ms: AtomicU64::new(0),
            tokens: AtomicU64::new(0),
            heartbeats: AtomicU64::new(0),
        }
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&Queue<'_, MemoryStore, MemoryStore>, u64) -> Result<T, QueueError>,
    ) -> Result<T, EdgeError> {
        let store = self.store.lock().unwrap();
        let queue = Queue {
            jobs: &*store,
            blobs: &*store,
            config: QueueConfig { lease_ms: 30_000 },
        };
        f(&queue, self.now_ms.load(Ordering::SeqCst)).map_err(|e| match e {
            QueueError::Job(synq_ml::jobs::JobError::LeaseLost(m)) => EdgeError::LeaseLost(m),
            other => EdgeError::Other(other.to_string()),
        })
    }
}

impl Edge for LocalEdge {
    fn lease(&self, runner: &str) -> Result<Option<Leased>, EdgeError> {
        let token = format!("token-{}", self.tokens.fetch_add(1, Ordering::SeqCst));
        self.with(|q, now| ready(q.lease(runner, &token, now)))
    }
    fn heartbeat(&self, job: &str, token: &str) -> Result<(), EdgeError> {
        self.heartbeats.fetch_add(1, Ordering::SeqCst);
        self.with(|q, now| ready(q.heartbeat(job, token, now)).map(drop))
    }
    fn progress(&self, job: &str, token: &str, progress: Progress) -> Result<(), EdgeError> {
        self.heartbeats.fetch_add(1, Ordering::SeqCst);
        self.with(|q, now| ready(q.report(job, token, progress, now)).map(drop))
    }
    fn upload(&self, job: &str, token: &str, onnx: &[u8]) -> Result<(), EdgeError> {
        self.with(|q, now| ready(q.upload(job, token, onnx.to_vec(), now)).map(drop))
    }
    fn complete(
        &self,
        job: &str,
        token: &str,
        metrics: Vec<(String, f64)>,
    ) -> Result<ModelVersion, EdgeError> {
        self.with(|q, now| ready(q.complete(job, token, metrics, now)))
    }
    fn fail(&self, job: &str, token: &str, reason: &str) -> Result<(), EdgeError> {
        self.with(|q, now| ready(q.fail(job, token, reason, now)).map(drop))
    }
}

fn sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| Sandbox::new(&std::fs::read(default_component()).unwrap()).unwrap())
}

fn samples() -> &'static [Sample] {
    static SAMPLES: OnceLock<Vec<Sample>> = OnceLock::new();
    SAMPLES.get_or_init(|| generated(4, 8, 8).unwrap())
}

fn worker<'a>(edge: &'a LocalEdge, runner: &str, limits: Limits) -> Worker<'a, LocalEdge> {
    Worker {
        edge,
        sandbox: sandbox(),
        samples: samples(),
        runner: runner.into(),
        limits,
        heartbeat_every: Duration::from_millis(1),
        test_fraction: 0.3,
        show_progress: false,
    }
}

fn enqueue(edge: &LocalEdge, id: &str, task: Task, epochs: u32) {
    let mut spec = JobSpec::for_task(task);
    spec.epochs = epochs;
    spec.clusters = spec.clusters.min(6);
    edge.with(|q, now| ready(q.enqueue(id, task, spec, now)))
        .unwrap();
}

#[test]
fn a_queued_job_is_trained_uploaded_and_registered() {
    let edge = LocalEdge::new();
    enqueue(&edge, "family-1", Task::Family, 100);
    let finished = worker(&edge, "r1", Limits::default())
        .run_one()
        .unwrap()
        .unwrap();
    let Finished::Completed { job, model } = finished else {
        panic!("{finished:?}");
    };
    assert_eq!(
        (job.as_str(), model.version.to_string().as_str()),
        ("family-1", "1.0.0")
    );
    assert!(
        model
            .metrics
            .iter()
            .any(|(n, v)| n == "accuracy" && *v > 0.5)
    );
    let blob = edge
        .with(|q, _| ready(q.model_blob(Task::Family, model.version)))
        .unwrap()
        .unwrap();
    assert!(blob.len() > 1000);
    // The job's status shows it completed with the version, and the runner heartbeated meanwhile.
    let status = edge
        .with(|q, now| ready(q.status("family-1", now)))
        .unwrap();
    assert_eq!(status.state, JobState::Completed);
    assert!(edge.heartbeats.load(Ordering::SeqCst) > 0);
    // Nothing left to lease.
    assert!(
        worker(&edge, "r1", Limits::default())
            .run_one()
            .unwrap()
            .is_none()
    );
}

#[test]
fn a_dead_runner_s_job_is_completed_by_the_next_runner() {
    let edge = LocalEdge::new();
    enqueue(&edge, "exec-1", Task::ExecutionTime, 5);
    // Runner 1 leases the job and dies without a word.
    let lost = edge.lease("r1").unwrap().unwrap();
    assert!(
        worker(&edge, "r2", Limits::default())
            .run_one()
            .unwrap()
            .is_none()
    );
    edge.now_ms.store(31_000, Ordering::SeqCst);
    let finished = worker(&edge, "r2", Limits::default())
        .run_one()
        .unwrap()
        .unwrap();
    assert!(
        matches!(finished, Finished::Completed { ref job, .. } if job == "exec-1"),
        "{finished:?}"
    );
    // Runner 1's late upload is refused and the registered model stays runner 2's.
    let late = edge.upload("exec-1", &lost.token, b"late");
    assert!(matches!(late, Err(EdgeError::LeaseLost(_))), "{late:?}");
    let version = "1.0.0".parse().unwrap();
    let blob = edge
        .with(|q, _| ready(q.model_blob(Task::ExecutionTime, version)))
        .unwrap()
        .unwrap();
    assert!(blob.len() > 1000);
}

#[test]
fn a_job_that_runs_out_of_fuel_fails_with_the_reason_and_the_next_job_runs() {
    let edge = LocalEdge::new();
    // Leased oldest first (then by id).
    enqueue(&edge, "a-starved", Task::Family, 5);
    enqueue(&edge, "b-fine", Task::Anomaly, 5);
    let starved = Limits {
        fuel: 1_000_000,
        ..Limits::default()
    };
    let finished = worker(&edge, "r1", starved).run_one().unwrap().unwrap();
    assert!(
        matches!(finished, Finished::Failed { ref reason, .. } if reason.contains("out of fuel")),
        "{finished:?}"
    );
    let status = edge
        .with(|q, now| ready(q.status("a-starved", now)))
        .unwrap();
    assert_eq!(status.state, JobState::Failed);
    assert!(status.failure.unwrap().contains("out of fuel"));
    let next = worker(&edge, "r1", Limits::default())
        .run_one()
        .unwrap()
        .unwrap();
    assert!(
        matches!(next, Finished::Completed { ref job, .. } if job == "b-fine"),
        "{next:?}"
    );
}
