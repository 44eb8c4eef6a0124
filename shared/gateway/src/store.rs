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
use crate::schema::{MAX_SCHEMAS_PER_OWNER, SchemaVersion, cannot_receive, too_many_names};

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
    /// A conditional write lost to a concurrent one: what it was based on changed meanwhile.
    #[error("{0}")]
    Changed(String),
    /// The write would pass a fixed limit (schema names per owner).
    #[error("{0}")]
    LimitReached(String),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let code = match e {
            StoreError::Changed(_) => ErrorCode::Conflict,
            StoreError::LimitReached(_) => ErrorCode::LimitExceeded,
            _ => ErrorCode::Internal,
        };
        ApiError::new(code, e.to_string())
    }
}

/// What [`GatewayStore::rotate_key`] refuses when the old key was revoked or rotated since it was read.
pub(crate) fn rotation_lost(key_id: &str) -> StoreError {
    StoreError::Changed(format!(
        "key `{key_id}` was revoked or rotated meanwhile; read it again"
    ))
}

/// What [`GatewayStore::publish_schema`] refuses when the name and version exist.
pub(crate) fn version_taken(schema: &SchemaVersion) -> StoreError {
    StoreError::Conflict(format!("schema {} version {}", schema.name, schema.version))
}

/// What [`GatewayStore::publish_schema`] refuses when a version after the first does not follow a version of
/// the same owner (only a stale read leads here: the name was deleted or given away meanwhile).
pub(crate) fn publish_lost(schema: &SchemaVersion) -> StoreError {
    StoreError::Changed(format!(
        "version {} of `{}` no longer follows a version owned by `{}`; read it again",
        schema.version, schema.name, schema.owner
    ))
}

/// What [`GatewayStore::transfer_schema`] refuses when the name is no longer `from`'s.
pub(crate) fn transfer_lost(name: &str, from: &str) -> StoreError {
    StoreError::Changed(format!(
        "schema `{name}` is no longer owned by `{from}` (deleted or given away meanwhile); read it again"
    ))
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
    /// Revokes key `id` at `at` (a key revoked before keeps its first time) and returns it as stored
    /// now; `None` if there is no such key. Only `revoked_at` is written, so a rotation committed meanwhile
    /// is kept.
    async fn revoke_key(&self, id: &str, at: EpochMillis) -> Result<Option<ApiKey>, StoreError>;
    /// Rotation in one step: `old`'s new expiry and replacement written and `new` inserted, or neither.
    /// Conditional on the stored `old` being neither revoked nor rotated still ([`StoreError::Changed`]
    /// otherwise), so that a stale read never undoes a concurrent revocation or rotation.
    async fn rotate_key(&self, old: &ApiKey, new: &ApiKey) -> Result<(), StoreError>;
    /// Notes that key `key_id` opened a WebSocket on session `session_id` at `at`, if the stored key is
    /// still usable then (`false` if it is revoked or expired: the caller read a stale copy). Also drops
    /// the notes of keys revoked or expired [`KEY_SOCKET_RETENTION_MS`] ago or more.
    async fn note_key_socket(
        &self,
        key_id: &str,
        session_id: &str,
        at: EpochMillis,
    ) -> Result<bool, StoreError>;
    /// The sessions key `key_id` opened WebSockets on, by name.
    async fn key_sockets(&self, key_id: &str) -> Result<Vec<String>, StoreError>;
    /// Drops key `key_id`'s notes (its revocation was told to every session).
    async fn forget_key_sockets(&self, key_id: &str) -> Result<(), StoreError>;

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

    /// Adds a schema version in one conditional step: `Conflict` if that name and version exist; version 1
    /// only while `schema.owner` owns fewer than [`MAX_SCHEMAS_PER_OWNER`] names (else `LimitReached`), a
    /// later one only right after a version whose owner is `schema.owner` (else `Changed`). So a concurrent
    /// publish can neither add a version to another user's name nor pass the cap.
    async fn publish_schema(&self, schema: &SchemaVersion) -> Result<(), StoreError>;
    /// Deletes every version of `name` in one conditional step, only while its owner is `owner` (as the caller
    /// read it), so that a name given away or deleted and published anew meanwhile is kept. How many versions
    /// went: 0 if the name is gone or no longer `owner`'s. The name is free again, and no longer counts
    /// against `owner`'s [`MAX_SCHEMAS_PER_OWNER`].
    async fn delete_schema(&self, name: &str, owner: &str) -> Result<u32, StoreError>;
    /// Gives every version of `name` to user `to` in one conditional step: only while its owner is `from`
    /// (else `Changed`: deleted or given away meanwhile) and `to` owns fewer than [`MAX_SCHEMAS_PER_OWNER`]
    /// other names (else `LimitReached`). A version published meanwhile by `from` goes along; one from a
    /// stale read afterwards is refused by [`Self::publish_schema`].
    async fn transfer_schema(&self, name: &str, from: &str, to: &str) -> Result<(), StoreError>;
    /// The newest version of a schema.
    async fn latest_schema(&self, name: &str) -> Result<Option<SchemaVersion>, StoreError>;
    /// One version of a schema.
    async fn schema(&self, name: &str, version: u32) -> Result<Option<SchemaVersion>, StoreError>;
    /// The newest version of every schema, by name, without their documents (`sdl` empty).
    async fn schemas(&self) -> Result<Vec<SchemaVersion>, StoreError>;
}

/// How long after its key was revoked or expired a note of a key's socket is kept: the sessions a
/// revocation could not reach can be told again by revoking again; an expired key's sockets end at their
/// first message after the expiry, at the session's alarm, or as idle (5 minutes by default): after this
/// margin none is left to tell. (A revocation that reached every session drops its notes at once.)
pub const KEY_SOCKET_RETENTION_MS: u64 = 15 * 60_000;

/// Whether the notes of `key`'s sockets may go at `now`: revoked or expired long enough ago.
pub(crate) fn key_sockets_done(key: &ApiKey, now: EpochMillis) -> bool {
    let long_ago = |at: EpochMillis| now.0 >= at.0.saturating_add(KEY_SOCKET_RETENTION_MS);
    key.revoked_at.is_some_and(long_ago) || key.expires_at.is_some_and(long_ago)
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

    async fn revoke_key(&self, id: &str, at: EpochMillis) -> Result<Option<ApiKey>, StoreError> {
        let mut state = self.state.borrow_mut();
        Ok(state.keys.get_mut(id).map(|key| {
            key.revoke(at);
            key.clone()
        }))
    }

    async fn rotate_key(&self, old: &ApiKey, new: &ApiKey) -> Result<(), StoreError> {
        let mut state = self.state.borrow_mut();
        if state.keys.contains_key(&new.id) {
            return Err(StoreError::Conflict(format!("key {}", new.id)));
        }
        let stored = state
            .keys
            .get_mut(&old.id)
            .filter(|k| k.revoked_at.is_none() && k.replaced_by.is_none())
            .ok_or_else(|| rotation_lost(&old.id))?;
        stored.expires_at = old.expires_at;
        stored.replaced_by = old.replaced_by.clone();
        state.keys.insert(new.id.clone(), new.clone());
        Ok(())
    }

    async fn note_key_socket(
        &self,
        key_id: &str,
        session_id: &str,
        at: EpochMillis,
    ) -> Result<bool, StoreError> {
        let mut state = self.state.borrow_mut();
        let State {
            keys, key_sockets, ..
        } = &mut *state;
        key_sockets.retain(|(k, _)| !keys.get(k).is_some_and(|key| key_sockets_done(key, at)));
        if !keys.get(key_id).is_some_and(|key| key.is_usable(at)) {
            return Ok(false);
        }
        key_sockets.insert((key_id.to_owned(), session_id.to_owned()));
        Ok(true)
    }

    async fn key_sockets(&self, key_id: &str) -> Result<Vec<String>, StoreError> {
        let state = self.state.borrow();
        let sessions = state.key_sockets.iter().filter(|(k, _)| k == key_id);
        Ok(sessions.map(|(_, session)| session.clone()).collect())
    }

    async fn forget_key_sockets(&self, key_id: &str) -> Result<(), StoreError> {
        let mut state = self.state.borrow_mut();
        state.key_sockets.retain(|(k, _)| k != key_id);
        Ok(())
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

    async fn publish_schema(&self, schema: &SchemaVersion) -> Result<(), StoreError> {
        let mut state = self.state.borrow_mut();
        let key = (schema.name.clone(), schema.version);
        if state.schemas.contains_key(&key) {
            return Err(version_taken(schema));
        }
        if schema.version <= 1 {
            let owned = state
                .schemas
                .values()
                .filter(|s| s.version == 1 && s.owner == schema.owner)
                .count();
            if owned >= MAX_SCHEMAS_PER_OWNER as usize {
                return Err(StoreError::LimitReached(too_many_names(&schema.owner)));
            }
        } else {
            let previous = state
                .schemas
                .get(&(schema.name.clone(), schema.version - 1));
            if previous.is_none_or(|p| p.owner != schema.owner) {
                return Err(publish_lost(schema));
            }
        }
        state.schemas.insert(key, schema.clone());
        Ok(())
    }

    async fn delete_schema(&self, name: &str, owner: &str) -> Result<u32, StoreError> {
        let mut state = self.state.borrow_mut();
        let before = state.schemas.len();
        state
            .schemas
            .retain(|(n, _), s| n != name || s.owner != owner);
        Ok(u32::try_from(before - state.schemas.len()).unwrap_or(u32::MAX))
    }

    async fn transfer_schema(&self, name: &str, from: &str, to: &str) -> Result<(), StoreError> {
        let mut state = self.state.borrow_mut();
        let versions = || (name.to_owned(), 0)..=(name.to_owned(), u32::MAX);
        if !state
            .schemas
            .range(versions())
            .any(|(_, s)| s.owner == from)
        {
            return Err(transfer_lost(name, from));
        }
        let others = state
            .schemas
            .values()
            .filter(|s| s.version == 1 && s.owner == to && s.name != name)
            .count();
        if others >= MAX_SCHEMAS_PER_OWNER as usize {
            return Err(StoreError::LimitReached(cannot_receive(name, to)));
        }
        for (_, schema) in state.schemas.range_mut(versions()) {
            to.clone_into(&mut schema.owner);
        }
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
