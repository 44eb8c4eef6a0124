//! Runs an endpoint over the queue and answers in the one error shape.

use serde::Serialize;
use synq_core::body::invalid_field;
use synq_core::paging::encode_cursor;
use synq_core::{ApiError, ErrorCode};
use synq_ml::dataset::Task;
use synq_ml::jobs::{JobError, Version};
use synq_ml::queue::wire::{JobList, JobResponse, ModelList, ModelResponse};
use synq_ml::queue::{BlobStore, JobPosition, JobStore, Queue, QueueError};

use crate::decode;
use crate::route::Endpoint;

/// What the handlers need from the shell.
pub struct Context<'a, J, B> {
    pub queue: Queue<'a, J, B>,
    pub now_ms: u64,
    /// An unguessable id for a job queued by this request.
    pub new_id: &'a str,
    /// An unguessable token for a lease granted by this request.
    pub new_token: &'a str,
}

/// What the handlers read of a request.
pub struct Request<'a> {
    /// The query parameters (credentials such as `?token=` already removed).
    pub query: &'a [(String, String)],
    pub body: &'a [u8],
    /// The `x-lease-token` header (`synq_ml::queue::wire::LEASE_TOKEN_HEADER`), for the upload.
    pub lease_token: Option<&'a str>,
}

/// An answer's body.
#[derive(Debug, PartialEq)]
pub enum Body {
    Empty,
    Json(String),
    /// `application/octet-stream`: an ONNX model.
    Onnx(Vec<u8>),
}

/// A successful answer.
#[derive(Debug, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: Body,
}

fn json(status: u16, value: &impl Serialize) -> Result<Reply, ApiError> {
    serde_json::to_string(value)
        .map(|text| Reply {
            status,
            body: Body::Json(text),
        })
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))
}

/// When to retry a completion that lost the race for the next version [`synq_ml::queue::COMPLETE_ATTEMPTS`] times.
const CONTENDED_RETRY_MS: u64 = 500;

/// The one error shape for what the queue refused.
fn refusal(e: QueueError) -> ApiError {
    match e {
        QueueError::NotFound(id) => {
            ApiError::new(ErrorCode::NotFound, format!("no training job `{id}`"))
        }
        QueueError::Job(
            e @ (JobError::LeaseLost(_) | JobError::WrongState { .. } | JobError::NotUploaded(_)),
        ) => ApiError::new(ErrorCode::Conflict, e.to_string()),
        QueueError::Job(JobError::Invalid(message)) => {
            ApiError::new(ErrorCode::InvalidMessage, message)
        }
        // Not a conflict (409 tells a runner its lease is gone): busy, so try again shortly.
        e @ QueueError::Contended(_) => {
            let mut busy = ApiError::new(ErrorCode::RateLimited, e.to_string());
            busy.retry_after_ms = Some(CONTENDED_RETRY_MS);
            busy
        }
        QueueError::Store(e) => ApiError::new(ErrorCode::Internal, e.to_string()),
    }
}

fn no_model(task: &str, version: &str) -> ApiError {
    ApiError::new(
        ErrorCode::NotFound,
        format!("no model version `{version}` of task `{task}`"),
    )
}

/// Runs `endpoint`.
pub async fn handle<J: JobStore, B: BlobStore>(
    endpoint: &Endpoint,
    request: &Request<'_>,
    cx: &Context<'_, J, B>,
) -> Result<Reply, ApiError> {
    let (q, now, body) = (&cx.queue, cx.now_ms, request.body);
    let job = |job| json(200, &JobResponse { job });
    match endpoint {
        Endpoint::Enqueue => {
            let (task, spec) = decode::enqueue(body)?;
            let queued = q.enqueue(cx.new_id, task, spec, now).await;
            json(
                201,
                &JobResponse {
                    job: queued.map_err(refusal)?,
                },
            )
        }
        Endpoint::ListJobs => {
            let (limit, after) = decode::jobs_page(request.query)?;
            // One more than the page: whether it exists says whether there is a next page.
            let mut jobs = q
                .jobs
                .jobs_page(after.as_ref(), limit + 1)
                .await
                .map_err(|e| refusal(e.into()))?;
            let next_cursor = if jobs.len() > limit {
                jobs.truncate(limit);
                jobs.last().map(|j| encode_cursor(&JobPosition::of(j)))
            } else {
                None
            };
            // Show lease expiry as of now, as a job's own status does.
            for j in &mut jobs {
                j.expire(now);
            }
            json(200, &JobList { jobs, next_cursor })
        }
        Endpoint::GetJob(id) => job(q.status(id, now).await.map_err(refusal)?),
        Endpoint::Lease => {
            let runner = decode::lease(body)?;
            match q.lease(&runner, cx.new_token, now).await.map_err(refusal)? {
                Some(leased) => json(200, &leased),
                None => Ok(Reply {
                    status: 204,
                    body: Body::Empty,
                }),
            }
        }
        Endpoint::Heartbeat(id) => {
            let token = decode::heartbeat(body)?;
            job(q.heartbeat(id, &token, now).await.map_err(refusal)?)
        }
        Endpoint::Progress(id) => {
            let (token, progress) = decode::progress(body)?;
            job(q.report(id, &token, progress, now).await.map_err(refusal)?)
        }
        Endpoint::Upload(id) => {
            if body.is_empty() {
                return Err(invalid_field("body", "the model is empty"));
            }
            let token = request.lease_token.unwrap_or_default();
            let uploaded = q.upload(id, token, body.to_vec(), now).await;
            job(uploaded.map_err(refusal)?)
        }
        Endpoint::Complete(id) => {
            let (token, metrics) = decode::complete(body)?;
            let model = q
                .complete(id, &token, metrics, now)
                .await
                .map_err(refusal)?;
            json(200, &ModelResponse { model })
        }
        Endpoint::Fail(id) => {
            let (token, reason) = decode::fail(body)?;
            job(q.fail(id, &token, &reason, now).await.map_err(refusal)?)
        }
        Endpoint::ListModels => {
            let task = decode::task_filter(request.query)?;
            let models = q.jobs.models(task).await.map_err(|e| refusal(e.into()))?;
            json(200, &ModelList { models })
        }
        Endpoint::Download(task_name, version_text) => {
            let missing = || no_model(task_name, version_text);
            let task = Task::from_name(task_name).ok_or_else(missing)?;
            let version: Version = version_text.parse().map_err(|_| missing())?;
            match q.model_blob(task, version).await.map_err(refusal)? {
                Some(bytes) => Ok(Reply {
                    status: 200,
                    body: Body::Onnx(bytes),
                }),
                None => Err(missing()),
            }
        }
    }
}
