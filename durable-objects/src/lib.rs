//! SynQ's Durable Objects for Cloudflare Workers. [`Session`] is one collaboration session: it owns the
//! session's WebSockets (hibernation API) and its SQLite storage, and pumps the core's session engine.
//! [`RateLimiter`] is one user's rate-limit and quota counter for the API gateway. They hold no business
//! rules; those live in `synq-core` and `synq-gateway`.
//!
//! The Worker cdylib must `pub use` each class, otherwise the linker drops it.

mod connection;
mod http;
mod limiter;
mod session;
mod sql_history;
mod sql_key_changes;
mod sql_store;

pub use connection::{
    EXPIRES_HEADER, KEY_HEADER, NAME_HEADER, READ_ONLY_HEADER, ROLE_HEADER, SESSION_HEADER,
    TOKEN_ROLE_HEADER, USER_HEADER,
};
pub use http::{error_response, json};
pub use limiter::RateLimiter;
pub use session::Session;
