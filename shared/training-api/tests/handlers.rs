#![allow(clippy::unwrap_used)]
//! The training API's handlers over the in-memory store: the answers a runner and a user get, and the
//! one error shape for each refusal.

use serde_json::{Value, json};
use synq_core::ErrorCode;
use synq_ml::queue::{MemoryStore, Queue, QueueConfig, ready};
use synq_training_api::{Body, Context, Endpoint, Reply, Request, Routed, handle, route};

const LEASE_MS: u64 = 1_000;

struct Api {
    store: MemoryStore,
}

/// One call: `method path` (after the prefix) at `now`, with `body` (JSON text or bytes).
struct Call<'a> {
    method: &'a str,
    path: &'a str,
    body: &'a [u8],
    query: &'a [(String, String)],
    lease_token: Option<&'a str>,
    now: u64,
    id: &'a str,
}

impl Api {
    fn new() -> Self {
        Api {
            store: MemoryStore::default(),
        }
    }

    fn call(&self, c: Call<'_>) -> Result<Reply, synq_core::ApiError> {
        let Routed::Endpoint(endpoint) = route(c.method, c.path) else {
            panic!("{} {} does not route", c.method, c.path);
        };
        let cx = Context {
            queue: Queue {
                jobs: &self.store,
                blobs: &self.store,
                config: QueueConfig { lease_ms: LEASE_MS },
            },
            now_ms: c.now,
            new_id: c.id,
            new_token: &format!("token-{}", c.now),
        };
        let request = Request {
            query: c.query,
            body: c.body,
            lease_token: c.lease_token,
        };
        ready(handle(&endpoint, &request, &cx))
    }

    fn json(
        &self,
        method: &str,
        path: &str,
        body: &Value,
        now: u64,
    ) -> Result<Reply, synq_core::ApiError> {
        let text = body.to_string();
        self.call(Call {
            method,
            path,
            body: text.as_bytes(),
            query: &[],
            lease_token: None,
            now,
            id: "job-1",
        })
    }

    /// A JSON call that must succeed: its status and body.
    fn ok(&self, method: &str, path: &str, body: Value, now: u64) -> (u16, Value) {
        let reply = self
            .json(method, path, &body, now)
            .unwrap_or_else(|e| panic!("{method} {path}: {e:?}"));
        match reply.body {
            Body::Json(text) => (reply.status, serde_json::from_str(&text).unwrap()),
            Body::Empty => (reply.status, Value::Null),
            Body::Onnx(_) => panic!("bytes from {path}"),
        }
    }

    /// A JSON call that must fail: its error code and field.
    fn refused(
        &self,
        method: &str,
        path: &str,
        body: Value,
        now: u64,
    ) -> (ErrorCode, Option<String>) {
        let e = self.json(method, path, &body, now).unwrap_err();
        (e.code, e.field)
    }

    fn upload(
        &self,
        job: &str,
        token: &str,
        bytes: &[u8],
        now: u64,
    ) -> Result<Reply, synq_core::ApiError> {
        self.call(Call {
            method: "PUT",
            path: &format!("jobs/{job}/model"),
            body: bytes,
            query: &[],
            lease_token: Some(token),
            now,
            id: "",
        })
    }
}

fn small_spec() -> Value {
    json!({"kind": "mlp_classifier", "epochs": 3, "batch_size": 16, "learning_rate": 0.01, "seed": 1,
           "hidden_layers": [8], "clusters": 0, "anomaly_quantile": 0.0, "target_transform": "none"})
}

#[test]
fn queue_lease_report_upload_complete_download() {
    let api = Api::new();
    let (status, queued) = api.ok(
        "POST",
        "jobs",
        json!({"task": "family", "spec": small_spec()}),
        0,
    );
    assert_eq!(status, 201);
    assert_eq!(queued["job"]["state"], "pending");
    assert_eq!(queued["job"]["spec"]["epochs"], 3);

    let (status, leased) = api.ok("POST", "lease", json!({"runner": "r1"}), 10);
    assert_eq!(status, 200);
    assert_eq!(leased["job"]["id"], "job-1");
    assert_eq!(leased["lease_ms"], LEASE_MS);
    let token = leased["token"].as_str().unwrap().to_owned();
    // The token is the runner's alone: the job as shown never carries it.
    assert!(leased["job"]["lease"].get("token").is_none());
    assert_eq!(
        api.ok("POST", "lease", json!({"runner": "r2"}), 11),
        (204, Value::Null)
    );

    let progress = json!({"token": token, "epoch": 1, "epochs": 3, "loss": 0.5});
    let (_, shown) = api.ok("POST", "jobs/job-1/progress", progress, 110);
    assert_eq!(shown["job"]["progress"]["epoch"], 1);
    assert_eq!(shown["job"]["eta_at_ms"], 110 + 2 * 100);
    api.ok("POST", "jobs/job-1/heartbeat", json!({"token": token}), 120);

    let onnx = b"\x08\x07onnx-bytes".to_vec();
    let uploaded = api.upload("job-1", &token, &onnx, 130).unwrap();
    assert_eq!(uploaded.status, 200);
    let complete = json!({"token": token, "metrics": [["accuracy", 0.97], ["f1", 0.96]]});
    let (_, model) = api.ok("POST", "jobs/job-1/complete", complete, 140);
    assert_eq!(
        model["model"]["version"],
        json!({"major": 1, "minor": 0, "patch": 0})
    );
    assert_eq!(model["model"]["metrics"][0], json!(["accuracy", 0.97]));

    let (_, status) = api.ok("GET", "jobs/job-1", Value::Null, 150);
    assert_eq!(status["job"]["state"], "completed");
    assert_eq!(status["job"]["model_version"]["major"], 1);
    let (_, models) = api.ok("GET", "models", Value::Null, 150);
    assert_eq!(models["models"].as_array().unwrap().len(), 1);
    let (_, jobs) = api.ok("GET", "jobs", Value::Null, 150);
    assert_eq!(jobs["jobs"][0]["id"], "job-1");

    let download = api
        .call(Call {
            method: "GET",
            path: "models/family/1.0.0",
            body: b"",
            query: &[],
            lease_token: None,
            now: 160,
            id: "",
        })
        .unwrap();
    assert_eq!(download.body, Body::Onnx(onnx));
}

#[test]
fn an_expired_lease_requeues_the_job_and_refuses_the_dead_runner() {
    let api = Api::new();
    api.ok("POST", "jobs", json!({"task": "family"}), 0);
    let (_, first) = api.ok("POST", "lease", json!({"runner": "r1"}), 0);
    let dead = first["token"].as_str().unwrap().to_owned();
    // Status is evaluated lazily: once the lease has run out the job shows as pending again.
    let (_, shown) = api.ok("GET", "jobs/job-1", Value::Null, LEASE_MS);
    assert_eq!(shown["job"]["state"], "pending");
    let (_, listed) = api.ok("GET", "jobs", Value::Null, LEASE_MS);
    assert_eq!(listed["jobs"][0]["state"], "pending");
    let (_, second) = api.ok("POST", "lease", json!({"runner": "r2"}), LEASE_MS + 1);
    assert_eq!(second["job"]["attempts"], 2);
    let live = second["token"].as_str().unwrap().to_owned();
    assert_ne!(dead, live);

    for (path, body) in [
        ("jobs/job-1/heartbeat", json!({"token": dead})),
        ("jobs/job-1/fail", json!({"token": dead, "reason": "late"})),
        ("jobs/job-1/complete", json!({"token": dead, "metrics": []})),
    ] {
        assert_eq!(
            api.refused("POST", path, body, LEASE_MS + 2).0,
            ErrorCode::Conflict,
            "{path}"
        );
    }
    let late = api.upload("job-1", &dead, b"x", LEASE_MS + 2).unwrap_err();
    assert_eq!(late.code, ErrorCode::Conflict);
    // Completing before the upload is a state conflict too.
    let early = json!({"token": live, "metrics": []});
    assert_eq!(
        api.refused("POST", "jobs/job-1/complete", early, LEASE_MS + 3)
            .0,
        ErrorCode::Conflict
    );
    let (_, failed) = api.ok(
        "POST",
        "jobs/job-1/fail",
        json!({"token": live, "reason": "out of fuel"}),
        LEASE_MS + 4,
    );
    assert_eq!(failed["job"]["state"], "failed");
    assert_eq!(failed["job"]["failure"], "out of fuel");
}

#[test]
fn refusals_have_the_one_shape() {
    let api = Api::new();
    let not_found = |path| api.refused("POST", path, json!({"token": "t"}), 0).0;
    assert_eq!(not_found("jobs/nope/heartbeat"), ErrorCode::NotFound);
    assert_eq!(
        api.refused("GET", "jobs/nope", Value::Null, 0).0,
        ErrorCode::NotFound
    );
    assert_eq!(
        api.refused("GET", "models/family/1.0.0", Value::Null, 0).0,
        ErrorCode::NotFound
    );
    assert_eq!(
        api.refused("GET", "models/nope/x", Value::Null, 0).0,
        ErrorCode::NotFound
    );
    let field = |body| api.refused("POST", "jobs", body, 0);
    assert_eq!(
        field(json!({})),
        (ErrorCode::InvalidMessage, Some("task".into()))
    );
    assert_eq!(field(json!({"task": "nope"})).1.as_deref(), Some("task"));
    assert_eq!(
        field(json!({"task": "family", "x": 1})).1.as_deref(),
        Some("x")
    );
    let mut spec = small_spec();
    spec["epochs"] = json!(0);
    assert_eq!(
        field(json!({"task": "family", "spec": spec})).1.as_deref(),
        Some("spec.epochs")
    );
    assert_eq!(
        field(json!({"task": "anomaly", "spec": small_spec()}))
            .1
            .as_deref(),
        Some("spec.kind")
    );
    assert_eq!(
        api.refused("POST", "lease", json!({"runner": ""}), 0)
            .1
            .as_deref(),
        Some("runner")
    );
    let malformed = api
        .call(Call {
            method: "POST",
            path: "jobs",
            body: b"{",
            query: &[],
            lease_token: None,
            now: 0,
            id: "j",
        })
        .unwrap_err();
    assert_eq!(malformed.code, ErrorCode::MalformedMessage);
    let bad_limit = api
        .call(Call {
            method: "GET",
            path: "jobs",
            body: b"",
            query: &[("limit".into(), "0".into())],
            lease_token: None,
            now: 0,
            id: "",
        })
        .unwrap_err();
    assert_eq!(bad_limit.field.as_deref(), Some("limit"));
    // An empty model and a progress report out of range are field errors, not conflicts.
    api.ok("POST", "jobs", json!({"task": "family"}), 0);
    let (_, leased) = api.ok("POST", "lease", json!({"runner": "r"}), 0);
    let token = leased["token"].as_str().unwrap();
    assert_eq!(
        api.upload("job-1", token, b"", 1)
            .unwrap_err()
            .field
            .as_deref(),
        Some("body")
    );
    let beyond = json!({"token": token, "epoch": 5, "epochs": 3, "loss": 0.1});
    assert_eq!(
        api.refused("POST", "jobs/job-1/progress", beyond, 2).0,
        ErrorCode::InvalidMessage
    );
    assert_eq!(
        Endpoint::Upload(String::new()).max_body_bytes(),
        synq_training_api::MAX_MODEL_BYTES
    );
}

impl Api {
    /// `GET jobs` with `query`.
    fn list(&self, query: &[(&str, &str)]) -> Result<Value, synq_core::ApiError> {
        let query: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let reply = self.call(Call {
            method: "GET",
            path: "jobs",
            body: b"",
            query: &query,
            lease_token: None,
            now: 100,
            id: "",
        })?;
        let Body::Json(text) = reply.body else {
            panic!("{:?}", reply.body)
        };
        Ok(serde_json::from_str(&text).unwrap())
    }
}

#[test]
fn jobs_list_in_pages_newest_first_with_an_opaque_cursor() {
    let api = Api::new();
    // Five jobs, two of them queued in the same millisecond (the id orders those).
    for (id, now) in [("j-a", 1), ("j-b", 2), ("j-c", 3), ("j-d", 3), ("j-e", 4)] {
        let body = json!({"task": "family"}).to_string();
        api.call(Call {
            method: "POST",
            path: "jobs",
            body: body.as_bytes(),
            query: &[],
            lease_token: None,
            now,
            id,
        })
        .unwrap();
    }
    let ids = |page: &Value| -> Vec<String> {
        page["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut query = vec![("limit", "2")];
        if let Some(c) = &cursor {
            query.push(("cursor", c));
        }
        let page = api.list(&query).unwrap();
        seen.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, ["j-e", "j-d", "j-c", "j-b", "j-a"]);
    // A page that ends exactly at the last job says so (no cursor to an empty page).
    let whole = api.list(&[("limit", "5")]).unwrap();
    assert_eq!(ids(&whole).len(), 5);
    assert!(whole.get("next_cursor").is_none(), "{whole}");
    // The default page holds all five (it is 20).
    assert_eq!(ids(&api.list(&[]).unwrap()).len(), 5);
    for (query, field) in [
        (vec![("limit", "0")], "limit"),
        (vec![("limit", "101")], "limit"),
        (vec![("cursor", "not-ours")], "cursor"),
        (vec![("after", "x")], "after"),
    ] {
        let e = api.list(&query).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            (ErrorCode::InvalidMessage, Some(field)),
            "{query:?}"
        );
    }
}

#[test]
fn a_metric_that_is_not_a_number_is_a_field_error_and_the_job_stays_open() {
    let api = Api::new();
    api.ok("POST", "jobs", json!({"task": "execution_time"}), 0);
    let (_, leased) = api.ok("POST", "lease", json!({"runner": "r"}), 0);
    let token = leased["token"].as_str().unwrap().to_owned();
    api.upload("job-1", &token, b"onnx", 1).unwrap();
    // NaN and infinity reach JSON as null (serde_json, JSON.stringify).
    let undefined = json!({"token": token, "metrics": [["mae", 0.1], ["r2", null]]});
    let e = api
        .json("POST", "jobs/job-1/complete", &undefined, 2)
        .unwrap_err();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (ErrorCode::InvalidMessage, Some("metrics"))
    );
    assert!(e.message.contains("`r2`"), "{}", e.message);
    let text = json!({"token": token, "metrics": [["mae", "0.1"]]});
    assert_eq!(
        api.refused("POST", "jobs/job-1/complete", text, 2)
            .1
            .as_deref(),
        Some("metrics")
    );
    let (_, open) = api.ok("GET", "jobs/job-1", Value::Null, 3);
    assert_eq!(open["job"]["state"], "running");
    // Without the undefined metric the job completes.
    let defined = json!({"token": token, "metrics": [["mae", 0.1]]});
    let (_, model) = api.ok("POST", "jobs/job-1/complete", defined, 4);
    assert_eq!(model["model"]["metrics"], json!([["mae", 0.1]]));
}
