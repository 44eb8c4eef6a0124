//! Request bodies and query parameters, read field by field so that every error names its field.

use serde_json::Value;
use synq_core::ApiError;
use synq_core::body::{invalid_field, json_object, require_field, take_field};
use synq_core::paging::{decode_cursor, page_size};
use synq_ml::dataset::Task;
use synq_ml::jobs::Progress;
use synq_ml::queue::JobPosition;
use synq_ml::spec::JobSpec;

/// Longest runner name, in characters.
pub(crate) const MAX_RUNNER_CHARS: usize = 128;
/// Most metrics a completion may carry, and the longest name of one.
pub(crate) const MAX_METRICS: usize = 64;
pub(crate) const MAX_METRIC_NAME_CHARS: usize = 64;
/// A failure reason is kept to this many characters (a trap's backtrace can be long; refusing it
/// would leave the job running until its lease ran out).
pub(crate) const MAX_REASON_CHARS: usize = 4_000;
/// Jobs listed by default, and at most.
pub(crate) const DEFAULT_LIMIT: usize = 20;
pub(crate) const MAX_LIMIT: usize = 100;

/// `POST jobs`: the task, and its spec (the task's default when absent).
pub(crate) fn enqueue(body: &[u8]) -> Result<(Task, JobSpec), ApiError> {
    let mut map = json_object(body, &["task", "spec"])?;
    let task: Task = require_field(&mut map, "task")?;
    let spec = take_field::<JobSpec>(&mut map, "spec")?.unwrap_or_else(|| JobSpec::for_task(task));
    spec.check(task).map_err(|e| {
        invalid_field(
            &format!("spec.{}", e.field),
            format!("`spec`: {}", e.message),
        )
    })?;
    Ok((task, spec))
}

/// `POST lease`: the runner's name.
pub(crate) fn lease(body: &[u8]) -> Result<String, ApiError> {
    let mut map = json_object(body, &["runner"])?;
    let runner: String = require_field(&mut map, "runner")?;
    if runner.is_empty()
        || runner.chars().count() > MAX_RUNNER_CHARS
        || runner.chars().any(char::is_control)
    {
        return Err(invalid_field(
            "runner",
            format!("`runner` is 1 to {MAX_RUNNER_CHARS} characters without control characters"),
        ));
    }
    Ok(runner)
}

/// `POST jobs/{id}/heartbeat`: the lease token.
pub(crate) fn heartbeat(body: &[u8]) -> Result<String, ApiError> {
    require_field(&mut json_object(body, &["token"])?, "token")
}

/// `POST jobs/{id}/progress`: the token and the progress (ranges are the job rules' to check).
pub(crate) fn progress(body: &[u8]) -> Result<(String, Progress), ApiError> {
    let mut map = json_object(body, &["token", "epoch", "epochs", "loss"])?;
    let token = require_field(&mut map, "token")?;
    let progress = Progress {
        epoch: require_field(&mut map, "epoch")?,
        epochs: require_field(&mut map, "epochs")?,
        loss: require_field(&mut map, "loss")?,
    };
    Ok((token, progress))
}

/// `POST jobs/{id}/complete`: the token and the model's metrics on held-out data. Every value is a
/// number: JSON has no NaN or infinity (serializers write them as `null`), so a metric that came out
/// undefined — R² on constant targets, F1 with no positives — is left out by the runner, not sent.
pub(crate) fn complete(body: &[u8]) -> Result<(String, Vec<(String, f64)>), ApiError> {
    let mut map = json_object(body, &["token", "metrics"])?;
    let token = require_field(&mut map, "token")?;
    let metrics: Vec<(String, Value)> = require_field(&mut map, "metrics")?;
    let bad_name = |n: &String| n.is_empty() || n.chars().count() > MAX_METRIC_NAME_CHARS;
    if metrics.len() > MAX_METRICS || metrics.iter().any(|(n, _)| bad_name(n)) {
        return Err(invalid_field(
            "metrics",
            format!(
                "`metrics` holds at most {MAX_METRICS} [name, value] pairs, names of 1 to {MAX_METRIC_NAME_CHARS} characters"
            ),
        ));
    }
    let metrics = metrics
        .into_iter()
        .map(|(name, value)| match value.as_f64() {
            Some(number) => Ok((name, number)),
            None => Err(invalid_field(
                "metrics",
                format!(
                    "metric `{name}` is {value}, not a finite number; leave out a metric that is undefined (NaN or infinite)"
                ),
            )),
        })
        .collect::<Result<_, _>>()?;
    Ok((token, metrics))
}

/// `POST jobs/{id}/fail`: the token and the reason (cut to [`MAX_REASON_CHARS`]).
pub(crate) fn fail(body: &[u8]) -> Result<(String, String), ApiError> {
    let mut map = json_object(body, &["token", "reason"])?;
    let token = require_field(&mut map, "token")?;
    let reason: String = require_field(&mut map, "reason")?;
    Ok((token, reason.chars().take(MAX_REASON_CHARS).collect()))
}

/// The query parameters, refusing any but `allowed`.
fn params<'q>(
    query: &'q [(String, String)],
    allowed: &[&str],
) -> Result<Vec<(&'q str, &'q str)>, ApiError> {
    query
        .iter()
        .map(|(k, v)| {
            if allowed.contains(&k.as_str()) {
                Ok((k.as_str(), v.as_str()))
            } else {
                Err(invalid_field(k, format!("unknown query parameter `{k}`")))
            }
        })
        .collect()
}

/// `GET jobs?limit&cursor`: the page size, and where the page starts (after the previous page's last
/// job; from the newest without a cursor).
pub(crate) fn jobs_page(
    query: &[(String, String)],
) -> Result<(usize, Option<JobPosition>), ApiError> {
    let params = params(query, &["limit", "cursor"])?;
    let last = |name: &str| params.iter().rev().find(|(k, _)| *k == name).map(|p| p.1);
    let limit = page_size(last("limit"), DEFAULT_LIMIT, MAX_LIMIT)?;
    let after = last("cursor").map(decode_cursor).transpose()?;
    Ok((limit, after))
}

/// `GET models?task`.
pub(crate) fn task_filter(query: &[(String, String)]) -> Result<Option<Task>, ApiError> {
    match params(query, &["task"])?.last() {
        None => Ok(None),
        Some((_, v)) => Task::from_name(v)
            .map(Some)
            .ok_or_else(|| invalid_field("task", format!("`task` is not a task: `{v}`"))),
    }
}
