//! SynQ's API gateway core: API keys, authentication by JWT or key, rate limits and quotas, custom routes,
//! request analytics, the GraphQL schema registry, CORS, and the gateway's REST handlers over a storage
//! trait. Sans-IO: time, randomness, storage and the rate counters are passed in by the shells.
//!
//! It is not the HTTP shell: the Worker (`functions/api-worker`) reads requests, calls in here, and writes
//! responses; the per-user rate counter is a Durable Object that keeps a [`limit::Limiter`].

pub mod analytics;
pub mod api;
pub mod cache;
pub mod cors;
pub mod decode;
pub mod key_sockets;
pub mod keys;
pub mod limit;
pub mod principal;
pub mod recent_key_changes;
pub mod routes;
pub mod schema;
pub mod scope;
pub mod sql_store;
pub mod store;

pub use principal::{
    AuthConfig, CachedKeys, Caller, Credential, KEY_CACHE_TTL_MS, KeyCache, KeyLookup, Principal,
    authenticate,
};
pub use scope::{Scope, Scopes};
pub use store::{GatewayStore, MemoryStore, StoreError};
