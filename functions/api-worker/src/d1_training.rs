//! The training queue's storage on Cloudflare: jobs and model versions in D1 (binding `DB`; schema
//! `migrations/0010_training_jobs.sql`, `0011_model_versions.sql`, `0012_model_versions_by_job.sql`),
//! ONNX blobs in R2 (binding `MODELS`).
//! Only loads and saves; the rules are `synq_ml::jobs` and `synq_ml::queue`.

use serde::Deserialize;
use synq_ml::dataset::Task;
use synq_ml::jobs::{JobState, Lease, ModelVersion, Progress, TrainingJob, Version};
use synq_ml::queue::{BlobStore, JobPosition, JobStore, StoreError};
use worker::wasm_bindgen::JsValue;
use worker::{Bucket, D1Database, D1PreparedStatement, Env};

use crate::d1::{database, number, optional_number, rows_changed, text};

/// Name of the R2 binding in `wrangler.toml`.
const MODELS_BINDING: &str = "MODELS";

const JOB_COLUMNS: &str = "job_id, task, spec, state, attempts, lease_runner, lease_token, \
     lease_granted_at, lease_expires_at, progress_epoch, progress_epochs, progress_loss, eta_at, \
     uploaded, metrics, model_version, failure, created_at, updated_at, revision";

const MODEL_COLUMNS: &str = "task, major, minor, patch, job_id, blob_key, metrics, created_at";

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

fn json_text<T: serde::Serialize>(value: &T) -> Result<JsValue, StoreError> {
    serde_json::to_string(value)
        .map(|t| text(&t))
        .map_err(backend)
}

fn task_name(task: Task) -> JsValue {
    text(task.name())
}

/// Jobs and model versions in D1.
pub(crate) struct D1Jobs {
    db: D1Database,
}

impl D1Jobs {
    pub(crate) fn new(env: &Env) -> Result<Self, StoreError> {
        database(env).map(|db| D1Jobs { db }).map_err(StoreError)
    }

    fn statement(
        &self,
        query: &str,
        params: &[JsValue],
    ) -> Result<D1PreparedStatement, StoreError> {
        self.db.prepare(query).bind(params).map_err(backend)
    }

    async fn jobs(&self, query: &str, params: &[JsValue]) -> Result<Vec<TrainingJob>, StoreError> {
        let rows: Vec<JobRow> = self
            .statement(query, params)?
            .all()
            .await
            .and_then(|r| r.results())
            .map_err(backend)?;
        rows.into_iter().map(JobRow::job).collect()
    }

    async fn models_where(
        &self,
        condition: &str,
        params: &[JsValue],
    ) -> Result<Vec<ModelVersion>, StoreError> {
        let query = format!(
            "SELECT {MODEL_COLUMNS} FROM model_versions WHERE {condition} \
             ORDER BY task, major DESC, minor DESC, patch DESC"
        );
        let rows: Vec<ModelRow> = self
            .statement(&query, params)?
            .all()
            .await
            .and_then(|r| r.results())
            .map_err(backend)?;
        rows.into_iter().map(ModelRow::model).collect()
    }

    /// The values of [`JOB_COLUMNS`], in order, for `job`.
    fn job_values(job: &TrainingJob) -> Result<Vec<JsValue>, StoreError> {
        let lease = job.lease.as_ref();
        let progress = job.progress.as_ref();
        Ok(vec![
            text(&job.id),
            task_name(job.task),
            json_text(&job.spec)?,
            text(job.state.name()),
            number(u64::from(job.attempts)),
            lease.map_or(JsValue::NULL, |l| text(&l.runner)),
            lease.map_or(JsValue::NULL, |l| text(&l.token)),
            optional_number(lease.map(|l| l.granted_at_ms)),
            optional_number(lease.map(|l| l.expires_at_ms)),
            optional_number(progress.map(|p| u64::from(p.epoch))),
            optional_number(progress.map(|p| u64::from(p.epochs))),
            progress.map_or(JsValue::NULL, |p| JsValue::from_f64(f64::from(p.loss))),
            optional_number(job.eta_at_ms),
            number(u64::from(job.uploaded)),
            json_text(&job.metrics)?,
            job.model_version
                .map_or(JsValue::NULL, |v| text(&v.to_string())),
            job.failure.as_deref().map_or(JsValue::NULL, text),
            number(job.created_at_ms),
            number(job.updated_at_ms),
            number(job.revision),
        ])
    }

    /// [`Self::job_values`] and then the revision the caller read (`?21`), for [`update_job_query`].
    fn update_values(job: &TrainingJob) -> Result<Vec<JsValue>, StoreError> {
        let mut params = Self::job_values(job)?;
        params.push(number(job.revision.saturating_sub(1)));
        Ok(params)
    }
}

/// Saves every column of a job but its id (`?1`) if the stored revision is `?21`, and `condition`.
fn update_job_query(condition: &str) -> String {
    let sets: Vec<String> = JOB_COLUMNS
        .split(", ")
        .enumerate()
        .skip(1)
        .map(|(i, column)| format!("{} = ?{}", column.trim(), i + 1))
        .collect();
    format!(
        "UPDATE training_jobs SET {} WHERE job_id = ?1 AND revision = ?21 {condition}",
        sets.join(", ")
    )
}

#[derive(Deserialize)]
struct JobRow {
    job_id: String,
    task: Task,
    spec: String,
    state: JobState,
    attempts: u32,
    lease_runner: Option<String>,
    lease_token: Option<String>,
    lease_granted_at: Option<u64>,
    lease_expires_at: Option<u64>,
    progress_epoch: Option<u32>,
    progress_epochs: Option<u32>,
    progress_loss: Option<f32>,
    eta_at: Option<u64>,
    uploaded: u8,
    metrics: String,
    model_version: Option<String>,
    failure: Option<String>,
    created_at: u64,
    updated_at: u64,
    revision: u64,
}

impl JobRow {
    fn job(self) -> Result<TrainingJob, StoreError> {
        let corrupt = |what: &str, e: &dyn std::fmt::Display| {
            StoreError(format!("training job `{}`: {what}: {e}", self.job_id))
        };
        let lease = match (self.lease_runner, self.lease_token, self.lease_expires_at) {
            (Some(runner), Some(token), Some(expires_at_ms)) => Some(Lease {
                runner,
                token,
                granted_at_ms: self.lease_granted_at.unwrap_or_default(),
                expires_at_ms,
            }),
            _ => None,
        };
        let progress = match (
            self.progress_epoch,
            self.progress_epochs,
            self.progress_loss,
        ) {
            (Some(epoch), Some(epochs), Some(loss)) => Some(Progress {
                epoch,
                epochs,
                loss,
            }),
            _ => None,
        };
        let model_version = match &self.model_version {
            Some(v) => Some(v.parse::<Version>().map_err(|e| corrupt("version", &e))?),
            None => None,
        };
        Ok(TrainingJob {
            spec: serde_json::from_str(&self.spec).map_err(|e| corrupt("spec", &e))?,
            metrics: serde_json::from_str(&self.metrics).map_err(|e| corrupt("metrics", &e))?,
            id: self.job_id,
            task: self.task,
            state: self.state,
            attempts: self.attempts,
            lease,
            progress,
            eta_at_ms: self.eta_at,
            uploaded: self.uploaded != 0,
            model_version,
            failure: self.failure,
            created_at_ms: self.created_at,
            updated_at_ms: self.updated_at,
            revision: self.revision,
        })
    }
}

#[derive(Deserialize)]
struct ModelRow {
    task: Task,
    major: u64,
    minor: u64,
    patch: u64,
    job_id: String,
    blob_key: String,
    metrics: String,
    created_at: u64,
}

impl ModelRow {
    fn model(self) -> Result<ModelVersion, StoreError> {
        Ok(ModelVersion {
            task: self.task,
            version: Version {
                major: self.major,
                minor: self.minor,
                patch: self.patch,
            },
            metrics: serde_json::from_str(&self.metrics)
                .map_err(|e| StoreError(format!("model of job `{}`: {e}", self.job_id)))?,
            job_id: self.job_id,
            blob_key: self.blob_key,
            created_at_ms: self.created_at,
        })
    }
}

impl JobStore for D1Jobs {
    async fn insert_job(&self, job: &TrainingJob) -> Result<(), StoreError> {
        let placeholders: Vec<String> = (1..=20).map(|i| format!("?{i}")).collect();
        let query = format!(
            "INSERT INTO training_jobs ({JOB_COLUMNS}) VALUES ({})",
            placeholders.join(", ")
        );
        self.statement(&query, &Self::job_values(job)?)?
            .run()
            .await
            .map(drop)
            .map_err(backend)
    }

    async fn job(&self, id: &str) -> Result<Option<TrainingJob>, StoreError> {
        let query = format!("SELECT {JOB_COLUMNS} FROM training_jobs WHERE job_id = ?1");
        let row: Option<JobRow> = self
            .statement(&query, &[text(id)])?
            .first(None)
            .await
            .map_err(backend)?;
        row.map(JobRow::job).transpose()
    }

    async fn replace_job(&self, job: &TrainingJob) -> Result<bool, StoreError> {
        let result = self
            .statement(&update_job_query(""), &Self::update_values(job)?)?
            .run()
            .await
            .map_err(backend)?;
        Ok(rows_changed(&result).map_err(backend)? == 1)
    }

    async fn open_jobs(&self) -> Result<Vec<TrainingJob>, StoreError> {
        let query = format!(
            "SELECT {JOB_COLUMNS} FROM training_jobs WHERE state IN ('pending', 'running') \
             ORDER BY created_at, job_id"
        );
        self.jobs(&query, &[]).await
    }

    async fn jobs_page(
        &self,
        after: Option<&JobPosition>,
        limit: usize,
    ) -> Result<Vec<TrainingJob>, StoreError> {
        let limit = number(u64::try_from(limit).unwrap_or(u64::MAX));
        let order = "ORDER BY created_at DESC, job_id DESC LIMIT ?1";
        match after {
            None => {
                let query = format!("SELECT {JOB_COLUMNS} FROM training_jobs {order}");
                self.jobs(&query, &[limit]).await
            }
            Some(p) => {
                let query = format!(
                    "SELECT {JOB_COLUMNS} FROM training_jobs \
                     WHERE created_at < ?2 OR (created_at = ?2 AND job_id < ?3) {order}"
                );
                let params = [limit, number(p.created_at_ms), text(&p.job_id)];
                self.jobs(&query, &params).await
            }
        }
    }

    async fn models(&self, task: Option<Task>) -> Result<Vec<ModelVersion>, StoreError> {
        match task {
            Some(task) => self.models_where("task = ?1", &[task_name(task)]).await,
            None => self.models_where("1 = 1", &[]).await,
        }
    }

    async fn latest_model(&self, task: Task) -> Result<Option<ModelVersion>, StoreError> {
        Ok(self.models(Some(task)).await?.into_iter().next())
    }

    async fn complete_job(
        &self,
        job: &TrainingJob,
        model: &ModelVersion,
    ) -> Result<bool, StoreError> {
        // One batch, one transaction: the model row goes in only if its version is free and the job
        // is still at the revision it was read at; the job saves only if that row went in (the
        // unique index on job_id makes "its model row exists" mean "inserted just now").
        let v = model.version;
        let register = self.statement(
            &format!(
                "INSERT INTO model_versions ({MODEL_COLUMNS}) \
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 \
                 WHERE NOT EXISTS (SELECT 1 FROM model_versions \
                                   WHERE task = ?1 AND major = ?2 AND minor = ?3 AND patch = ?4) \
                   AND EXISTS (SELECT 1 FROM training_jobs WHERE job_id = ?5 AND revision = ?9)"
            ),
            &[
                task_name(model.task),
                number(v.major),
                number(v.minor),
                number(v.patch),
                text(&model.job_id),
                text(&model.blob_key),
                json_text(&model.metrics)?,
                number(model.created_at_ms),
                number(job.revision.saturating_sub(1)),
            ],
        )?;
        let save = self.statement(
            &update_job_query("AND EXISTS (SELECT 1 FROM model_versions WHERE job_id = ?1)"),
            &Self::update_values(job)?,
        )?;
        let results = self.db.batch(vec![register, save]).await.map_err(backend)?;
        let mut changed = results.iter().map(rows_changed);
        match (changed.next(), changed.next()) {
            (Some(Ok(1)), Some(Ok(1))) => Ok(true),
            (Some(Ok(0)), Some(Ok(0))) => Ok(false),
            other => Err(StoreError(format!(
                "completing job `{}`: unexpected batch result {other:?}",
                job.id
            ))),
        }
    }

    async fn model(
        &self,
        task: Task,
        version: Version,
    ) -> Result<Option<ModelVersion>, StoreError> {
        let found = self
            .models_where(
                "task = ?1 AND major = ?2 AND minor = ?3 AND patch = ?4",
                &[
                    task_name(task),
                    number(version.major),
                    number(version.minor),
                    number(version.patch),
                ],
            )
            .await?;
        Ok(found.into_iter().next())
    }
}

/// Model blobs in R2.
pub(crate) struct R2Models {
    bucket: Bucket,
}

impl R2Models {
    pub(crate) fn new(env: &Env) -> Result<Self, StoreError> {
        env.bucket(MODELS_BINDING)
            .map(|bucket| R2Models { bucket })
            .map_err(|e| StoreError(format!("R2 binding `{MODELS_BINDING}`: {e}")))
    }
}

impl BlobStore for R2Models {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        self.bucket
            .put(key, bytes)
            .execute()
            .await
            .map(drop)
            .map_err(backend)
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(object) = self.bucket.get(key).execute().await.map_err(backend)? else {
            return Ok(None);
        };
        match object.body() {
            Some(body) => body.bytes().await.map(Some).map_err(backend),
            None => Ok(None),
        }
    }
}
