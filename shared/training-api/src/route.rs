//! Which endpoint a request is, and who may call it.

use synq_gateway::Scope;

/// Where the training API lives.
pub const PREFIX: &str = "/api/v1/training/";

/// One endpoint, with its path parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// `POST jobs`: queue a job.
    Enqueue,
    /// `GET jobs`: the newest jobs.
    ListJobs,
    /// `GET jobs/{id}`: a job's status.
    GetJob(String),
    /// `POST lease`: a runner takes the oldest waiting job.
    Lease,
    /// `POST jobs/{id}/heartbeat`.
    Heartbeat(String),
    /// `POST jobs/{id}/progress`.
    Progress(String),
    /// `PUT jobs/{id}/model`: the ONNX bytes.
    Upload(String),
    /// `POST jobs/{id}/complete`.
    Complete(String),
    /// `POST jobs/{id}/fail`.
    Fail(String),
    /// `GET models`: registered model versions.
    ListModels,
    /// `GET models/{task}/{version}`: a version's ONNX bytes.
    Download(String, String),
}

/// A routed request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Routed {
    Endpoint(Endpoint),
    /// The path exists, but not for this method; `allow` lists the methods it takes.
    MethodNotAllowed {
        allow: &'static str,
    },
    NotFound,
}

/// Routes `method path` (`path` after [`PREFIX`]).
pub fn route(method: &str, path: &str) -> Routed {
    let segments: Vec<&str> = path.split('/').collect();
    let id = |s: &str| s.to_owned();
    let (allow, endpoint) = match (method, segments.as_slice()) {
        ("POST", ["jobs"]) => ("GET, POST", Endpoint::Enqueue),
        ("GET", ["jobs"]) => ("GET, POST", Endpoint::ListJobs),
        (_, ["jobs"]) => return Routed::MethodNotAllowed { allow: "GET, POST" },
        (_, ["jobs", j]) if !j.is_empty() => ("GET", Endpoint::GetJob(id(j))),
        (_, ["lease"]) => ("POST", Endpoint::Lease),
        (_, ["jobs", j, "heartbeat"]) if !j.is_empty() => ("POST", Endpoint::Heartbeat(id(j))),
        (_, ["jobs", j, "progress"]) if !j.is_empty() => ("POST", Endpoint::Progress(id(j))),
        (_, ["jobs", j, "model"]) if !j.is_empty() => ("PUT", Endpoint::Upload(id(j))),
        (_, ["jobs", j, "complete"]) if !j.is_empty() => ("POST", Endpoint::Complete(id(j))),
        (_, ["jobs", j, "fail"]) if !j.is_empty() => ("POST", Endpoint::Fail(id(j))),
        (_, ["models"]) => ("GET", Endpoint::ListModels),
        (_, ["models", t, v]) if !t.is_empty() && !v.is_empty() => {
            ("GET", Endpoint::Download(id(t), id(v)))
        }
        _ => return Routed::NotFound,
    };
    if allow.split(", ").any(|m| m == method) {
        Routed::Endpoint(endpoint)
    } else {
        Routed::MethodNotAllowed { allow }
    }
}

impl Endpoint {
    /// Its name in analytics and its OpenAPI operation id.
    pub fn name(&self) -> &'static str {
        match self {
            Endpoint::Enqueue => "training.enqueue",
            Endpoint::ListJobs => "training.list_jobs",
            Endpoint::GetJob(_) => "training.get_job",
            Endpoint::Lease => "training.lease",
            Endpoint::Heartbeat(_) => "training.heartbeat",
            Endpoint::Progress(_) => "training.progress",
            Endpoint::Upload(_) => "training.upload",
            Endpoint::Complete(_) => "training.complete",
            Endpoint::Fail(_) => "training.fail",
            Endpoint::ListModels => "training.list_models",
            Endpoint::Download(..) => "training.download",
        }
    }

    /// The scope a caller needs: `read` to look, `write` to queue a job, and `admin` for what only
    /// batch runners do (their lease answers carry the jobs' tokens, and they write the registry).
    pub fn scope(&self) -> Scope {
        match self {
            Endpoint::ListJobs
            | Endpoint::GetJob(_)
            | Endpoint::ListModels
            | Endpoint::Download(..) => Scope::Read,
            Endpoint::Enqueue => Scope::Write,
            Endpoint::Lease
            | Endpoint::Heartbeat(_)
            | Endpoint::Progress(_)
            | Endpoint::Upload(_)
            | Endpoint::Complete(_)
            | Endpoint::Fail(_) => Scope::Admin,
        }
    }

    /// The largest body it reads.
    pub fn max_body_bytes(&self) -> u64 {
        match self {
            Endpoint::Upload(_) => crate::MAX_MODEL_BYTES,
            _ => crate::MAX_JSON_BYTES,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(method: &str, path: &str) -> Endpoint {
        match route(method, path) {
            Routed::Endpoint(e) => e,
            other => panic!("{method} {path}: {other:?}"),
        }
    }

    #[test]
    fn routes_and_scopes() {
        assert_eq!(endpoint("POST", "jobs"), Endpoint::Enqueue);
        assert_eq!(endpoint("GET", "jobs"), Endpoint::ListJobs);
        assert_eq!(endpoint("GET", "jobs/j1"), Endpoint::GetJob("j1".into()));
        assert_eq!(
            endpoint("PUT", "jobs/j1/model"),
            Endpoint::Upload("j1".into())
        );
        assert_eq!(
            endpoint("GET", "models/family/1.0.0"),
            Endpoint::Download("family".into(), "1.0.0".into())
        );
        assert_eq!(
            route("DELETE", "jobs"),
            Routed::MethodNotAllowed { allow: "GET, POST" }
        );
        assert_eq!(
            route("GET", "lease"),
            Routed::MethodNotAllowed { allow: "POST" }
        );
        assert_eq!(route("GET", "jobs//fail"), Routed::NotFound);
        assert_eq!(route("GET", "jobs/j1/extra/x"), Routed::NotFound);
        assert_eq!(endpoint("POST", "lease").scope(), Scope::Admin);
        assert_eq!(endpoint("POST", "jobs").scope(), Scope::Write);
        assert_eq!(endpoint("GET", "models").scope(), Scope::Read);
    }
}
