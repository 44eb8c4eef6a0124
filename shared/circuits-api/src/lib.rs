//! SynQ's stateless circuit endpoints — `POST /api/v1/circuits/analyze`, `/simulate` and `/optimize` — as plain
//! functions: JSON body in, JSON body or [`ApiError`] out. One definition of their wire types, their
//! limits and their validation, tested natively; the Worker only reads the request and writes the response.
//!
//! It is not the circuit core (that is `synq-circuits`) and does no I/O: the caller passes the body, the
//! limits and, for simulations without a seed, a seed of its own choosing.
//!
//! ```
//! use synq_circuits_api::{Endpoint, Limits, handle};
//! let body = br#"{"qasm": "OPENQASM 2.0; include \"qelib1.inc\"; qreg q[2]; creg c[2]; h q[0]; cx q[0], q[1]; measure q -> c;", "seed": 7}"#;
//! let json = handle(Endpoint::Simulate, body, 0, &Limits::default()).unwrap();
//! let v: serde_json::Value = serde_json::from_str(&json).unwrap();
//! assert_eq!(v["shots"], 1024);
//! assert!(v["counts"].as_object().unwrap().keys().all(|k| k == "00" || k == "11"));
//! ```

mod decode;
mod handle;
mod limits;
mod wire;

pub use handle::{Endpoint, analyze, handle, optimize, simulate};
pub use limits::Limits;
pub use wire::{
    AnalyzeRequest, AnalyzeResponse, Counts, DEFAULT_LEVEL, DEFAULT_SHOTS, Format, MAX_LEVEL,
    MAX_SHOTS, OptimizeRequest, OptimizeResponse, SimulateRequest, SimulateResponse,
};

/// Re-exported so that callers name the one error type without depending on `synq-core` themselves.
pub use synq_core::{ApiError, ErrorCode};
