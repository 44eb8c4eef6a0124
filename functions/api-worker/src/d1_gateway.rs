//! The gateway's control-plane store on D1 (binding `DB`; schema in `migrations/0020_gateway.sql`):
//! `synq_gateway::GatewayStore`. Routes and quota policies are kept as JSON documents, read and written
//! whole; analytics rows add up on conflict, so batches may land in any order.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use synq_core::EpochMillis;
use synq_gateway::analytics::{MAX_ROWS, RollupRow};
use synq_gateway::keys::ApiKey;
use synq_gateway::limit::QuotaPolicy;
use synq_gateway::routes::RouteConfig;
use synq_gateway::schema::SchemaVersion;
use synq_gateway::{GatewayStore, StoreError};
use worker::wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Env};

use crate::d1::{database, number, optional_number, rows_changed, text};

/// Analytics rows written per D1 batch (one transaction each).
const ANALYTICS_BATCH: usize = 50;

const KEY_COLUMNS: &str =
    "key_id, owner, name, scopes, hash, created_at, expires_at, revoked_at, replaced_by";
const SCHEMA_COLUMNS: &str = "name, version, hash, types, created_by, created_at";

pub(crate) struct D1Gateway {
    db: D1Database,
}

fn backend(e: worker::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn to_json(value: &impl serde::Serialize) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Backend(e.to_string()))
}

fn from_json<T: DeserializeOwned>(what: &str, json: &str) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
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
            created_at: EpochMillis(row.created_at),
        }
    }
}

impl D1Gateway {
    pub(crate) fn new(env: &Env) -> Result<Self, StoreError> {
        database(env)
            .map(|db| D1Gateway { db })
            .map_err(StoreError::Backend)
    }

    fn statement(
        &self,
        query: &str,
        params: &[JsValue],
    ) -> Result<D1PreparedStatement, StoreError> {
        self.db.prepare(query).bind(params).map_err(backend)
    }

    async fn first<T: DeserializeOwned>(
        &self,
        query: &str,
        params: &[JsValue],
    ) -> Result<Option<T>, StoreError> {
        self.statement(query, params)?
            .first(None)
            .await
            .map_err(backend)
    }

    async fn all<T: DeserializeOwned>(
        &self,
        query: &str,
        params: &[JsValue],
    ) -> Result<Vec<T>, StoreError> {
        self.statement(query, params)?
            .all()
            .await
            .and_then(|r| r.results())
            .map_err(backend)
    }

    /// Inserts `key` unless its id is taken (then nothing changes).
    fn insert_key_statement(&self, key: &ApiKey) -> Result<D1PreparedStatement, StoreError> {
        self.statement(
            &format!(
                "INSERT INTO gateway_keys ({KEY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
                 ON CONFLICT (key_id) DO NOTHING"
            ),
            &[
                text(&key.id),
                text(&key.owner),
                text(&key.name),
                text(&to_json(&key.scopes)?),
                text(&key.hash),
                number(key.created_at.0),
                optional_number(key.expires_at.map(|t| t.0)),
                optional_number(key.revoked_at.map(|t| t.0)),
                key.replaced_by.as_deref().map_or(JsValue::NULL, text),
            ],
        )
    }
}

fn conflict_unless_inserted(changed: usize, what: String) -> Result<(), StoreError> {
    if changed == 0 {
        Err(StoreError::Conflict(what))
    } else {
        Ok(())
    }
}

impl GatewayStore for D1Gateway {
    async fn insert_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        let result = self
            .insert_key_statement(key)?
            .run()
            .await
            .map_err(backend)?;
        conflict_unless_inserted(
            rows_changed(&result).map_err(backend)?,
            format!("key {}", key.id),
        )
    }

    async fn key(&self, id: &str) -> Result<Option<ApiKey>, StoreError> {
        let query = format!("SELECT {KEY_COLUMNS} FROM gateway_keys WHERE key_id = ?1");
        self.first::<KeyRow>(&query, &[text(id)])
            .await?
            .map(KeyRow::key)
            .transpose()
    }

    async fn keys_of(&self, owner: &str) -> Result<Vec<ApiKey>, StoreError> {
        let query = format!(
            "SELECT {KEY_COLUMNS} FROM gateway_keys WHERE owner = ?1 ORDER BY created_at, key_id"
        );
        let rows: Vec<KeyRow> = self.all(&query, &[text(owner)]).await?;
        rows.into_iter().map(KeyRow::key).collect()
    }

    async fn update_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        self.statement(
            "UPDATE gateway_keys SET expires_at = ?2, revoked_at = ?3, replaced_by = ?4 WHERE key_id = ?1",
            &[
                text(&key.id),
                optional_number(key.expires_at.map(|t| t.0)),
                optional_number(key.revoked_at.map(|t| t.0)),
                key.replaced_by.as_deref().map_or(JsValue::NULL, text),
            ],
        )?
        .run()
        .await
        .map(drop)
        .map_err(backend)
    }

    async fn rotate_key(&self, old: &ApiKey, new: &ApiKey) -> Result<(), StoreError> {
        // One batch is one transaction. The old key changes only if the new one went in (a taken id
        // holds another hash), so a clash leaves both as they were.
        let update_old = self.statement(
            "UPDATE gateway_keys SET expires_at = ?2, revoked_at = ?3, replaced_by = ?4 WHERE key_id = ?1 \
             AND EXISTS (SELECT 1 FROM gateway_keys WHERE key_id = ?4 AND hash = ?5)",
            &[
                text(&old.id),
                optional_number(old.expires_at.map(|t| t.0)),
                optional_number(old.revoked_at.map(|t| t.0)),
                text(&new.id),
                text(&new.hash),
            ],
        )?;
        let results = self
            .db
            .batch(vec![self.insert_key_statement(new)?, update_old])
            .await
            .map_err(backend)?;
        let inserted = match results.first() {
            Some(result) => rows_changed(result).map_err(backend)?,
            None => 0,
        };
        conflict_unless_inserted(inserted, format!("key {}", new.id))
    }

    async fn note_key_socket(
        &self,
        key_id: &str,
        session_id: &str,
        at: EpochMillis,
    ) -> Result<(), StoreError> {
        self.statement(
            "INSERT INTO gateway_key_sockets (key_id, session_id, opened_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (key_id, session_id) DO UPDATE SET opened_at = ?3",
            &[text(key_id), text(session_id), number(at.0)],
        )?
        .run()
        .await
        .map(drop)
        .map_err(backend)
    }

    async fn key_sockets(&self, key_id: &str) -> Result<Vec<String>, StoreError> {
        #[derive(Deserialize)]
        struct Row {
            session_id: String,
        }
        let rows: Vec<Row> = self
            .all(
                "SELECT session_id FROM gateway_key_sockets WHERE key_id = ?1 ORDER BY session_id",
                &[text(key_id)],
            )
            .await?;
        Ok(rows.into_iter().map(|r| r.session_id).collect())
    }

    async fn put_route(&self, route: &RouteConfig) -> Result<(), StoreError> {
        self.statement(
            "INSERT INTO gateway_routes (route_id, spec, created_at, updated_at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (route_id) DO UPDATE SET spec = ?2, updated_at = ?4",
            &[
                text(&route.id),
                text(&to_json(&route.spec)?),
                number(route.created_at.0),
                number(route.updated_at.0),
            ],
        )?
        .run()
        .await
        .map(drop)
        .map_err(backend)
    }

    async fn route(&self, id: &str) -> Result<Option<RouteConfig>, StoreError> {
        self.first::<RouteRow>(
            "SELECT route_id, spec, created_at, updated_at FROM gateway_routes WHERE route_id = ?1",
            &[text(id)],
        )
        .await?
        .map(RouteRow::route)
        .transpose()
    }

    async fn routes(&self) -> Result<Vec<RouteConfig>, StoreError> {
        let rows: Vec<RouteRow> = self
            .all(
                "SELECT route_id, spec, created_at, updated_at FROM gateway_routes \
                 ORDER BY created_at, route_id",
                &[],
            )
            .await?;
        rows.into_iter().map(RouteRow::route).collect()
    }

    async fn put_quota(&self, policy: &QuotaPolicy) -> Result<(), StoreError> {
        self.statement(
            "INSERT INTO gateway_quotas (principal, spec, updated_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (principal) DO UPDATE SET spec = ?2, updated_at = ?3",
            &[
                text(&policy.principal),
                text(&to_json(&policy.spec)?),
                number(policy.updated_at.0),
            ],
        )?
        .run()
        .await
        .map(drop)
        .map_err(backend)
    }

    async fn quota(&self, principal: &str) -> Result<Option<QuotaPolicy>, StoreError> {
        let row: Option<QuotaRow> = self
            .first(
                "SELECT principal, spec, updated_at FROM gateway_quotas WHERE principal = ?1",
                &[text(principal)],
            )
            .await?;
        row.map(|row| {
            Ok(QuotaPolicy {
                spec: from_json(&format!("quota of {}", row.principal), &row.spec)?,
                principal: row.principal,
                updated_at: EpochMillis(row.updated_at),
            })
        })
        .transpose()
    }

    async fn add_analytics(&self, rows: &[RollupRow]) -> Result<(), StoreError> {
        for chunk in rows.chunks(ANALYTICS_BATCH) {
            let statements = chunk
                .iter()
                .map(|row| {
                    self.statement(
                        "INSERT INTO gateway_analytics (minute, route, status, principal, count, \
                         latency_sum_ms, latency_max_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                         ON CONFLICT (minute, route, status, principal) DO UPDATE SET \
                         count = count + excluded.count, \
                         latency_sum_ms = latency_sum_ms + excluded.latency_sum_ms, \
                         latency_max_ms = MAX(latency_max_ms, excluded.latency_max_ms)",
                        &[
                            number(row.minute.0),
                            text(&row.route),
                            number(u64::from(row.status)),
                            text(&row.principal),
                            number(row.count),
                            number(row.latency_sum_ms),
                            number(row.latency_max_ms),
                        ],
                    )
                })
                .collect::<Result<Vec<_>, _>>()?;
            self.db.batch(statements).await.map_err(backend)?;
        }
        Ok(())
    }

    async fn analytics(
        &self,
        from: EpochMillis,
        to: EpochMillis,
        principal: Option<&str>,
    ) -> Result<Vec<RollupRow>, StoreError> {
        self.all(
            "SELECT minute, route, status, principal, count, latency_sum_ms, latency_max_ms \
             FROM gateway_analytics WHERE minute >= ?1 AND minute < ?2 AND (?3 IS NULL OR principal = ?3) \
             ORDER BY minute, route, status, principal LIMIT ?4",
            &[
                number(from.0),
                number(to.0),
                principal.map_or(JsValue::NULL, text),
                number(MAX_ROWS as u64),
            ],
        )
        .await
    }

    async fn insert_schema(&self, schema: &SchemaVersion) -> Result<(), StoreError> {
        let result = self
            .statement(
                &format!(
                    "INSERT INTO gateway_schemas ({SCHEMA_COLUMNS}, sdl) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                     ON CONFLICT (name, version) DO NOTHING"
                ),
                &[
                    text(&schema.name),
                    number(u64::from(schema.version)),
                    text(&schema.hash),
                    number(u64::from(schema.types)),
                    text(&schema.created_by),
                    number(schema.created_at.0),
                    text(&schema.sdl),
                ],
            )?
            .run()
            .await
            .map_err(backend)?;
        conflict_unless_inserted(
            rows_changed(&result).map_err(backend)?,
            format!("schema {} version {}", schema.name, schema.version),
        )
    }

    async fn latest_schema(&self, name: &str) -> Result<Option<SchemaVersion>, StoreError> {
        let query = format!(
            "SELECT {SCHEMA_COLUMNS}, sdl FROM gateway_schemas WHERE name = ?1 ORDER BY version DESC LIMIT 1"
        );
        let row: Option<SchemaRow> = self.first(&query, &[text(name)]).await?;
        Ok(row.map(SchemaVersion::from))
    }

    async fn schema(&self, name: &str, version: u32) -> Result<Option<SchemaVersion>, StoreError> {
        let query = format!(
            "SELECT {SCHEMA_COLUMNS}, sdl FROM gateway_schemas WHERE name = ?1 AND version = ?2"
        );
        let row: Option<SchemaRow> = self
            .first(&query, &[text(name), number(u64::from(version))])
            .await?;
        Ok(row.map(SchemaVersion::from))
    }

    async fn schemas(&self) -> Result<Vec<SchemaVersion>, StoreError> {
        let query = format!(
            "SELECT {SCHEMA_COLUMNS} FROM gateway_schemas s \
             WHERE version = (SELECT MAX(version) FROM gateway_schemas WHERE name = s.name) ORDER BY name"
        );
        let rows: Vec<SchemaRow> = self.all(&query, &[]).await?;
        Ok(rows.into_iter().map(SchemaVersion::from).collect())
    }
}
