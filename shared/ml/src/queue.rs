//! The training queue over storage: the edge's job and model-registry operations, written once
//! against [`JobStore`] and [`BlobStore`] (D1 and R2 on Cloudflare; [`MemoryStore`] in tests). The
//! rules themselves are in [`crate::jobs`]; this layer loads, applies and saves.
//!
//! The traits are async because D1 and R2 are; the in-memory adapter never awaits anything.

use std::cell::RefCell;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::dataset::Task;
use crate::jobs::{JobError, ModelVersion, Progress, TrainingJob, Version, blob_key};
use crate::spec::JobSpec;

/// A storage failure.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("storage: {0}")]
pub struct StoreError(pub String);

/// Why a queue operation failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    #[error("no job {0}")]
    NotFound(String),
    #[error(transparent)]
    Job(#[from] JobError),
    /// Other jobs of the task kept registering the version this one was about to take.
    #[error(
        "job {0}: other jobs of its task took the next model version {COMPLETE_ATTEMPTS} times in a row; try again"
    )]
    Contended(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Jobs and model versions.
#[allow(async_fn_in_trait)]
pub trait JobStore {
    async fn insert_job(&self, job: &TrainingJob) -> Result<(), StoreError>;
    async fn job(&self, id: &str) -> Result<Option<TrainingJob>, StoreError>;
    /// Saves `job` if the stored revision is still `job.revision - 1`, the one it was read at (so two
    /// runners racing for one job cannot both win); returns whether it saved.
    async fn replace_job(&self, job: &TrainingJob) -> Result<bool, StoreError>;
    /// Jobs that are pending or running, oldest first (the candidates for leasing).
    async fn open_jobs(&self) -> Result<Vec<TrainingJob>, StoreError>;
    /// Up to `limit` jobs, newest first, starting after `after` (from the newest when `None`).
    async fn jobs_page(
        &self,
        after: Option<&JobPosition>,
        limit: usize,
    ) -> Result<Vec<TrainingJob>, StoreError>;
    /// Registered models (of `task`, or all), newest version first within a task.
    async fn models(&self, task: Option<Task>) -> Result<Vec<ModelVersion>, StoreError>;
    async fn latest_model(&self, task: Task) -> Result<Option<ModelVersion>, StoreError>;
    /// Saves the completed `job` and registers its `model` as one change: both, only if the stored job
    /// is still at revision `job.revision - 1` and no model of the task has `model.version` yet;
    /// otherwise neither. Returns whether it saved. (Two jobs of a task completing at once both read
    /// the same latest version; this is where the second finds its version taken and nothing changes.)
    async fn complete_job(
        &self,
        job: &TrainingJob,
        model: &ModelVersion,
    ) -> Result<bool, StoreError>;
    async fn model(&self, task: Task, version: Version)
    -> Result<Option<ModelVersion>, StoreError>;
}

/// Model blobs by key.
#[allow(async_fn_in_trait)]
pub trait BlobStore {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), StoreError>;
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
}

/// Where a page of jobs ends (newest first: by creation time, then id, both descending); the next page
/// starts after it. The API hands it out as an opaque cursor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobPosition {
    pub created_at_ms: u64,
    pub job_id: String,
}

impl JobPosition {
    /// The position of `job`.
    pub fn of(job: &TrainingJob) -> Self {
        Self {
            created_at_ms: job.created_at_ms,
            job_id: job.id.clone(),
        }
    }

    /// Whether `job` comes after this position, newest first.
    pub fn precedes(&self, job: &TrainingJob) -> bool {
        (job.created_at_ms, job.id.as_str()) < (self.created_at_ms, self.job_id.as_str())
    }
}

/// How many times [`Queue::complete`] takes the task's next version afresh when other jobs of the
/// task registered it first. Each retry means another completion won, so this bounds only a storm.
pub const COMPLETE_ATTEMPTS: usize = 8;

/// What a lease hands a runner.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Leased {
    pub job: TrainingJob,
    /// The lease's secret: every later call about the job must carry it.
    pub token: String,
    /// How long the lease lasts without a heartbeat or progress report (the runner reports well within it).
    #[serde(default)]
    pub lease_ms: u64,
}

/// The queue's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueConfig {
    /// How long a lease lasts without a heartbeat.
    pub lease_ms: u64,
}

impl Default for QueueConfig {
    fn default() -> Self {
        Self { lease_ms: 30_000 }
    }
}

/// The queue's operations.
pub struct Queue<'a, J, B> {
    pub jobs: &'a J,
    pub blobs: &'a B,
    pub config: QueueConfig,
}

impl<J: JobStore, B: BlobStore> Queue<'_, J, B> {
    /// Queues a job.
    pub async fn enqueue(
        &self,
        id: &str,
        task: Task,
        spec: JobSpec,
        now_ms: u64,
    ) -> Result<TrainingJob, QueueError> {
        let job = TrainingJob::new(id, task, spec, now_ms);
        self.jobs.insert_job(&job).await?;
        Ok(job)
    }

    /// Leases the oldest leasable job to `runner`; `token` must be unguessable (the shell makes it).
    pub async fn lease(
        &self,
        runner: &str,
        token: &str,
        now_ms: u64,
    ) -> Result<Option<Leased>, QueueError> {
        for mut job in self.jobs.open_jobs().await? {
            if job.expire(now_ms) && !job.leasable(now_ms) {
                // Out of attempts: record the failure and move on.
                job.revision += 1;
                self.jobs.replace_job(&job).await?;
                continue;
            }
            if !job.leasable(now_ms) {
                continue;
            }
            job.lease(runner, token, now_ms, self.config.lease_ms)?;
            job.revision += 1;
            if self.jobs.replace_job(&job).await? {
                return Ok(Some(Leased {
                    job,
                    token: token.to_string(),
                    lease_ms: self.config.lease_ms,
                }));
            }
        }
        Ok(None)
    }

    async fn load(&self, id: &str) -> Result<TrainingJob, QueueError> {
        self.jobs
            .job(id)
            .await?
            .ok_or_else(|| QueueError::NotFound(id.to_string()))
    }

    /// Loads a job, applies `change`, saves it (refusing if it changed meanwhile).
    async fn update(
        &self,
        id: &str,
        change: impl FnOnce(&mut TrainingJob) -> Result<(), JobError>,
    ) -> Result<TrainingJob, QueueError> {
        let mut job = self.load(id).await?;
        change(&mut job)?;
        job.revision += 1;
        if !self.jobs.replace_job(&job).await? {
            return Err(QueueError::Job(JobError::LeaseLost(id.to_string())));
        }
        Ok(job)
    }

    /// A job as it stands (with lease expiry applied to what is shown, not stored).
    pub async fn status(&self, id: &str, now_ms: u64) -> Result<TrainingJob, QueueError> {
        let mut job = self.load(id).await?;
        job.expire(now_ms);
        Ok(job)
    }

    pub async fn heartbeat(
        &self,
        id: &str,
        token: &str,
        now_ms: u64,
    ) -> Result<TrainingJob, QueueError> {
        let lease_ms = self.config.lease_ms;
        self.update(id, |j| j.heartbeat(token, now_ms, lease_ms))
            .await
    }

    pub async fn report(
        &self,
        id: &str,
        token: &str,
        progress: Progress,
        now_ms: u64,
    ) -> Result<TrainingJob, QueueError> {
        let lease_ms = self.config.lease_ms;
        self.update(id, |j| j.report(token, progress, now_ms, lease_ms))
            .await
    }

    /// Stores the model blob of a job whose lease `token` holds.
    pub async fn upload(
        &self,
        id: &str,
        token: &str,
        onnx: Vec<u8>,
        now_ms: u64,
    ) -> Result<TrainingJob, QueueError> {
        // Check the lease before writing the blob, then record the upload.
        self.status(id, now_ms).await.and_then(|mut j| {
            j.heartbeat(token, now_ms, self.config.lease_ms)?;
            Ok(())
        })?;
        self.blobs.put(&blob_key(id), onnx).await?;
        let lease_ms = self.config.lease_ms;
        self.update(id, |j| j.uploaded(token, now_ms, lease_ms))
            .await
    }

    /// Completes a job and registers its model as the task's next version, the job and the registry
    /// saved together. When another job of the task registered that version first (or the job
    /// changed meanwhile), it reads both again and retries, up to [`COMPLETE_ATTEMPTS`] times.
    pub async fn complete(
        &self,
        id: &str,
        token: &str,
        metrics: Vec<(String, f64)>,
        now_ms: u64,
    ) -> Result<ModelVersion, QueueError> {
        for _ in 0..COMPLETE_ATTEMPTS {
            let mut job = self.load(id).await?;
            let latest = self.jobs.latest_model(job.task).await?.map(|m| m.version);
            let model = job.complete(token, metrics.clone(), latest, now_ms)?;
            job.revision += 1;
            if self.jobs.complete_job(&job, &model).await? {
                return Ok(model);
            }
        }
        Err(QueueError::Contended(id.to_string()))
    }

    pub async fn fail(
        &self,
        id: &str,
        token: &str,
        reason: &str,
        now_ms: u64,
    ) -> Result<TrainingJob, QueueError> {
        self.update(id, |j| j.fail(token, reason, now_ms)).await
    }

    /// A registered model's ONNX bytes.
    pub async fn model_blob(
        &self,
        task: Task,
        version: Version,
    ) -> Result<Option<Vec<u8>>, QueueError> {
        match self.jobs.model(task, version).await? {
            Some(m) => Ok(self.blobs.get(&m.blob_key).await?),
            None => Ok(None),
        }
    }
}

/// Jobs, models and blobs in memory, for tests and the runner's local mode.
#[derive(Debug, Default)]
pub struct MemoryStore {
    jobs: RefCell<BTreeMap<String, TrainingJob>>,
    models: RefCell<Vec<ModelVersion>>,
    blobs: RefCell<BTreeMap<String, Vec<u8>>>,
}

impl JobStore for MemoryStore {
    async fn insert_job(&self, job: &TrainingJob) -> Result<(), StoreError> {
        let mut jobs = self.jobs.borrow_mut();
        if jobs.contains_key(&job.id) {
            return Err(StoreError(format!("job {} exists", job.id)));
        }
        jobs.insert(job.id.clone(), job.clone());
        Ok(())
    }

    async fn job(&self, id: &str) -> Result<Option<TrainingJob>, StoreError> {
        Ok(self.jobs.borrow().get(id).cloned())
    }

    async fn replace_job(&self, job: &TrainingJob) -> Result<bool, StoreError> {
        let mut jobs = self.jobs.borrow_mut();
        match jobs.get_mut(&job.id) {
            Some(stored) if stored.revision + 1 == job.revision => {
                *stored = job.clone();
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn open_jobs(&self) -> Result<Vec<TrainingJob>, StoreError> {
        let mut open: Vec<TrainingJob> = self
            .jobs
            .borrow()
            .values()
            .filter(|j| {
                matches!(
                    j.state,
                    crate::jobs::JobState::Pending | crate::jobs::JobState::Running
                )
            })
            .cloned()
            .collect();
        open.sort_by_key(|j| (j.created_at_ms, j.id.clone()));
        Ok(open)
    }

    async fn jobs_page(
        &self,
        after: Option<&JobPosition>,
        limit: usize,
    ) -> Result<Vec<TrainingJob>, StoreError> {
        let mut page: Vec<TrainingJob> = self
            .jobs
            .borrow()
            .values()
            .filter(|j| after.is_none_or(|p| p.precedes(j)))
            .cloned()
            .collect();
        page.sort_by_key(|j| std::cmp::Reverse((j.created_at_ms, j.id.clone())));
        page.truncate(limit);
        Ok(page)
    }

    async fn models(&self, task: Option<Task>) -> Result<Vec<ModelVersion>, StoreError> {
        let mut found: Vec<ModelVersion> = self
            .models
            .borrow()
            .iter()
            .filter(|m| task.is_none_or(|t| m.task == t))
            .cloned()
            .collect();
        found.sort_by_key(|m| (m.task.name(), std::cmp::Reverse(m.version)));
        Ok(found)
    }

    async fn latest_model(&self, task: Task) -> Result<Option<ModelVersion>, StoreError> {
        Ok(self
            .models
            .borrow()
            .iter()
            .filter(|m| m.task == task)
            .max_by_key(|m| m.version)
            .cloned())
    }

    async fn complete_job(
        &self,
        job: &TrainingJob,
        model: &ModelVersion,
    ) -> Result<bool, StoreError> {
        let mut models = self.models.borrow_mut();
        let taken = models
            .iter()
            .any(|m| m.task == model.task && m.version == model.version);
        let mut jobs = self.jobs.borrow_mut();
        match jobs.get_mut(&job.id) {
            Some(stored) if stored.revision + 1 == job.revision && !taken => {
                *stored = job.clone();
                models.push(model.clone());
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn model(
        &self,
        task: Task,
        version: Version,
    ) -> Result<Option<ModelVersion>, StoreError> {
        Ok(self
            .models
            .borrow()
            .iter()
            .find(|m| m.task == task && m.version == version)
            .cloned())
    }
}

impl BlobStore for MemoryStore {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        self.blobs.borrow_mut().insert(key.to_string(), bytes);
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.blobs.borrow().get(key).cloned())
    }
}

/// Runs a future that never waits (the in-memory store's), for tests and local runs.
pub fn ready<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(v) = future.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::JobState;

    fn queue(store: &MemoryStore) -> Queue<'_, MemoryStore, MemoryStore> {
        Queue {
            jobs: store,
            blobs: store,
            config: QueueConfig { lease_ms: 1_000 },
        }
    }

    #[test]
    fn queue_lease_train_upload_complete_download() {
        let store = MemoryStore::default();
        let q = queue(&store);
        ready(q.enqueue("a", Task::Family, JobSpec::for_task(Task::Family), 0)).unwrap();
        ready(q.enqueue("b", Task::Anomaly, JobSpec::for_task(Task::Anomaly), 1)).unwrap();
        let leased = ready(q.lease("r1", "t1", 10)).unwrap().unwrap();
        assert_eq!(leased.job.id, "a");
        let progress = Progress {
            epoch: 1,
            epochs: 2,
            loss: 0.3,
        };
        ready(q.report("a", "t1", progress, 20)).unwrap();
        assert_eq!(ready(q.status("a", 30)).unwrap().progress, Some(progress));
        ready(q.upload("a", "t1", vec![1, 2, 3], 40)).unwrap();
        let model = ready(q.complete("a", "t1", vec![("accuracy".into(), 0.9)], 50)).unwrap();
        assert_eq!(model.version.to_string(), "1.0.0");
        assert_eq!(
            ready(q.model_blob(Task::Family, model.version)).unwrap(),
            Some(vec![1, 2, 3])
        );
        // The next lease gets the other job; a second family model would be 1.1.0.
        assert_eq!(ready(q.lease("r1", "t2", 60)).unwrap().unwrap().job.id, "b");
        assert_eq!(ready(q.lease("r1", "t3", 70)).unwrap(), None);
    }

    #[test]
    fn a_dead_runner_s_job_goes_to_the_next_runner() {
        let store = MemoryStore::default();
        let q = queue(&store);
        ready(q.enqueue("a", Task::Family, JobSpec::for_task(Task::Family), 0)).unwrap();
        ready(q.lease("r1", "t1", 0)).unwrap().unwrap();
        ready(q.heartbeat("a", "t1", 500)).unwrap();
        // Nobody else can have it while the lease lives.
        assert_eq!(ready(q.lease("r2", "t2", 1_400)).unwrap(), None);
        // r1 dies; its lease runs out at 1 500.
        assert_eq!(
            ready(q.status("a", 1_600)).unwrap().state,
            JobState::Pending
        );
        let leased = ready(q.lease("r2", "t2", 1_600)).unwrap().unwrap();
        assert_eq!(leased.job.attempts, 2);
        assert!(matches!(
            ready(q.upload("a", "t1", vec![9], 1_700)),
            Err(QueueError::Job(JobError::LeaseLost(_)))
        ));
        ready(q.upload("a", "t2", vec![7], 1_700)).unwrap();
        ready(q.complete("a", "t2", vec![], 1_800)).unwrap();
        assert_eq!(
            ready(q.model_blob(Task::Family, "1.0.0".parse().unwrap())).unwrap(),
            Some(vec![7])
        );
    }

    /// The memory store, but every call first yields once: two queue operations driven together
    /// interleave at each storage call, as two requests over D1 do. Counts the refused completions.
    struct Interleaving<'a> {
        store: &'a MemoryStore,
        refused: std::cell::Cell<u32>,
    }

    async fn yield_once() {
        let mut yielded = false;
        std::future::poll_fn(|_| {
            if std::mem::replace(&mut yielded, true) {
                std::task::Poll::Ready(())
            } else {
                std::task::Poll::Pending
            }
        })
        .await;
    }

    impl JobStore for Interleaving<'_> {
        async fn insert_job(&self, job: &TrainingJob) -> Result<(), StoreError> {
            yield_once().await;
            self.store.insert_job(job).await
        }
        async fn job(&self, id: &str) -> Result<Option<TrainingJob>, StoreError> {
            yield_once().await;
            self.store.job(id).await
        }
        async fn replace_job(&self, job: &TrainingJob) -> Result<bool, StoreError> {
            yield_once().await;
            self.store.replace_job(job).await
        }
        async fn open_jobs(&self) -> Result<Vec<TrainingJob>, StoreError> {
            yield_once().await;
            self.store.open_jobs().await
        }
        async fn jobs_page(
            &self,
            after: Option<&JobPosition>,
            limit: usize,
        ) -> Result<Vec<TrainingJob>, StoreError> {
            yield_once().await;
            self.store.jobs_page(after, limit).await
        }
        async fn models(&self, task: Option<Task>) -> Result<Vec<ModelVersion>, StoreError> {
            yield_once().await;
            self.store.models(task).await
        }
        async fn latest_model(&self, task: Task) -> Result<Option<ModelVersion>, StoreError> {
            yield_once().await;
            self.store.latest_model(task).await
        }
        async fn complete_job(
            &self,
            job: &TrainingJob,
            model: &ModelVersion,
        ) -> Result<bool, StoreError> {
            yield_once().await;
            let saved = self.store.complete_job(job, model).await?;
            if !saved {
                self.refused.set(self.refused.get() + 1);
            }
            Ok(saved)
        }
        async fn model(
            &self,
            task: Task,
            version: Version,
        ) -> Result<Option<ModelVersion>, StoreError> {
            yield_once().await;
            self.store.model(task, version).await
        }
    }

    /// Drives two futures together, one poll each in turn, until both are done.
    fn together<A: std::future::Future, B: std::future::Future>(
        a: A,
        b: B,
    ) -> (A::Output, B::Output) {
        let (mut a, mut b) = (std::pin::pin!(a), std::pin::pin!(b));
        let (mut a_out, mut b_out) = (None, None);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        while a_out.is_none() || b_out.is_none() {
            if a_out.is_none() {
                a_out = match a.as_mut().poll(&mut cx) {
                    std::task::Poll::Ready(v) => Some(v),
                    std::task::Poll::Pending => None,
                };
            }
            if b_out.is_none() {
                b_out = match b.as_mut().poll(&mut cx) {
                    std::task::Poll::Ready(v) => Some(v),
                    std::task::Poll::Pending => None,
                };
            }
        }
        (a_out.unwrap(), b_out.unwrap())
    }

    #[test]
    fn two_jobs_completing_at_once_register_distinct_versions() {
        let store = MemoryStore::default();
        let q = queue(&store);
        for id in ["a", "b"] {
            ready(q.enqueue(id, Task::Family, JobSpec::for_task(Task::Family), 0)).unwrap();
            let leased = ready(q.lease("r", id, 10)).unwrap().unwrap();
            ready(q.upload(&leased.job.id, id, vec![], 11)).unwrap();
        }
        let racing = Interleaving {
            store: &store,
            refused: std::cell::Cell::new(0),
        };
        let q2 = Queue {
            jobs: &racing,
            blobs: &store,
            config: q.config,
        };
        let (a, b) = together(
            q2.complete("a", "a", vec![], 20),
            q2.complete("b", "b", vec![], 20),
        );
        // Both read 1.0.0 as next; one registered it, the other found it taken and retried.
        assert_eq!(racing.refused.get(), 1);
        let mut versions = [a.unwrap().version, b.unwrap().version].map(|v| v.to_string());
        versions.sort();
        assert_eq!(versions, ["1.0.0", "1.1.0"]);
        // Each job shows the version the registry holds for it.
        let models = ready(store.models(Some(Task::Family))).unwrap();
        assert_eq!(models.len(), 2);
        for model in models {
            let job = ready(q.status(&model.job_id, 30)).unwrap();
            assert_eq!(job.state, JobState::Completed);
            assert_eq!(job.model_version, Some(model.version));
        }
    }

    #[test]
    fn a_refused_completion_changes_neither_the_job_nor_the_registry() {
        let store = MemoryStore::default();
        let q = queue(&store);
        ready(q.enqueue("a", Task::Family, JobSpec::for_task(Task::Family), 0)).unwrap();
        ready(q.lease("r", "t", 0)).unwrap().unwrap();
        ready(q.upload("a", "t", vec![], 1)).unwrap();
        let mut job = ready(q.status("a", 2)).unwrap();
        let model = job.complete("t", vec![], None, 2).unwrap();
        // A stale revision: refused.
        assert!(!ready(store.complete_job(&job, &model)).unwrap());
        job.revision += 1;
        let mut taken = model.clone();
        taken.job_id = "other".into();
        store.models.borrow_mut().push(taken);
        // A version taken: refused too, and the job is still running.
        assert!(!ready(store.complete_job(&job, &model)).unwrap());
        assert_eq!(ready(q.status("a", 3)).unwrap().state, JobState::Running);
        assert_eq!(ready(store.models(None)).unwrap().len(), 1);
    }

    #[test]
    fn jobs_page_newest_first_after_a_position() {
        let store = MemoryStore::default();
        let q = queue(&store);
        // Two jobs share a creation time: the id breaks the tie.
        for (id, at) in [("a", 1), ("b", 2), ("c", 2), ("d", 3)] {
            ready(q.enqueue(id, Task::Family, JobSpec::for_task(Task::Family), at)).unwrap();
        }
        let ids = |page: Vec<TrainingJob>| page.into_iter().map(|j| j.id).collect::<Vec<_>>();
        let first = ready(store.jobs_page(None, 2)).unwrap();
        let after = JobPosition::of(first.last().unwrap());
        assert_eq!(ids(first), ["d", "c"]);
        assert_eq!(
            ids(ready(store.jobs_page(Some(&after), 2)).unwrap()),
            ["b", "a"]
        );
    }

    #[test]
    fn versions_count_up_per_task() {
        let store = MemoryStore::default();
        let q = queue(&store);
        for (i, id) in ["a", "b"].iter().enumerate() {
            ready(q.enqueue(id, Task::Family, JobSpec::for_task(Task::Family), i as u64)).unwrap();
            ready(q.lease("r", id, 10)).unwrap().unwrap();
            ready(q.upload(id, id, vec![], 11)).unwrap();
            let m = ready(q.complete(id, id, vec![], 12)).unwrap();
            assert_eq!(m.version.to_string(), format!("1.{i}.0"));
        }
        assert!(matches!(
            ready(q.status("zzz", 0)),
            Err(QueueError::NotFound(_))
        ));
    }
}

/// The HTTP bodies between a batch runner and the edge (`/api/v1/training/…`).
pub mod wire {
    use serde::{Deserialize, Serialize};

    use crate::dataset::Task;
    use crate::jobs::{ModelVersion, Progress, TrainingJob};
    use crate::spec::JobSpec;

    /// `POST /api/v1/training/jobs`: queue a job (the task's default spec unless one is given).
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct EnqueueRequest {
        pub task: Task,
        #[serde(default)]
        pub spec: Option<JobSpec>,
    }

    /// `POST /api/v1/training/lease`: 200 with a [`super::Leased`], or 204 when nothing is waiting.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct LeaseRequest {
        pub runner: String,
    }

    /// `POST /api/v1/training/jobs/{id}/heartbeat`.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct HeartbeatRequest {
        pub token: String,
    }

    /// `POST /api/v1/training/jobs/{id}/progress`.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct ProgressRequest {
        pub token: String,
        #[serde(flatten)]
        pub progress: Progress,
    }

    /// `PUT /api/v1/training/jobs/{id}/model` carries the ONNX bytes with the lease token in this header.
    pub const LEASE_TOKEN_HEADER: &str = "x-lease-token";

    /// `POST /api/v1/training/jobs/{id}/complete`.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct CompleteRequest {
        pub token: String,
        pub metrics: Vec<(String, f64)>,
    }

    /// `POST /api/v1/training/jobs/{id}/fail`.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct FailRequest {
        pub token: String,
        pub reason: String,
    }

    /// A job as the API shows it (`GET /api/v1/training/jobs/{id}` and most answers).
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct JobResponse {
        pub job: TrainingJob,
    }

    /// A registered model (`complete`'s answer); its bytes are at
    /// `GET /api/v1/training/models/{task}/{version}`.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct ModelResponse {
        pub model: ModelVersion,
    }

    /// `GET /api/v1/training/jobs`: a page of jobs, newest first.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct JobList {
        pub jobs: Vec<TrainingJob>,
        /// Pass as `cursor` for the next page; absent on the last.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub next_cursor: Option<String>,
    }

    /// `GET /api/v1/training/models`: registered models by task, newest version first.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct ModelList {
        pub models: Vec<ModelVersion>,
    }
}
