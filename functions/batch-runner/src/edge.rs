//! The runner's view of the edge: lease a job, keep it alive, report, upload, finish. [`HttpEdge`]
//! speaks the API Worker's `/api/v1/training/…` endpoints (wire types in `synq_ml::queue::wire`).

use synq_ml::jobs::{ModelVersion, Progress};
use synq_ml::queue::Leased;
use synq_ml::queue::wire::{
    CompleteRequest, FailRequest, HeartbeatRequest, JobResponse, LEASE_TOKEN_HEADER, LeaseRequest,
    ModelResponse, ProgressRequest,
};

/// What the edge said no to, or why it could not be reached.
#[derive(Debug, thiserror::Error)]
pub enum EdgeError {
    /// The lease is gone (expired and taken by another runner, or the job ended).
    #[error("lease lost: {0}")]
    LeaseLost(String),
    #[error("edge: {0}")]
    Other(String),
}

/// The operations a runner needs.
pub trait Edge {
    fn lease(&self, runner: &str) -> Result<Option<Leased>, EdgeError>;
    fn heartbeat(&self, job: &str, token: &str) -> Result<(), EdgeError>;
    fn progress(&self, job: &str, token: &str, progress: Progress) -> Result<(), EdgeError>;
    fn upload(&self, job: &str, token: &str, onnx: &[u8]) -> Result<(), EdgeError>;
    fn complete(
        &self,
        job: &str,
        token: &str,
        metrics: Vec<(String, f64)>,
    ) -> Result<ModelVersion, EdgeError>;
    fn fail(&self, job: &str, token: &str, reason: &str) -> Result<(), EdgeError>;
}

/// The edge over HTTP, authenticated with a bearer token.
pub struct HttpEdge {
    base: String,
    bearer: String,
    agent: ureq::Agent,
}

impl HttpEdge {
    /// `base` like `http://127.0.0.1:8787`; `bearer` a JWT the API Worker accepts.
    pub fn new(base: &str, bearer: &str) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(60)))
            .build()
            .new_agent();
        Self {
            base: base.trim_end_matches('/').to_string(),
            bearer: format!("Bearer {bearer}"),
            agent,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v1/training/{path}", self.base)
    }

    fn post<T: serde::Serialize>(&self, path: &str, body: &T) -> Result<(u16, String), EdgeError> {
        let mut response = self
            .agent
            .post(&self.url(path))
            .header("authorization", &self.bearer)
            .send_json(body)
            .map_err(|e| EdgeError::Other(e.to_string()))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| EdgeError::Other(e.to_string()))?;
        Ok((status, text))
    }

    fn expect_ok(status: u16, text: String) -> Result<String, EdgeError> {
        match status {
            200..=299 => Ok(text),
            // The edge answers 409 when the token no longer holds the job.
            409 => Err(EdgeError::LeaseLost(text)),
            _ => Err(EdgeError::Other(format!("HTTP {status}: {text}"))),
        }
    }

    fn decode<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, EdgeError> {
        serde_json::from_str(text)
            .map_err(|e| EdgeError::Other(format!("bad answer ({e}): {text}")))
    }
}

impl Edge for HttpEdge {
    fn lease(&self, runner: &str) -> Result<Option<Leased>, EdgeError> {
        let (status, text) = self.post(
            "lease",
            &LeaseRequest {
                runner: runner.into(),
            },
        )?;
        if status == 204 {
            return Ok(None);
        }
        Self::decode(&Self::expect_ok(status, text)?).map(Some)
    }

    fn heartbeat(&self, job: &str, token: &str) -> Result<(), EdgeError> {
        let (status, text) = self.post(
            &format!("jobs/{job}/heartbeat"),
            &HeartbeatRequest {
                token: token.into(),
            },
        )?;
        Self::expect_ok(status, text).map(drop)
    }

    fn progress(&self, job: &str, token: &str, progress: Progress) -> Result<(), EdgeError> {
        let body = ProgressRequest {
            token: token.into(),
            progress,
        };
        let (status, text) = self.post(&format!("jobs/{job}/progress"), &body)?;
        Self::expect_ok(status, text).map(drop)
    }

    fn upload(&self, job: &str, token: &str, onnx: &[u8]) -> Result<(), EdgeError> {
        let mut response = self
            .agent
            .put(&self.url(&format!("jobs/{job}/model")))
            .header("authorization", &self.bearer)
            .header(LEASE_TOKEN_HEADER, token)
            .header("content-type", "application/octet-stream")
            .send(onnx)
            .map_err(|e| EdgeError::Other(e.to_string()))?;
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        Self::expect_ok(status, text)
            .and_then(|t| Self::decode::<JobResponse>(&t))
            .map(drop)
    }

    fn complete(
        &self,
        job: &str,
        token: &str,
        metrics: Vec<(String, f64)>,
    ) -> Result<ModelVersion, EdgeError> {
        let body = CompleteRequest {
            token: token.into(),
            metrics,
        };
        let (status, text) = self.post(&format!("jobs/{job}/complete"), &body)?;
        Self::decode::<ModelResponse>(&Self::expect_ok(status, text)?).map(|r| r.model)
    }

    fn fail(&self, job: &str, token: &str, reason: &str) -> Result<(), EdgeError> {
        let body = FailRequest {
            token: token.into(),
            reason: reason.into(),
        };
        let (status, text) = self.post(&format!("jobs/{job}/fail"), &body)?;
        Self::expect_ok(status, text).map(drop)
    }
}
