//! The gateway's control-plane store on D1 (binding `DB`; schema in `migrations/0020_gateway.sql`,
//! `0021_gateway_key_sockets.sql` and `0022_gateway_schema_owners.sql`): the core's `SqlStore` (every
//! statement and row mapping) over D1. Only translation lives here: parameters to JavaScript values, D1's
//! results to rows and change counts.

use serde::de::DeserializeOwned;
use synq_gateway::StoreError;
use synq_gateway::sql_store::{SqlDatabase, SqlStore, SqlValue, Statement};
use worker::wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Env};

use crate::d1::{database, number, rows_changed, text};

/// The store the Worker uses.
pub(crate) type D1Gateway = SqlStore<D1Sql>;

/// D1 as the core's `SqlDatabase`.
pub(crate) struct D1Sql {
    db: D1Database,
}

/// The store over the `DB` binding.
pub(crate) fn open(env: &Env) -> Result<D1Gateway, StoreError> {
    database(env)
        .map(|db| SqlStore(D1Sql { db }))
        .map_err(StoreError::Backend)
}

fn backend(e: worker::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn value(value: &SqlValue) -> JsValue {
    match value {
        SqlValue::Null => JsValue::NULL,
        SqlValue::Integer(n) => number(*n),
        SqlValue::Text(s) => text(s),
    }
}

impl D1Sql {
    fn prepare(&self, statement: &Statement) -> Result<D1PreparedStatement, StoreError> {
        let params: Vec<JsValue> = statement.params.iter().map(value).collect();
        self.db
            .prepare(&statement.sql)
            .bind(&params)
            .map_err(backend)
    }
}

impl SqlDatabase for D1Sql {
    async fn execute(&self, statement: &Statement) -> Result<usize, StoreError> {
        let result = self.prepare(statement)?.run().await.map_err(backend)?;
        rows_changed(&result).map_err(backend)
    }

    async fn rows<T: DeserializeOwned>(&self, statement: &Statement) -> Result<Vec<T>, StoreError> {
        self.prepare(statement)?
            .all()
            .await
            .and_then(|r| r.results())
            .map_err(backend)
    }

    async fn batch(&self, statements: &[Statement]) -> Result<Vec<usize>, StoreError> {
        let prepared = statements
            .iter()
            .map(|s| self.prepare(s))
            .collect::<Result<Vec<_>, _>>()?;
        let results = self.db.batch(prepared).await.map_err(backend)?;
        results
            .iter()
            .map(|r| rows_changed(r).map_err(backend))
            .collect()
    }
}
