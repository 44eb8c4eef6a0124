//! `GET /api/v1/openapi.json` and `GET /api/v1/docs`: the OpenAPI 3.1 document of the REST API, generated
//! from the Rust types by `synq-openapi` (utoipa) at build time and embedded here, so the Worker carries
//! the document and not the generator; and a small page that lists its operations.

use synq_core::{ApiError, ErrorCode};
use worker::{Headers, Response};

/// Kept current by `shared/openapi`'s test (`cargo run -p synq-openapi` rewrites it).
const DOCUMENT: &str = include_str!("../../../shared/openapi/openapi.json");
const PAGE: &str = include_str!("docs.html");

fn typed(body: &str, content_type: &str) -> Result<Response, ApiError> {
    let internal = |e: worker::Error| ApiError::new(ErrorCode::Internal, e.to_string());
    let headers = Headers::new();
    headers
        .set("content-type", content_type)
        .map_err(internal)?;
    Ok(Response::ok(body).map_err(internal)?.with_headers(headers))
}

pub(crate) fn document() -> Result<Response, ApiError> {
    typed(DOCUMENT, "application/json")
}

pub(crate) fn page() -> Result<Response, ApiError> {
    typed(PAGE, "text/html; charset=utf-8")
}
