//! The control-plane store over SQL (SQLite's dialect: D1 on Cloudflare, SQLite on Spin), written once:
//! every statement, how records become parameters, how rows become records, and what a result means
//! (a conflict, a rotation that did not happen). A platform adapter implements [`SqlDatabase`] — run a
//! statement, read rows, run a batch in one transaction — and translates values; nothing else. The schema
//! is `functions/api-worker/migrations/0020_gateway.sql`, `0021_gateway_key_sockets.sql` and
//! `0022_gateway_schema_owners.sql`.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use synq_core::EpochMillis;

use crate::analytics::{MAX_ROWS, RollupRow};
use crate::keys::ApiKey;
use crate::limit::QuotaPolicy;
use crate::routes::RouteConfig;
use crate::schema::{MAX_SCHEMAS_PER_OWNER, SchemaVersion, cannot_receive, too_many_names};
use crate::store::{
    GatewayStore, KEY_SOCKET_RETENTION_MS, StoreError, publish_lost, rotation_lost, transfer_lost,
    version_taken,
};

/// Analytics rows written per batch (one transaction each).
const ANALYTICS_BATCH: usize = 50;

const KEY_COLUMNS: &str =
    "key_id, owner, name, scopes, hash, created_at, expires_at, revoked_at, replaced_by";
const SCHEMA_COLUMNS: &str = "name, version, hash, types, created_by, owner, created_at";

/// A value bound to a statement's parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlValue {
    /// `NULL`.
    Null,
    /// An integer (epoch milliseconds, counts: below 2^53, so exact as a JavaScript number too).
    Integer(u64),
    /// Text.
    Text(String),
}

impl From<&str> for SqlValue {
    fn from(s: &str) -> Self {
        SqlValue::Text(s.to_owned())
    }
}

impl From<u64> for SqlValue {
    fn from(n: u64) -> Self {
        SqlValue::Integer(n)
    }
}

impl From<EpochMillis> for SqlValue {
    fn from(t: EpochMillis) -> Self {
        SqlValue::Integer(t.0)
    }
}

impl<T: Into<SqlValue>> From<Option<T>> for SqlValue {
    fn from(value: Option<T>) -> Self {
        value.map_or(SqlValue::Null, Into::into)
    }
}

/// A statement with its parameters (`?1`, `?2`, … in order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The SQL.
    pub sql: String,
    /// The parameters.
    pub params: Vec<SqlValue>,
}

impl Statement {
    fn new(sql: impl Into<String>, params: Vec<SqlValue>) -> Self {
        Statement {
            sql: sql.into(),
            params,
        }
    }
}

/// What a platform's SQL database does for [`SqlStore`]. Errors are the adapter's to translate
/// (`StoreError::Backend`).
#[allow(async_fn_in_trait)]
pub trait SqlDatabase {
    /// Runs `statement`; how many rows it changed.
    async fn execute(&self, statement: &Statement) -> Result<usize, StoreError>;
    /// The rows `statement` selects, each decoded by column name.
    async fn rows<T: DeserializeOwned>(&self, statement: &Statement) -> Result<Vec<T>, StoreError>;
    /// Runs `statements` in one transaction; how many rows each changed.
    async fn batch(&self, statements: &[Statement]) -> Result<Vec<usize>, StoreError>;
}

/// The gateway's store over any [`SqlDatabase`].
pub struct SqlStore<D>(pub D);

fn to_json(value: &impl serde::Serialize) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Backend(e.to_string()))
}

fn from_json<T: DeserializeOwned>(what: &str, json: &str) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn conflict_unless_inserted(changed: usize, what: String) -> Result<(), StoreError> {
    if changed == 0 {
        Err(StoreError::Conflict(what))
    } else {
        Ok(())
    }
}

#[derive(Deserialize)]
struct KeyRow {
    key_id: String,
    owner: String,
    name: String,
    scopes: String,
    hash: String,
    created_at: u64,
    expires_at: Option<u64>,
    revoked_at: Option<u64>,
    replaced_by: Option<String>,
}

impl KeyRow {
    fn key(self) -> Result<ApiKey, StoreError> {
        Ok(ApiKey {
            scopes: from_json(&format!("key {} scopes", self.key_id), &self.scopes)?,
            id: self.key_id,
            owner: self.owner,
            name: self.name,
            hash: self.hash,
            created_at: EpochMillis(self.created_at),
            expires_at: self.expires_at.map(EpochMillis),
            revoked_at: self.revoked_at.map(EpochMillis),
            replaced_by: self.replaced_by,
        })
    }
}

#[derive(Deserialize)]
struct RouteRow {
    route_id: String,
    spec: String,
    created_at: u64,
    updated_at: u64,
}

impl RouteRow {
    fn route(self) -> Result<RouteConfig, StoreError> {
        Ok(RouteConfig {
            spec: from_json(&format!("route {}", self.route_id), &self.spec)?,
            id: self.route_id,
            created_at: EpochMillis(self.created_at),
            updated_at: EpochMillis(self.updated_at),
        })
    }
}

#[derive(Deserialize)]
struct QuotaRow {
    principal: String,
    spec: String,
    updated_at: u64,
}

impl QuotaRow {
    fn policy(self) -> Result<QuotaPolicy, StoreError> {
        Ok(QuotaPolicy {
            spec: from_json(&format!("quota of {}", self.principal), &self.spec)?,
            principal: self.principal,
            updated_at: EpochMillis(self.updated_at),
        })
    }
}

/// A schema row; `sdl` is absent when only the summary was selected.
#[derive(Deserialize)]
struct SchemaRow {
    name: String,
    version: u32,
    #[serde(default)]
    sdl: String,
    hash: String,
    types: u32,
    created_by: String,
    owner: String,
    created_at: u64,
}

impl From<SchemaRow> for SchemaVersion {
    fn from(row: SchemaRow) -> Self {
        SchemaVersion {
            name: row.name,
            version: row.version,
            sdl: row.sdl,
            hash: row.hash,
            types: row.types,
            created_by: row.created_by,
            owner: row.owner,
            created_at: EpochMillis(row.created_at),
        }
    }
}

#[derive(Deserialize)]
struct SessionRow {
    session_id: String,
}

#[derive(Deserialize)]
struct CountRow {
    count: u64,
}

/// Inserts `key` unless its id is taken (then nothing changes).
fn insert_key(key: &ApiKey) -> Result<Statement, StoreError> {
    Ok(Statement::new(
        format!(
            "INSERT INTO gateway_keys ({KEY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
             ON CONFLICT (key_id) DO NOTHING"
        ),
        vec![
            key.id.as_str().into(),
            key.owner.as_str().into(),
            key.name.as_str().into(),
            to_json(&key.scopes)?.as_str().into(),
            key.hash.as_str().into(),
            key.created_at.into(),
            key.expires_at.into(),
            key.revoked_at.into(),
            key.replaced_by.as_deref().into(),
        ],
    ))
}

impl<D: SqlDatabase> SqlStore<D> {
    /// How many schema names `owner` owns (their version-1 rows).
    async fn names_owned(&self, owner: &str) -> Result<u64, StoreError> {
        let statement = Statement::new(
            "SELECT COUNT(*) AS count FROM gateway_schemas WHERE owner = ?1 AND version = 1",
            vec![owner.into()],
        );
        let row: Option<CountRow> = self.first(statement).await?;
        Ok(row.map_or(0, |r| r.count))
    }

    async fn first<T: DeserializeOwned>(
        &self,
        statement: Statement,
    ) -> Result<Option<T>, StoreError> {
        Ok(self.0.rows(&statement).await?.into_iter().next())
    }

    async fn all<T: DeserializeOwned>(&self, statement: Statement) -> Result<Vec<T>, StoreError> {
        self.0.rows(&statement).await
    }
}

impl<D: SqlDatabase> GatewayStore for SqlStore<D> {
    async fn insert_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        let changed = self.0.execute(&insert_key(key)?).await?;
        conflict_unless_inserted(changed, format!("key {}", key.id))
    }

    async fn key(&self, id: &str) -> Result<Option<ApiKey>, StoreError> {
        let query = format!("SELECT {KEY_COLUMNS} FROM gateway_keys WHERE key_id = ?1");
        self.first::<KeyRow>(Statement::new(query, vec![id.into()]))
            .await?
            .map(KeyRow::key)
            .transpose()
    }

    async fn keys_of(&self, owner: &str) -> Result<Vec<ApiKey>, StoreError> {
        let query = format!(
            "SELECT {KEY_COLUMNS} FROM gateway_keys WHERE owner = ?1 ORDER BY created_at, key_id"
        );
        let rows: Vec<KeyRow> = self.all(Statement::new(query, vec![owner.into()])).await?;
        rows.into_iter().map(KeyRow::key).collect()
    }

    async fn revoke_key(&self, id: &str, at: EpochMillis) -> Result<Option<ApiKey>, StoreError> {
        let statement = Statement::new(
            format!(
                "UPDATE gateway_keys SET revoked_at = COALESCE(revoked_at, ?2) WHERE key_id = ?1 \
                 RETURNING {KEY_COLUMNS}"
            ),
            vec![id.into(), at.into()],
        );
        self.first::<KeyRow>(statement)
            .await?
            .map(KeyRow::key)
            .transpose()
    }

    async fn rotate_key(&self, old: &ApiKey, new: &ApiKey) -> Result<(), StoreError> {
        // One batch is one transaction. The new key goes in unless its id is taken; the old one changes
        // only if the new one went in (a taken id holds another hash) and it is still neither revoked nor
        // rotated; if it is, the new key comes out again. Only the rotation's own columns are written, so
        // nothing read before can overwrite a concurrent revocation.
        let update_old = Statement::new(
            "UPDATE gateway_keys SET expires_at = ?2, replaced_by = ?3 WHERE key_id = ?1 \
             AND revoked_at IS NULL AND replaced_by IS NULL \
             AND EXISTS (SELECT 1 FROM gateway_keys WHERE key_id = ?3 AND hash = ?4)",
            vec![
                old.id.as_str().into(),
                old.expires_at.into(),
                new.id.as_str().into(),
                new.hash.as_str().into(),
            ],
        );
        let undo_new = Statement::new(
            "DELETE FROM gateway_keys WHERE key_id = ?1 AND hash = ?2 \
             AND NOT EXISTS (SELECT 1 FROM gateway_keys WHERE key_id = ?3 AND replaced_by = ?1)",
            vec![
                new.id.as_str().into(),
                new.hash.as_str().into(),
                old.id.as_str().into(),
            ],
        );
        let changed = self
            .0
            .batch(&[insert_key(new)?, update_old, undo_new])
            .await?;
        let inserted = changed.first().copied().unwrap_or(0);
        conflict_unless_inserted(inserted, format!("key {}", new.id))?;
        match changed.get(1).copied().unwrap_or(0) {
            0 => Err(rotation_lost(&old.id)),
            _ => Ok(()),
        }
    }

    async fn note_key_socket(
        &self,
        key_id: &str,
        session_id: &str,
        at: EpochMillis,
    ) -> Result<bool, StoreError> {
        let prune = Statement::new(
            "DELETE FROM gateway_key_sockets WHERE EXISTS (SELECT 1 FROM gateway_keys k \
             WHERE k.key_id = gateway_key_sockets.key_id \
             AND (k.revoked_at <= ?1 OR k.expires_at <= ?1))",
            vec![at.0.saturating_sub(KEY_SOCKET_RETENTION_MS).into()],
        );
        // Noted only while the stored key is usable: a copy cached before a revocation cannot open
        // sockets that the revocation would not reach.
        let note = Statement::new(
            "INSERT INTO gateway_key_sockets (key_id, session_id, opened_at) SELECT ?1, ?2, ?3 \
             WHERE EXISTS (SELECT 1 FROM gateway_keys WHERE key_id = ?1 AND revoked_at IS NULL \
             AND (expires_at IS NULL OR expires_at > ?3)) \
             ON CONFLICT (key_id, session_id) DO UPDATE SET opened_at = excluded.opened_at",
            vec![key_id.into(), session_id.into(), at.into()],
        );
        let changed = self.0.batch(&[prune, note]).await?;
        Ok(changed.get(1).is_some_and(|n| *n > 0))
    }

    async fn key_sockets(&self, key_id: &str) -> Result<Vec<String>, StoreError> {
        let statement = Statement::new(
            "SELECT session_id FROM gateway_key_sockets WHERE key_id = ?1 ORDER BY session_id",
            vec![key_id.into()],
        );
        let rows: Vec<SessionRow> = self.all(statement).await?;
        Ok(rows.into_iter().map(|r| r.session_id).collect())
    }

    async fn forget_key_sockets(&self, key_id: &str) -> Result<(), StoreError> {
        let statement = Statement::new(
            "DELETE FROM gateway_key_sockets WHERE key_id = ?1",
            vec![key_id.into()],
        );
        self.0.execute(&statement).await.map(drop)
    }

    async fn put_route(&self, route: &RouteConfig) -> Result<(), StoreError> {
        let statement = Statement::new(
            "INSERT INTO gateway_routes (route_id, spec, created_at, updated_at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (route_id) DO UPDATE SET spec = ?2, updated_at = ?4",
            vec![
                route.id.as_str().into(),
                to_json(&route.spec)?.as_str().into(),
                route.created_at.into(),
                route.updated_at.into(),
            ],
        );
        self.0.execute(&statement).await.map(drop)
    }

    async fn route(&self, id: &str) -> Result<Option<RouteConfig>, StoreError> {
        let statement = Statement::new(
            "SELECT route_id, spec, created_at, updated_at FROM gateway_routes WHERE route_id = ?1",
            vec![id.into()],
        );
        self.first::<RouteRow>(statement)
            .await?
            .map(RouteRow::route)
            .transpose()
    }

    async fn routes(&self) -> Result<Vec<RouteConfig>, StoreError> {
        let statement = Statement::new(
            "SELECT route_id, spec, created_at, updated_at FROM gateway_routes \
             ORDER BY created_at, route_id",
            Vec::new(),
        );
        let rows: Vec<RouteRow> = self.all(statement).await?;
        rows.into_iter().map(RouteRow::route).collect()
    }

    async fn put_quota(&self, policy: &QuotaPolicy) -> Result<(), StoreError> {
        let statement = Statement::new(
            "INSERT INTO gateway_quotas (principal, spec, updated_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (principal) DO UPDATE SET spec = ?2, updated_at = ?3",
            vec![
                policy.principal.as_str().into(),
                to_json(&policy.spec)?.as_str().into(),
                policy.updated_at.into(),
            ],
        );
        self.0.execute(&statement).await.map(drop)
    }

    async fn quota(&self, principal: &str) -> Result<Option<QuotaPolicy>, StoreError> {
        let statement = Statement::new(
            "SELECT principal, spec, updated_at FROM gateway_quotas WHERE principal = ?1",
            vec![principal.into()],
        );
        self.first::<QuotaRow>(statement)
            .await?
            .map(QuotaRow::policy)
            .transpose()
    }

    async fn add_analytics(&self, rows: &[RollupRow]) -> Result<(), StoreError> {
        for chunk in rows.chunks(ANALYTICS_BATCH) {
            let statements: Vec<Statement> = chunk
                .iter()
                .map(|row| {
                    Statement::new(
                        "INSERT INTO gateway_analytics (minute, route, status, principal, count, \
                         latency_sum_ms, latency_max_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                         ON CONFLICT (minute, route, status, principal) DO UPDATE SET \
                         count = count + excluded.count, \
                         latency_sum_ms = latency_sum_ms + excluded.latency_sum_ms, \
                         latency_max_ms = MAX(latency_max_ms, excluded.latency_max_ms)",
                        vec![
                            row.minute.into(),
                            row.route.as_str().into(),
                            u64::from(row.status).into(),
                            row.principal.as_str().into(),
                            row.count.into(),
                            row.latency_sum_ms.into(),
                            row.latency_max_ms.into(),
                        ],
                    )
                })
                .collect();
            self.0.batch(&statements).await?;
        }
        Ok(())
    }

    async fn analytics(
        &self,
        from: EpochMillis,
        to: EpochMillis,
        principal: Option<&str>,
    ) -> Result<Vec<RollupRow>, StoreError> {
        self.all(Statement::new(
            "SELECT minute, route, status, principal, count, latency_sum_ms, latency_max_ms \
             FROM gateway_analytics WHERE minute >= ?1 AND minute < ?2 AND (?3 IS NULL OR principal = ?3) \
             ORDER BY minute, route, status, principal LIMIT ?4",
            vec![
                from.into(),
                to.into(),
                principal.into(),
                (MAX_ROWS as u64).into(),
            ],
        ))
        .await
    }

    async fn publish_schema(&self, schema: &SchemaVersion) -> Result<(), StoreError> {
        // One statement, so the condition and the insert cannot be split by a concurrent publish: a first
        // version counts its owner's names, a later one needs the version before it under the same owner.
        let mut params = vec![
            schema.name.as_str().into(),
            u64::from(schema.version).into(),
            schema.hash.as_str().into(),
            u64::from(schema.types).into(),
            schema.created_by.as_str().into(),
            schema.owner.as_str().into(),
            schema.created_at.into(),
            schema.sdl.as_str().into(),
        ];
        let condition = if schema.version <= 1 {
            params.push(u64::from(MAX_SCHEMAS_PER_OWNER).into());
            "(SELECT COUNT(*) FROM gateway_schemas WHERE owner = ?6 AND version = 1) < ?9"
        } else {
            "EXISTS (SELECT 1 FROM gateway_schemas WHERE name = ?1 AND version = ?2 - 1 AND owner = ?6)"
        };
        let statement = Statement::new(
            format!(
                "INSERT INTO gateway_schemas ({SCHEMA_COLUMNS}, sdl) \
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE {condition} \
                 ON CONFLICT (name, version) DO NOTHING"
            ),
            params,
        );
        if self.0.execute(&statement).await? > 0 {
            return Ok(());
        }
        // Nothing went in; reading now tells which condition failed. A name deleted in between makes a
        // first version read as taken (it was), never as past the cap it was not.
        let taken = self.schema(&schema.name, schema.version).await?.is_some();
        if schema.version > 1 {
            Err(if taken {
                version_taken(schema)
            } else {
                publish_lost(schema)
            })
        } else if taken || self.names_owned(&schema.owner).await? < u64::from(MAX_SCHEMAS_PER_OWNER)
        {
            Err(version_taken(schema))
        } else {
            Err(StoreError::LimitReached(too_many_names(&schema.owner)))
        }
    }

    async fn delete_schema(&self, name: &str, owner: &str) -> Result<u32, StoreError> {
        // Every version carries the owner, so one statement deletes the whole name, and only if it is
        // still the owner's the caller checked.
        let statement = Statement::new(
            "DELETE FROM gateway_schemas WHERE name = ?1 AND owner = ?2",
            vec![name.into(), owner.into()],
        );
        let deleted = self.0.execute(&statement).await?;
        Ok(u32::try_from(deleted).unwrap_or(u32::MAX))
    }

    async fn transfer_schema(&self, name: &str, from: &str, to: &str) -> Result<(), StoreError> {
        // One statement: the condition (still `from`'s; `to` below the cap, not counting this name, so the
        // rows it rewrites cannot change the count) and the rewrite of every version's owner.
        let statement = Statement::new(
            "UPDATE gateway_schemas SET owner = ?3 WHERE name = ?1 AND owner = ?2 \
             AND (SELECT COUNT(*) FROM gateway_schemas \
                  WHERE owner = ?3 AND version = 1 AND name <> ?1) < ?4",
            vec![
                name.into(),
                from.into(),
                to.into(),
                u64::from(MAX_SCHEMAS_PER_OWNER).into(),
            ],
        );
        if self.0.execute(&statement).await? > 0 {
            return Ok(());
        }
        // Nothing changed: tell why from what is stored now.
        match self.latest_schema(name).await? {
            Some(latest) if latest.owner == from => {
                Err(StoreError::LimitReached(cannot_receive(name, to)))
            }
            _ => Err(transfer_lost(name, from)),
        }
    }

    async fn latest_schema(&self, name: &str) -> Result<Option<SchemaVersion>, StoreError> {
        let query = format!(
            "SELECT {SCHEMA_COLUMNS}, sdl FROM gateway_schemas WHERE name = ?1 ORDER BY version DESC LIMIT 1"
        );
        let row: Option<SchemaRow> = self.first(Statement::new(query, vec![name.into()])).await?;
        Ok(row.map(SchemaVersion::from))
    }

    async fn schema(&self, name: &str, version: u32) -> Result<Option<SchemaVersion>, StoreError> {
        let query = format!(
            "SELECT {SCHEMA_COLUMNS}, sdl FROM gateway_schemas WHERE name = ?1 AND version = ?2"
        );
        let params = vec![name.into(), u64::from(version).into()];
        let row: Option<SchemaRow> = self.first(Statement::new(query, params)).await?;
        Ok(row.map(SchemaVersion::from))
    }

    async fn schemas(&self) -> Result<Vec<SchemaVersion>, StoreError> {
        let query = format!(
            "SELECT {SCHEMA_COLUMNS} FROM gateway_schemas s \
             WHERE version = (SELECT MAX(version) FROM gateway_schemas WHERE name = s.name) ORDER BY name"
        );
        let rows: Vec<SchemaRow> = self.all(Statement::new(query, Vec::new())).await?;
        Ok(rows.into_iter().map(SchemaVersion::from).collect())
    }
}
