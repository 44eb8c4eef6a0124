//! Training jobs and model versions: the rules the edge enforces, as pure transitions.
//!
//! A job goes `pending → running → completed | failed`. A runner leases it for a while and keeps the
//! lease alive with heartbeats and progress reports; a lease that runs out returns the job to the
//! queue (it can be leased again, by anyone, with a new token), up to [`MAX_ATTEMPTS`] leases. Only
//! the holder of the current lease token may report, upload, complete or fail the job. Completing
//! registers the next semantic version of the task's model.
//!
//! Time is passed in (milliseconds since the epoch) and tokens are made by the caller, so every rule
//! is deterministic and tested natively; storage shells (D1, memory) only load and save.

use serde::{Deserialize, Serialize};

use crate::dataset::Task;
use crate::spec::JobSpec;

/// How many times a job may be leased before an expiring lease fails it instead of re-queuing it.
pub const MAX_ATTEMPTS: u32 = 3;

/// Where a job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Pending,
    Running,
    Completed,
    Failed,
}

impl JobState {
    /// The wire name (snake case).
    pub fn name(self) -> &'static str {
        match self {
            JobState::Pending => "pending",
            JobState::Running => "running",
            JobState::Completed => "completed",
            JobState::Failed => "failed",
        }
    }
}

/// Who holds a running job, and until when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Lease {
    pub runner: String,
    /// The holder's secret: never shown with the job (only in the lease answer, [`crate::queue::Leased`]).
    #[serde(skip_serializing, default)]
    pub token: String,
    /// When it was granted (the start of this attempt).
    #[serde(default)]
    pub granted_at_ms: u64,
    pub expires_at_ms: u64,
}

/// The last progress a runner reported.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Progress {
    pub epoch: u32,
    pub epochs: u32,
    pub loss: f32,
}

/// A training job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrainingJob {
    pub id: String,
    pub task: Task,
    pub spec: JobSpec,
    pub state: JobState,
    /// Leases granted so far.
    pub attempts: u32,
    pub lease: Option<Lease>,
    pub progress: Option<Progress>,
    /// When training should end, from the pace of the epochs reported so far in this attempt.
    #[serde(default)]
    pub eta_at_ms: Option<u64>,
    /// Whether the current lease holder has uploaded the model blob.
    pub uploaded: bool,
    pub metrics: Vec<(String, f64)>,
    /// The version registered on completion.
    pub model_version: Option<Version>,
    /// Why the job failed.
    pub failure: Option<String>,
    pub created_at_ms: u64,
    pub updated_at_ms: u64,
    /// Bumped by every save, so storage can refuse a save based on a stale read.
    pub revision: u64,
}

/// A semantic version `major.minor.patch`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl std::str::FromStr for Version {
    type Err = JobError;
    fn from_str(s: &str) -> Result<Self, JobError> {
        let bad = || JobError::Invalid(format!("`{s}` is not a version major.minor.patch"));
        let mut parts = s.split('.').map(|p| p.parse::<u64>().map_err(|_| bad()));
        let v = Version {
            major: parts.next().ok_or_else(bad)??,
            minor: parts.next().ok_or_else(bad)??,
            patch: parts.next().ok_or_else(bad)??,
        };
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(v)
    }
}

/// The major version of every model: the feature layout and the trainer world they depend on. A
/// change to either makes older models unusable by newer servers, so it bumps this.
pub const MODEL_SCHEMA_MAJOR: u64 = 1;

/// The version after `latest` for a new model of the same task: the next minor within the current
/// schema, or `MODEL_SCHEMA_MAJOR.0.0` for the first model (or the first after a schema change).
pub fn next_version(latest: Option<Version>) -> Version {
    match latest {
        Some(v) if v.major == MODEL_SCHEMA_MAJOR => Version {
            major: v.major,
            minor: v.minor + 1,
            patch: 0,
        },
        _ => Version {
            major: MODEL_SCHEMA_MAJOR,
            minor: 0,
            patch: 0,
        },
    }
}

/// One registered model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelVersion {
    pub task: Task,
    pub version: Version,
    pub job_id: String,
    /// Where the ONNX bytes live (an R2 key).
    pub blob_key: String,
    pub metrics: Vec<(String, f64)>,
    pub created_at_ms: u64,
}

/// Where a job's model blob is stored: one key per job, so a re-leased job overwrites its own.
pub fn blob_key(job_id: &str) -> String {
    format!("models/jobs/{job_id}.onnx")
}

/// Why a transition was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// The caller's lease token is not the job's current one (expired and re-leased, or never held).
    #[error(
        "the lease on job {0} is not held by this token; it may have expired and been re-leased"
    )]
    LeaseLost(String),
    /// The job is not in a state that allows this.
    #[error("job {id} is {state:?}: cannot {action}")]
    WrongState {
        id: String,
        state: JobState,
        action: &'static str,
    },
    /// Completing a job whose current lease holder has not uploaded the model.
    #[error("job {0} has no model yet: upload it before completing the job")]
    NotUploaded(String),
    /// A field is out of range.
    #[error("{0}")]
    Invalid(String),
}

impl TrainingJob {
    /// A new pending job.
    pub fn new(id: &str, task: Task, spec: JobSpec, now_ms: u64) -> Self {
        Self {
            id: id.to_string(),
            task,
            spec,
            state: JobState::Pending,
            attempts: 0,
            lease: None,
            progress: None,
            eta_at_ms: None,
            uploaded: false,
            metrics: Vec::new(),
            model_version: None,
            failure: None,
            created_at_ms: now_ms,
            updated_at_ms: now_ms,
            revision: 0,
        }
    }

    /// Whether a runner may lease the job now: pending, or running on a lease that has run out.
    pub fn leasable(&self, now_ms: u64) -> bool {
        match (&self.state, &self.lease) {
            (JobState::Pending, _) => true,
            (JobState::Running, Some(l)) => l.expires_at_ms <= now_ms,
            _ => false,
        }
    }

    /// Applies lease expiry: a running job whose lease ran out goes back to pending (its progress
    /// and upload forgotten), or fails once it has used up its attempts. Returns whether it changed.
    pub fn expire(&mut self, now_ms: u64) -> bool {
        let expired = self.state == JobState::Running
            && self
                .lease
                .as_ref()
                .is_some_and(|l| l.expires_at_ms <= now_ms);
        if !expired {
            return false;
        }
        self.lease = None;
        self.progress = None;
        self.eta_at_ms = None;
        self.uploaded = false;
        self.updated_at_ms = now_ms;
        if self.attempts >= MAX_ATTEMPTS {
            self.state = JobState::Failed;
            self.failure = Some(format!("the lease expired {MAX_ATTEMPTS} times"));
        } else {
            self.state = JobState::Pending;
        }
        true
    }

    /// Leases the job to `runner` with `token` for `lease_ms`.
    pub fn lease(
        &mut self,
        runner: &str,
        token: &str,
        now_ms: u64,
        lease_ms: u64,
    ) -> Result<(), JobError> {
        self.expire(now_ms);
        if self.state != JobState::Pending {
            return Err(self.wrong_state("lease"));
        }
        self.state = JobState::Running;
        self.attempts += 1;
        self.lease = Some(Lease {
            runner: runner.to_string(),
            token: token.to_string(),
            granted_at_ms: now_ms,
            expires_at_ms: now_ms + lease_ms,
        });
        self.updated_at_ms = now_ms;
        Ok(())
    }

    fn wrong_state(&self, action: &'static str) -> JobError {
        JobError::WrongState {
            id: self.id.clone(),
            state: self.state,
            action,
        }
    }

    /// Checks that `token` holds a live lease on the running job. Any other token — expired, re-leased,
    /// or of a job that has since ended — has lost it: its runner should give the job up.
    fn holder(&mut self, token: &str, now_ms: u64) -> Result<(), JobError> {
        self.expire(now_ms);
        match (&self.state, &self.lease) {
            (JobState::Running, Some(l)) if l.token == token => Ok(()),
            _ => Err(JobError::LeaseLost(self.id.clone())),
        }
    }

    fn extend(&mut self, now_ms: u64, lease_ms: u64) {
        if let Some(l) = &mut self.lease {
            l.expires_at_ms = now_ms + lease_ms;
        }
        self.updated_at_ms = now_ms;
    }

    /// Keeps the lease alive.
    pub fn heartbeat(&mut self, token: &str, now_ms: u64, lease_ms: u64) -> Result<(), JobError> {
        self.holder(token, now_ms)?;
        self.extend(now_ms, lease_ms);
        Ok(())
    }

    /// Records progress (and keeps the lease alive).
    pub fn report(
        &mut self,
        token: &str,
        progress: Progress,
        now_ms: u64,
        lease_ms: u64,
    ) -> Result<(), JobError> {
        self.holder(token, now_ms)?;
        if progress.epoch == 0 || progress.epoch > progress.epochs || !progress.loss.is_finite() {
            return Err(JobError::Invalid(
                "progress needs 1 ≤ epoch ≤ epochs and a finite loss".into(),
            ));
        }
        self.progress = Some(progress);
        self.eta_at_ms = self.lease.as_ref().map(|l| {
            let per_epoch = now_ms.saturating_sub(l.granted_at_ms) / u64::from(progress.epoch);
            now_ms + per_epoch * u64::from(progress.epochs - progress.epoch)
        });
        self.extend(now_ms, lease_ms);
        Ok(())
    }

    /// Records that the holder stored the model blob at [`blob_key`] (and keeps the lease alive).
    pub fn uploaded(&mut self, token: &str, now_ms: u64, lease_ms: u64) -> Result<(), JobError> {
        self.holder(token, now_ms)?;
        self.uploaded = true;
        self.extend(now_ms, lease_ms);
        Ok(())
    }

    /// Completes the job and returns the model version to register after `latest`.
    pub fn complete(
        &mut self,
        token: &str,
        metrics: Vec<(String, f64)>,
        latest: Option<Version>,
        now_ms: u64,
    ) -> Result<ModelVersion, JobError> {
        self.holder(token, now_ms)?;
        if !self.uploaded {
            return Err(JobError::NotUploaded(self.id.clone()));
        }
        // Stored and served as JSON, which has no NaN or infinity: an undefined metric is left out.
        if let Some((name, value)) = metrics.iter().find(|(_, v)| !v.is_finite()) {
            return Err(JobError::Invalid(format!(
                "metric `{name}` is {value}: metrics are finite numbers (leave out an undefined one)"
            )));
        }
        let version = next_version(latest);
        self.state = JobState::Completed;
        self.lease = None;
        self.eta_at_ms = None;
        self.metrics = metrics.clone();
        self.model_version = Some(version);
        self.updated_at_ms = now_ms;
        Ok(ModelVersion {
            task: self.task,
            version,
            job_id: self.id.clone(),
            blob_key: blob_key(&self.id),
            metrics,
            created_at_ms: now_ms,
        })
    }

    /// Fails the job with the runner's reason.
    pub fn fail(&mut self, token: &str, reason: &str, now_ms: u64) -> Result<(), JobError> {
        self.holder(token, now_ms)?;
        self.state = JobState::Failed;
        self.lease = None;
        self.eta_at_ms = None;
        self.failure = Some(reason.to_string());
        self.updated_at_ms = now_ms;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEASE: u64 = 30_000;

    fn job() -> TrainingJob {
        TrainingJob::new("j1", Task::Family, JobSpec::for_task(Task::Family), 1_000)
    }

    fn progress(epoch: u32) -> Progress {
        Progress {
            epoch,
            epochs: 10,
            loss: 0.5,
        }
    }

    #[test]
    fn the_happy_path_registers_a_version() {
        let mut j = job();
        j.lease("r1", "t1", 2_000, LEASE).unwrap();
        assert_eq!((j.state, j.attempts), (JobState::Running, 1));
        j.report("t1", progress(3), 3_000, LEASE).unwrap();
        // 3 epochs in 1 000 ms: 7 more take 7 × 333 ms.
        assert_eq!(j.eta_at_ms, Some(3_000 + 7 * 333));
        j.heartbeat("t1", 4_000, LEASE).unwrap();
        assert_eq!(j.lease.as_ref().unwrap().expires_at_ms, 4_000 + LEASE);
        assert_eq!(
            j.complete("t1", vec![], None, 5_000),
            Err(JobError::NotUploaded("j1".into()))
        );
        j.uploaded("t1", 5_000, LEASE).unwrap();
        let undefined = vec![("r2".to_string(), f64::NAN)];
        assert!(matches!(
            j.complete("t1", undefined, None, 5_500),
            Err(JobError::Invalid(m)) if m.contains("`r2`")
        ));
        let v = j
            .complete("t1", vec![("accuracy".into(), 0.97)], None, 6_000)
            .unwrap();
        assert_eq!(v.version.to_string(), "1.0.0");
        assert_eq!(v.blob_key, "models/jobs/j1.onnx");
        assert_eq!((j.state, j.eta_at_ms), (JobState::Completed, None));
        assert_eq!(
            j.heartbeat("t1", 7_000, LEASE),
            Err(JobError::LeaseLost("j1".into()))
        );
    }

    #[test]
    fn state_names_are_the_wire_names() {
        for state in [
            JobState::Pending,
            JobState::Running,
            JobState::Completed,
            JobState::Failed,
        ] {
            assert_eq!(serde_json::to_value(state).unwrap(), state.name());
        }
    }

    #[test]
    fn the_lease_token_is_never_shown_with_the_job() {
        let mut j = job();
        j.lease("r1", "secret-token", 0, LEASE).unwrap();
        let shown = serde_json::to_string(&j).unwrap();
        assert!(!shown.contains("secret-token"), "{shown}");
        assert!(shown.contains(r#""runner":"r1""#), "{shown}");
    }

    #[test]
    fn an_expired_lease_returns_the_job_to_the_queue_for_another_runner() {
        let mut j = job();
        j.lease("r1", "t1", 0, LEASE).unwrap();
        j.report("t1", progress(2), 10_000, LEASE).unwrap();
        assert!(!j.leasable(39_999));
        assert!(j.leasable(40_000));
        j.lease("r2", "t2", 40_000, LEASE).unwrap();
        assert_eq!((j.attempts, j.progress), (2, None));
        // The first runner comes back too late: everything it sends is refused.
        assert_eq!(
            j.heartbeat("t1", 41_000, LEASE),
            Err(JobError::LeaseLost("j1".into()))
        );
        assert_eq!(
            j.fail("t1", "late", 41_000),
            Err(JobError::LeaseLost("j1".into()))
        );
        j.uploaded("t2", 42_000, LEASE).unwrap();
        assert!(j.complete("t2", vec![], None, 43_000).is_ok());
    }

    #[test]
    fn a_job_whose_lease_keeps_expiring_fails() {
        let mut j = job();
        let mut now = 0;
        for attempt in 1..=MAX_ATTEMPTS {
            j.lease("r", &format!("t{attempt}"), now, LEASE).unwrap();
            now += LEASE;
        }
        assert!(j.expire(now));
        assert_eq!(j.state, JobState::Failed);
        assert!(j.failure.as_deref().unwrap().contains("expired"));
        assert!(!j.leasable(now));
    }

    #[test]
    fn failing_records_the_reason_and_bad_progress_is_refused() {
        let mut j = job();
        j.lease("r1", "t1", 0, LEASE).unwrap();
        assert!(matches!(
            j.report("t1", progress(11), 1, LEASE),
            Err(JobError::Invalid(_))
        ));
        j.fail("t1", "out of fuel: the trainer used its budget", 2)
            .unwrap();
        assert_eq!(j.state, JobState::Failed);
        assert!(j.lease("r2", "t2", 3, LEASE).is_err());
    }

    #[test]
    fn versions_count_up_within_the_schema() {
        assert_eq!(next_version(None).to_string(), "1.0.0");
        let v: Version = "1.4.2".parse().unwrap();
        assert_eq!(next_version(Some(v)).to_string(), "1.5.0");
        assert_eq!(
            next_version(Some("0.9.0".parse().unwrap())).to_string(),
            "1.0.0"
        );
        assert!("1.2".parse::<Version>().is_err());
        assert!("1.2.3.4".parse::<Version>().is_err());
        assert!("1.x.3".parse::<Version>().is_err());
    }
}
