//! The session store on the Durable Object's SQLite (`state.storage().sql()`, synchronous).

use serde::Deserialize;
use synq_core::session::{
    LoggedOp, SessionStore, Snapshot, StorageWrite, StoreError, StoredSession,
};
use synq_core::{EpochMillis, Revision};
use worker::{SqlStorage, SqlStorageValue};

const SCHEMA: &str = include_str!("../migrations/0001_session.sql");

/// One session's op log and snapshot in its DO's SQLite.
pub(crate) struct SqlSessionStore {
    sql: SqlStorage,
}

#[derive(Deserialize)]
struct OpRow {
    revision: u64,
    user_id: String,
    operation_id: String,
    op: String,
    timestamp: u64,
}

#[derive(Deserialize)]
struct SnapshotRow {
    revision: u64,
    content: String,
}

fn backend(e: worker::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn int(n: u64) -> Result<SqlStorageValue, StoreError> {
    i64::try_from(n)
        .map(SqlStorageValue::from)
        .map_err(|_| StoreError::Backend(format!("{n} does not fit in SQLite's INTEGER")))
}

impl SqlSessionStore {
    /// Wraps the DO's SQL storage, creating the tables if needed.
    pub(crate) fn open(sql: SqlStorage) -> Result<Self, StoreError> {
        sql.exec(SCHEMA, None).map_err(backend)?;
        Ok(SqlSessionStore { sql })
    }
}

impl SessionStore for SqlSessionStore {
    fn load(&self) -> Result<StoredSession, StoreError> {
        let snapshot = self
            .sql
            .exec("SELECT revision, content FROM snapshot WHERE id = 1", None)
            .and_then(|c| c.to_array::<SnapshotRow>())
            .map_err(backend)?
            .into_iter()
            .next()
            .map(|row| Snapshot {
                revision: Revision(row.revision),
                content: row.content,
            });
        let rows = self
            .sql
            .exec(
                "SELECT revision, user_id, operation_id, op, timestamp FROM ops ORDER BY revision",
                None,
            )
            .and_then(|c| c.to_array::<OpRow>())
            .map_err(backend)?;
        let ops = rows
            .into_iter()
            .map(|row| {
                let op = serde_json::from_str(&row.op).map_err(|e| {
                    StoreError::Corrupt(format!("op at revision {}: {e}", row.revision))
                })?;
                Ok(LoggedOp {
                    revision: Revision(row.revision),
                    user_id: row.user_id,
                    operation_id: row.operation_id,
                    op,
                    timestamp: EpochMillis(row.timestamp),
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(StoredSession { snapshot, ops })
    }

    fn write(&self, write: &StorageWrite) -> Result<(), StoreError> {
        let (query, params) = match write {
            StorageWrite::AppendOp(op) => {
                let json = serde_json::to_string(&op.op)
                    .map_err(|e| StoreError::Backend(e.to_string()))?;
                (
                    "INSERT INTO ops (revision, user_id, operation_id, op, timestamp) VALUES (?, ?, ?, ?, ?)",
                    vec![
                        int(op.revision.0)?,
                        op.user_id.as_str().into(),
                        op.operation_id.as_str().into(),
                        json.into(),
                        int(op.timestamp.0)?,
                    ],
                )
            }
            StorageWrite::PutSnapshot(s) => (
                "INSERT OR REPLACE INTO snapshot (id, revision, content) VALUES (1, ?, ?)",
                vec![int(s.revision.0)?, s.content.as_str().into()],
            ),
            StorageWrite::PruneOpsBefore(rev) => {
                ("DELETE FROM ops WHERE revision < ?", vec![int(rev.0)?])
            }
        };
        self.sql.exec(query, params).map(|_| ()).map_err(backend)
    }
}
