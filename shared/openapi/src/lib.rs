//! The OpenAPI 3.1 document of SynQ Edge's REST API. The schemas are generated from the wire types by
//! utoipa (`ToSchema`, behind each owning crate's `openapi` feature); what each endpoint reads and answers
//! is stated by the crate that serves it (`synq_collab::openapi::describe`,
//! `synq_gateway::api::openapi::describe`, exhaustive matches over their endpoints); this crate lays them
//! out under their paths. `cargo run -p synq-openapi` prints the document; the Worker embeds the committed
//! copy (`openapi.json`), and a test keeps that copy current.

use serde_json::{Map, Value, json};
use synq_circuits_api::{
    AnalyzeRequest, AnalyzeResponse, Endpoint as Circuit, OptimizeRequest, OptimizeResponse,
    SimulateRequest, SimulateResponse,
};
use synq_collab::Endpoint as Collab;
use synq_core::ErrorBody;
use synq_core::openapi::{EndpointDoc, by_ref, with_dependencies};
use synq_gateway::api::Endpoint as Gateway;
use synq_training_api::Endpoint as Training;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

/// Who may call: nobody needs credentials, or a JWT or an API key is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Public,
    Authenticated,
}

/// One documented operation.
struct Operation {
    method: &'static str,
    path: &'static str,
    tag: &'static str,
    /// The endpoint's name (also its name in the gateway's analytics): the operation id.
    name: &'static str,
    access: Access,
    doc: EndpointDoc,
}

fn circuit(path: &'static str, endpoint: Circuit) -> Operation {
    let (name, doc) = match endpoint {
        Circuit::Analyze => (
            "circuits.analyze",
            EndpointDoc::new(
                Some(by_ref::<AnalyzeRequest>()),
                vec![(200, Some(by_ref::<AnalyzeResponse>()))],
            ),
        ),
        Circuit::Simulate => (
            "circuits.simulate",
            EndpointDoc::new(
                Some(by_ref::<SimulateRequest>()),
                vec![(200, Some(by_ref::<SimulateResponse>()))],
            ),
        ),
        Circuit::Optimize => (
            "circuits.optimize",
            EndpointDoc::new(
                Some(by_ref::<OptimizeRequest>()),
                vec![(200, Some(by_ref::<OptimizeResponse>()))],
            ),
        ),
    };
    Operation {
        method: "post",
        path,
        tag: "circuits",
        name,
        access: Access::Authenticated,
        doc,
    }
}

fn collab(method: &'static str, path: &'static str, endpoint: Collab) -> Operation {
    Operation {
        method,
        path,
        tag: "collaboration",
        name: endpoint.name(),
        access: Access::Authenticated,
        doc: synq_collab::openapi::describe(&endpoint),
    }
}

fn gateway(method: &'static str, path: &'static str, endpoint: Gateway) -> Operation {
    Operation {
        method,
        path,
        tag: "gateway",
        name: endpoint.name(),
        access: if endpoint.is_public() {
            Access::Public
        } else {
            Access::Authenticated
        },
        doc: synq_gateway::api::openapi::describe(&endpoint),
    }
}

fn training(method: &'static str, path: &'static str, endpoint: Training) -> Operation {
    Operation {
        method,
        path,
        tag: "training",
        name: endpoint.name(),
        access: Access::Authenticated,
        doc: synq_training_api::openapi::describe(&endpoint),
    }
}

/// Every REST operation, by path. Ids in paths are placeholders: the endpoints ignore their values here.
fn operations() -> Vec<Operation> {
    let id = || String::from("{session_id}");
    let sessions = "/api/v1/collaboration/sessions";
    let session = "/api/v1/collaboration/sessions/{session_id}";
    vec![
        circuit("/api/v1/circuits/analyze", Circuit::Analyze),
        circuit("/api/v1/circuits/simulate", Circuit::Simulate),
        circuit("/api/v1/circuits/optimize", Circuit::Optimize),
        collab("post", sessions, Collab::CreateSession),
        collab("get", sessions, Collab::ListSessions),
        collab("get", session, Collab::GetSession(id())),
        collab("patch", session, Collab::UpdateSession(id())),
        collab(
            "post",
            "/api/v1/collaboration/sessions/{session_id}/participants",
            Collab::AddParticipant(id()),
        ),
        collab(
            "delete",
            "/api/v1/collaboration/sessions/{session_id}/participants/{user_id}",
            Collab::RemoveParticipant(id(), id()),
        ),
        collab(
            "put",
            "/api/v1/collaboration/sessions/{session_id}/presence",
            Collab::Presence(id()),
        ),
        collab(
            "post",
            "/api/v1/collaboration/sessions/{session_id}/edits",
            Collab::Edit(id()),
        ),
        collab(
            "get",
            "/api/v1/collaboration/sessions/{session_id}/history",
            Collab::History(id()),
        ),
        collab(
            "post",
            "/api/v1/collaboration/sessions/{session_id}/comments",
            Collab::Comment(id()),
        ),
        collab(
            "get",
            "/api/v1/collaboration/sessions/{session_id}/document",
            Collab::Document(id()),
        ),
        collab(
            "get",
            "/api/v1/collaboration/sessions/{session_id}/checkpoints",
            Collab::ListCheckpoints(id()),
        ),
        collab(
            "post",
            "/api/v1/collaboration/sessions/{session_id}/checkpoints",
            Collab::CreateCheckpoint(id()),
        ),
        collab(
            "post",
            "/api/v1/collaboration/sessions/{session_id}/branches",
            Collab::Branch(id()),
        ),
        collab(
            "post",
            "/api/v1/collaboration/sessions/{session_id}/merge",
            Collab::Merge(id()),
        ),
        gateway("get", "/api/v1/gateway/status", Gateway::Status),
        gateway("post", "/api/v1/gateway/routes", Gateway::CreateRoute),
        gateway("get", "/api/v1/gateway/routes", Gateway::ListRoutes),
        gateway(
            "get",
            "/api/v1/gateway/routes/{id}",
            Gateway::GetRoute(id()),
        ),
        gateway(
            "put",
            "/api/v1/gateway/routes/{id}",
            Gateway::UpdateRoute(id()),
        ),
        gateway("post", "/api/v1/gateway/keys", Gateway::CreateKey),
        gateway("get", "/api/v1/gateway/keys", Gateway::ListKeys),
        gateway(
            "delete",
            "/api/v1/gateway/keys/{id}",
            Gateway::RevokeKey(id()),
        ),
        gateway(
            "post",
            "/api/v1/gateway/keys/{id}/rotate",
            Gateway::RotateKey(id()),
        ),
        gateway("post", "/api/v1/gateway/quotas/check", Gateway::CheckQuota),
        gateway(
            "put",
            "/api/v1/gateway/quotas/{principal}",
            Gateway::PutQuota(id()),
        ),
        gateway(
            "get",
            "/api/v1/gateway/quotas/{principal}",
            Gateway::GetQuota(id()),
        ),
        gateway("get", "/api/v1/gateway/analytics", Gateway::Analytics),
        gateway("get", "/api/v1/gateway/usage", Gateway::Usage),
        gateway("post", "/api/v1/gateway/schemas", Gateway::CreateSchema),
        gateway("get", "/api/v1/gateway/schemas", Gateway::ListSchemas),
        gateway(
            "get",
            "/api/v1/gateway/schemas/{name}",
            Gateway::GetSchema(id()),
        ),
        gateway(
            "get",
            "/api/v1/gateway/schemas/{name}/versions/{version}",
            Gateway::GetSchemaVersion(id(), id()),
        ),
        gateway(
            "delete",
            "/api/v1/gateway/schemas/{name}",
            Gateway::DeleteSchema(id()),
        ),
        gateway(
            "put",
            "/api/v1/gateway/schemas/{name}/owner",
            Gateway::TransferSchema(id()),
        ),
        training("post", "/api/v1/training/jobs", Training::Enqueue),
        training("get", "/api/v1/training/jobs", Training::ListJobs),
        training(
            "get",
            "/api/v1/training/jobs/{job_id}",
            Training::GetJob(id()),
        ),
        training("post", "/api/v1/training/lease", Training::Lease),
        training(
            "post",
            "/api/v1/training/jobs/{job_id}/heartbeat",
            Training::Heartbeat(id()),
        ),
        training(
            "post",
            "/api/v1/training/jobs/{job_id}/progress",
            Training::Progress(id()),
        ),
        training(
            "put",
            "/api/v1/training/jobs/{job_id}/model",
            Training::Upload(id()),
        ),
        training(
            "post",
            "/api/v1/training/jobs/{job_id}/complete",
            Training::Complete(id()),
        ),
        training(
            "post",
            "/api/v1/training/jobs/{job_id}/fail",
            Training::Fail(id()),
        ),
        training("get", "/api/v1/training/models", Training::ListModels),
        training(
            "get",
            "/api/v1/training/models/{task}/{version}",
            Training::Download(id(), id()),
        ),
    ]
}

fn to_json(schema: &RefOr<Schema>) -> Value {
    serde_json::to_value(schema).unwrap_or(Value::Null)
}

const JSON: &str = "application/json";

fn json_content(schema: Value) -> Value {
    content(JSON, schema)
}

fn content(media: &str, schema: Value) -> Value {
    json!({ media: { "schema": schema } })
}

/// The answer every operation may give instead of its successful one.
fn error_response() -> Value {
    json!({
        "description": "An error in the one shape: `{\"error\": {\"code\", \"message\", …}}` (the HTTP status follows the code).",
        "content": json_content(to_json(&by_ref::<ErrorBody>())),
    })
}

fn status_text(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        _ => "Success",
    }
}

fn path_parameters(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            json!({"name": name, "in": "path", "required": true, "schema": {"type": "string", "minLength": 1}})
        })
        .collect()
}

fn operation_json(op: &Operation) -> Value {
    let mut responses = Map::new();
    for (status, body) in &op.doc.responses {
        let mut response = json!({ "description": status_text(*status) });
        if let Some(schema) = body {
            response["content"] = content(op.doc.response_media, to_json(schema));
        }
        responses.insert(status.to_string(), response);
    }
    responses.insert("default".into(), error_response());
    let mut parameters = path_parameters(op.path);
    parameters.extend(op.doc.query.iter().map(|name| {
        json!({"name": name, "in": "query", "required": false, "schema": {"type": "string"}})
    }));
    let mut operation = json!({
        "operationId": op.name,
        "tags": [op.tag],
        "responses": responses,
    });
    if !parameters.is_empty() {
        operation["parameters"] = Value::Array(parameters);
    }
    if let Some(body) = &op.doc.request {
        operation["requestBody"] = json!({
            "required": !op.doc.body_optional,
            "content": content(op.doc.request_media, to_json(body)),
        });
    }
    operation["security"] = match op.access {
        Access::Public => json!([]),
        Access::Authenticated => json!([{"bearer": []}, {"api_key": []}]),
    };
    operation
}

/// Schemas that other schemas include with `allOf` (a `#[serde(flatten)]`) must not forbid properties
/// they do not know (`#[serde(deny_unknown_fields)]`): JSON Schema checks each `allOf` part alone, so the
/// including schema's own properties would fail it.
fn allow_flattened_extras(schemas: &mut Map<String, Value>) {
    fn included(value: &Value, found: &mut Vec<String>) {
        match value {
            Value::Object(object) => {
                if let Some(Value::Array(parts)) = object.get("allOf") {
                    for part in parts {
                        if let Some(Value::String(reference)) = part.get("$ref") {
                            found.push(
                                reference
                                    .trim_start_matches("#/components/schemas/")
                                    .to_owned(),
                            );
                        }
                    }
                }
                object.values().for_each(|v| included(v, found));
            }
            Value::Array(items) => items.iter().for_each(|v| included(v, found)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    for schema in schemas.values() {
        included(schema, &mut found);
    }
    for name in found {
        if let Some(Value::Object(schema)) = schemas.get_mut(&name) {
            schema.remove("additionalProperties");
        }
    }
}

fn components() -> Value {
    let mut all: Vec<(String, RefOr<Schema>)> = Vec::new();
    with_dependencies::<ErrorBody>(&mut all);
    with_dependencies::<AnalyzeRequest>(&mut all);
    with_dependencies::<AnalyzeResponse>(&mut all);
    with_dependencies::<SimulateRequest>(&mut all);
    with_dependencies::<SimulateResponse>(&mut all);
    with_dependencies::<OptimizeRequest>(&mut all);
    with_dependencies::<OptimizeResponse>(&mut all);
    all.extend(synq_collab::openapi::schemas());
    all.extend(synq_gateway::api::openapi::schemas());
    all.extend(synq_training_api::openapi::schemas());
    let mut schemas = Map::new();
    for (name, schema) in &all {
        schemas.insert(name.clone(), to_json(schema));
    }
    allow_flattened_extras(&mut schemas);
    json!({
        "schemas": schemas,
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "description": "A JWT (HS256 or EdDSA) or an API key (`synq_<id>_<secret>`)."},
            "api_key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}
        }
    })
}

fn health() -> Value {
    json!({"get": {
        "operationId": "health",
        "tags": ["health"],
        "security": [],
        "responses": {"200": {"description": "OK", "content": json_content(json!({
            "type": "object",
            "required": ["status"],
            "properties": {"status": {"type": "string", "const": "ok"}},
        }))}},
    }})
}

/// The document.
pub fn document() -> Value {
    let mut paths = Map::new();
    paths.insert("/healthz".into(), health());
    for op in operations() {
        let item = paths
            .entry(op.path)
            .or_insert_with(|| Value::Object(Map::new()));
        item[op.method] = operation_json(&op);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "SynQ Edge API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The REST API of SynQ Edge: stateless circuit endpoints, the collaboration API, the training queue and model registry, and the API gateway (keys, routes, quotas, analytics, GraphQL schemas). Every authenticated call counts against the caller's rate limit (`RateLimit-*` headers; `429 RATE_LIMITED` with `retry_after_ms` over it). Sessions' WebSockets (`GET /sessions/{id}/ws`) are described in the README.",
        },
        "tags": [
            {"name": "health"},
            {"name": "circuits", "description": "OpenQASM analysis, simulation and optimization."},
            {"name": "collaboration", "description": "Sessions, participants, edits, comments, history, checkpoints, branches."},
            {"name": "gateway", "description": "API keys, custom routes, quotas, analytics, the GraphQL schema registry."},
            {"name": "training", "description": "Offloaded training: queue jobs and read their status; batch runners (`admin`) lease, report, upload ONNX models and complete or fail jobs; model versions and their ONNX bytes."},
        ],
        "paths": paths,
        "components": components(),
    })
}

/// The document as the Worker serves it (pretty-printed, keys in order).
pub fn document_json() -> String {
    serde_json::to_string_pretty(&document()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each documented path, with its placeholders filled in, routes to the endpoint it documents.
    #[test]
    fn every_operation_routes_to_its_endpoint() {
        let fill = |path: &str| {
            path.replace("{session_id}", "s1")
                .replace("{user_id}", "u1")
                .replace("{id}", "x1")
                .replace("{principal}", "user:u1")
                .replace("{name}", "n1")
                .replace("{version}", "1")
                .replace("{job_id}", "j1")
                .replace("{task}", "family")
        };
        let mut names = std::collections::BTreeSet::new();
        for op in operations() {
            let path = fill(op.path);
            let method = op.method.to_ascii_uppercase();
            let routed = match op.tag {
                "collaboration" => synq_collab::route(&method, &path).ok().map(|e| e.name()),
                "gateway" => match synq_gateway::api::route(
                    &method,
                    &path[synq_gateway::api::PREFIX.len()..],
                ) {
                    synq_gateway::api::GatewayRoute::Endpoint(e) => Some(e.name()),
                    _ => None,
                },
                "training" => match synq_training_api::route(
                    &method,
                    &path[synq_training_api::PREFIX.len()..],
                ) {
                    synq_training_api::Routed::Endpoint(e) => Some(e.name()),
                    _ => None,
                },
                _ => Some(op.name),
            };
            assert_eq!(routed, Some(op.name), "{method} {path}");
            assert!(names.insert(op.name), "{} documented twice", op.name);
        }
        // 3 circuit, 15 collaboration, 20 gateway and 11 training endpoints.
        assert_eq!(names.len(), 3 + 15 + 20 + 11);
    }

    #[test]
    fn every_reference_resolves() {
        let doc = document();
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for reference in text.split("\"#/components/schemas/").skip(1) {
            let name = &reference[..reference.find('"').unwrap()];
            assert!(
                schemas.contains_key(name),
                "{name} is referenced but not defined"
            );
        }
    }
}
