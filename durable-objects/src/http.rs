//! The HTTP answers every surface shares: JSON bodies, and the one error shape with its status.

use synq_core::ApiError;
use worker::{Headers, Response, Result};

/// `response` marked as JSON (its other headers dropped: callers build JSON answers from scratch).
pub fn json(response: Response) -> Response {
    let headers = Headers::new();
    // Setting a literal header on fresh Headers cannot fail.
    let _ = headers.set("content-type", "application/json");
    response.with_headers(headers)
}

/// `{"error": {...}}` with the code's HTTP status.
pub fn error_response(error: &ApiError) -> Result<Response> {
    Ok(json(
        Response::ok(error.to_http_body())?.with_status(error.code.http_status()),
    ))
}
