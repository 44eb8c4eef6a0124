//! SynQ's core, free of any platform: the `synq` wire protocol, UTF-16 text OT (server and client halves),
//! the session engine as a pure state machine, JWT auth and roles, and the one error shape.
//!
//! It does no I/O: time, randomness and storage are passed in by the shells (Durable Object, Spin, tests).

pub mod auth;
pub mod body;
pub mod client;
pub mod error;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod ot;
pub mod paging;
pub mod protocol;
pub mod rate;
pub mod session;
pub mod units;
pub mod yjs;

pub use error::{ApiError, ErrorBody, ErrorCode};
pub use units::{EpochMillis, Revision, Utf16Pos};
