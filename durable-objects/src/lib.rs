//! SynQ's Durable Objects for Cloudflare Workers. [`Session`] is one collaboration session: it owns the
//! session's WebSockets (hibernation API) and its SQLite storage, and pumps the core's session engine.
//! It holds no business rules; those live in `synq-core`.
//!
//! The Worker cdylib must `pub use synq_durable_objects::Session;`, otherwise the linker drops the class.

mod connection;
mod session;
mod sql_store;

pub use connection::{EXPIRES_HEADER, NAME_HEADER, ROLE_HEADER, SESSION_HEADER, USER_HEADER};
pub use session::Session;
