//! The control-plane store (D1 on Cloudflare, SQLite on Spin): keys, routes, quotas, analytics rows and
//! schema versions, behind one trait; [`MemoryStore`] holds them in memory for native tests.
//!
//! The trait's futures are not `Send`: the Worker runtime is single-threaded, and native tests poll them
//! on one thread too.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use synq_core::{ApiError, EpochMillis, ErrorCode};
use thiserror::Error;

use crate::analytics::{MAX_ROWS, RollupRow, merge_row};
use crate::keys::ApiKey;
use crate::limit::QuotaPolicy;
use crate::routes::RouteConfig;
use crate::schema::SchemaVersion;

/// A storage failure.
#[derive(Debug, Error)]
pub enum StoreError {
    /// A row with the same unique key exists (a key id, a route id, a schema version).
    #[error("already exists: {0}")]
    Conflict(String),
    /// The backend refused or failed.
    #[error("storage backend: {0}")]
    Backend(String),
    /// Stored data did not decode.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::new(ErrorCode::Internal, e.to_string())
    }
}

/// The gateway's durable state.
#[allow(async_fn_in_trait)]
pub trait GatewayStore {
    /// Adds a key; `Conflict` if its id is taken.
    async fn insert_key(&self, key: &ApiKey) -> Result<(), StoreError>;
    /// A key by id.
    async fn key(&self, id: &str) -> Result<Option<ApiKey>, StoreError>;
    /// A user's keys, oldest first.
    async fn keys_of(&self, owner: &str) -> Result<Vec<ApiKey>, StoreError>;
    /// Replaces a key's mutable fields (expiry, revocation, replacement).
    async fn update_key(&self, key: &ApiKey) -> Result<(), StoreError>;
    /// Rotation in one step: `old` updated and `new` inserted, or neither.
    async fn rotate_key(&self, old: &ApiKey, new: &ApiKey) -> Result<(), StoreError>;
    /// Notes that key `key_id` opened a WebSocket on session `session_id` at `at`.
    async fn note_key_socket(
        &self,
        key_id: &str,
        session_id: &str,
        at: EpochMillis,
    ) -> Result<(), StoreError>;
    /// The sessions key `key_id` opened WebSockets on, by name.
    async fn key_sockets(&self, key_id: &str) -> Result<Vec<String>, StoreError>;

    /// Adds or replaces a route.
    async fn put_route(&self, route: &RouteConfig) -> Result<(), StoreError>;
    /// A route by id.
    async fn route(&self, id: &str) -> Result<Option<RouteConfig>, StoreError>;
    /// Every route, oldest first.
    async fn routes(&self) -> Result<Vec<RouteConfig>, StoreError>;

    /// Adds or replaces a principal's policy.
    async fn put_quota(&self, policy: &QuotaPolicy) -> Result<(), StoreError>;
    /// A principal's policy.
    async fn quota(&self, principal: &str) -> Result<Option<QuotaPolicy>, StoreError>;

    /// Adds rows into the stored ones (same minute, route, status and principal: counts add up).
    async fn add_analytics(&self, rows: &[RollupRow]) -> Result<(), StoreError>;
    /// Rows with `from <= minute < to` (at most `MAX_ROWS`), optionally of one principal.
    async fn analytics(
        &self,
        from: EpochMillis,
        to: EpochMillis,
        principal: Option<&str>,
    ) -> Result<Vec<RollupRow>, StoreError>;

    /// Adds a schema version; `Conflict` if that name and version exist.
    async fn insert_schema(&self, schema: &SchemaVersion) -> Result<(), StoreError>;
    /// The newest version of a schema.
    async fn latest_schema(&self, name: &str) -> Result<Option<SchemaVersion>, StoreError>;
    /// One version of a schema.
    async fn schema(&self, name: &str, version: u32) -> Result<Option<SchemaVersion>, StoreError>;
    /// The newest version of every schema, by name, without their documents (`sdl` empty).
    async fn schemas(&self) -> Result<Vec<SchemaVersion>, StoreError>;
}

#[derive(Debug, Default)]
struct State {
    keys: BTreeMap<String, ApiKey>,
    key_sockets: BTreeSet<(String, String)>,
    routes: BTreeMap<String, RouteConfig>,
    quotas: BTreeMap<String, QuotaPolicy>,
    analytics: BTreeMap<(EpochMillis, String, u16, String), RollupRow>,
    schemas: BTreeMap<(String, u32), SchemaVersion>,
}

/// Everything in memory, for native tests.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: RefCell<State>,
}

fn by_creation<T>(mut items: Vec<T>, created: impl Fn(&T) -> EpochMillis) -> Vec<T> {
    items.sort_by_key(|i| created(i));
    items
}

impl GatewayStore for MemoryStore {
    async fn insert_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        let mut state = self.state.borrow_mut();
        if state.keys.contains_key(&key.id) {
            return Err(StoreError::Conflict(format!("key {}", key.id)));
        }
        state.keys.insert(key.id.clone(), key.clone());
        Ok(())
    }

    async fn key(&self, id: &str) -> Result<Option<ApiKey>, StoreError> {
        Ok(self.state.borrow().keys.get(id).cloned())
    }

    async fn keys_of(&self, owner: &str) -> Result<Vec<ApiKey>, StoreError> {
        let state = self.state.borrow();
        let keys = state.keys.values().filter(|k| k.owner == owner).cloned();
        Ok(by_creation(keys.collect(), |k| k.created_at))
    }

    async fn update_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        self.state
            .borrow_mut()
            .keys
            .insert(key.id.clone(), key.clone());
        Ok(())
    }

    async fn rotate_key(&self, old: &ApiKey, new: &ApiKey) -> Result<(), StoreError> {
        self.insert_key(new).await?;
        self.update_key(old).await
    }

    async fn note_key_socket(
        &self,
        key_id: &str,
        session_id: &str,
        _at: EpochMillis,
    ) -> Result<(), StoreError> {
        let pair = (key_id.to_owned(), session_id.to_owned());
        self.state.borrow_mut().key_sockets.insert(pair);
        Ok(())
    }

    async fn key_sockets(&self, key_id: &str) -> Result<Vec<String>, StoreError> {
        let state = self.state.borrow();
        let sessions = state.key_sockets.iter().filter(|(k, _)| k == key_id);
        Ok(sessions.map(|(_, session)| session.clone()).collect())
    }

    async fn put_route(&self, route: &RouteConfig) -> Result<(), StoreError> {
        self.state
            .borrow_mut()
            .routes
            .insert(route.id.clone(), route.clone());
        Ok(())
    }

    async fn route(&self, id: &str) -> Result<Option<RouteConfig>, StoreError> {
        Ok(self.state.borrow().routes.get(id).cloned())
    }

    async fn routes(&self) -> Result<Vec<RouteConfig>, StoreError> {
        let routes = self.state.borrow().routes.values().cloned().collect();
        Ok(by_creation(routes, |r| r.created_at))
    }

    async fn put_quota(&self, policy: &QuotaPolicy) -> Result<(), StoreError> {
        self.state
            .borrow_mut()
            .quotas
            .insert(policy.principal.clone(), policy.clone());
        Ok(())
    }

    async fn quota(&self, principal: &str) -> Result<Option<QuotaPolicy>, StoreError> {
        Ok(self.state.borrow().quotas.get(principal).cloned())
    }

    async fn add_analytics(&self, rows: &[RollupRow]) -> Result<(), StoreError> {
        let mut state = self.state.borrow_mut();
        for row in rows {
            let key = (
                row.minute,
                row.route.clone(),
                row.status,
                row.principal.clone(),
            );
            match state.analytics.get_mut(&key) {
                Some(stored) => merge_row(stored, row),
                None => {
                    state.analytics.insert(key, row.clone());
                }
            }
        }
        Ok(())
    }

    async fn analytics(
        &self,
        from: EpochMillis,
        to: EpochMillis,
        principal: Option<&str>,
    ) -> Result<Vec<RollupRow>, StoreError> {
        let state = self.state.borrow();
        Ok(state
            .analytics
            .values()
            .filter(|r| r.minute >= from && r.minute < to)
            .filter(|r| principal.is_none_or(|p| r.principal == p))
            .take(MAX_ROWS)
            .cloned()
            .collect())
    }

    async fn insert_schema(&self, schema: &SchemaVersion) -> Result<(), StoreError> {
        let mut state = self.state.borrow_mut();
        let key = (schema.name.clone(), schema.version);
        if state.schemas.contains_key(&key) {
            return Err(StoreError::Conflict(format!(
                "schema {} version {}",
                schema.name, schema.version
            )));
        }
        state.schemas.insert(key, schema.clone());
        Ok(())
    }

    async fn latest_schema(&self, name: &str) -> Result<Option<SchemaVersion>, StoreError> {
        let state = self.state.borrow();
        Ok(state
            .schemas
            .range((name.to_owned(), 0)..=(name.to_owned(), u32::MAX))
            .next_back()
            .map(|(_, s)| s.clone()))
    }

    async fn schema(&self, name: &str, version: u32) -> Result<Option<SchemaVersion>, StoreError> {
        Ok(self
            .state
            .borrow()
            .schemas
            .get(&(name.to_owned(), version))
            .cloned())
    }

    async fn schemas(&self) -> Result<Vec<SchemaVersion>, StoreError> {
        let state = self.state.borrow();
        let mut latest: BTreeMap<&str, &SchemaVersion> = BTreeMap::new();
        for ((name, _), schema) in &state.schemas {
            latest.insert(name, schema);
        }
        Ok(latest
            .into_values()
            .map(|s| SchemaVersion {
                sdl: String::new(),
                ..s.clone()
            })
            .collect())
    }
}
