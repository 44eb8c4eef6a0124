//! The training REST API, `/api/v1/training/…`: the edge side of offloaded training. Users queue jobs
//! and read their status; batch runners lease them, report, upload the ONNX model and complete or fail
//! them; anyone with `read` lists model versions and downloads their bytes.
//!
//! [`route`] says which endpoint a request is and what scope it needs; [`handle`] runs it over the
//! `synq_ml::queue` rules with any [`synq_ml::queue::JobStore`] and [`synq_ml::queue::BlobStore`] (D1 and
//! R2 in the Worker, `MemoryStore` in tests). Time, ids and lease tokens come from the caller.

mod decode;
mod handle;
#[cfg(feature = "openapi")]
pub mod openapi;
mod route;

pub use handle::{Body, Context, Reply, Request, handle};
pub use route::{Endpoint, PREFIX, Routed, route};

/// Largest JSON body (a job spec, metrics, a failure reason).
pub const MAX_JSON_BYTES: u64 = 64 * 1024;
/// Largest model upload. The trainer's models are tens of KiB; this leaves room for wide MLPs.
pub const MAX_MODEL_BYTES: u64 = 8 * 1024 * 1024;
