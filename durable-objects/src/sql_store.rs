//! The session store on the Durable Object's SQLite (`state.storage().sql()`, synchronous).

use serde::Deserialize;
use synq_core::protocol::SessionStatus;
use synq_core::session::{
    Lifecycle, LoggedOp, SessionStore, Snapshot, StorageWrite, StoreError, StoredSession,
    StoredYjs, YjsSnapshot, YjsUpdate,
};
use synq_core::{EpochMillis, Revision};
use worker::{SqlStorage, SqlStorageValue};

/// Schema migrations in order; each runs once, recorded in `schema_migrations`.
const MIGRATIONS: [(i64, &str); 8] = [
    (1, include_str!("../migrations/0001_session.sql")),
    (2, include_str!("../migrations/0002_undo.sql")),
    (3, include_str!("../migrations/0003_comments.sql")),
    (4, include_str!("../migrations/0004_lifecycle.sql")),
    (5, include_str!("../migrations/0005_history.sql")),
    (6, include_str!("../migrations/0006_yjs.sql")),
    (7, include_str!("../migrations/0007_told_key_changes.sql")),
    (8, include_str!("../migrations/0008_yjs_on_ops.sql")),
];

/// The columns of an `ops` row, in [`OpRow`]'s order.
pub(crate) const OP_COLUMNS: &str = "revision, user_id, operation_id, op, inverse, kind, timestamp";

/// One session's op log and snapshot in its DO's SQLite.
pub(crate) struct SqlSessionStore {
    pub(crate) sql: SqlStorage,
    /// How many of the latest logged edits a reload needs besides those after the snapshot (the
    /// engine's transform window); the rest of the log is history, read on demand.
    reload_window: u64,
}

#[derive(Deserialize)]
pub(crate) struct OpRow {
    revision: u64,
    user_id: String,
    operation_id: String,
    op: String,
    inverse: String,
    kind: String,
    timestamp: u64,
}

#[derive(Deserialize)]
struct LifecycleRow {
    status: String,
    last_activity: u64,
}

#[derive(Deserialize)]
pub(crate) struct SnapshotRow {
    pub(crate) revision: u64,
    pub(crate) content: String,
}

pub(crate) fn backend(e: worker::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

impl OpRow {
    pub(crate) fn decode(self) -> Result<LoggedOp, StoreError> {
        let revision = self.revision;
        let corrupt =
            |e: serde_json::Error| StoreError::Corrupt(format!("op at revision {revision}: {e}"));
        Ok(LoggedOp {
            revision: Revision(self.revision),
            op: serde_json::from_str(&self.op).map_err(corrupt)?,
            inverse: serde_json::from_str(&self.inverse).map_err(corrupt)?,
            kind: serde_json::from_str(&self.kind).map_err(corrupt)?,
            user_id: self.user_id,
            operation_id: self.operation_id,
            timestamp: EpochMillis(self.timestamp),
        })
    }
}

pub(crate) fn int(n: u64) -> Result<SqlStorageValue, StoreError> {
    i64::try_from(n)
        .map(SqlStorageValue::from)
        .map_err(|_| StoreError::Backend(format!("{n} does not fit in SQLite's INTEGER")))
}

/// The status as its wire name (`"active"`), stored as plain text.
fn status_name(status: SessionStatus) -> Result<SqlStorageValue, StoreError> {
    match serde_json::to_value(status) {
        Ok(serde_json::Value::String(name)) => Ok(name.into()),
        other => Err(StoreError::Backend(format!(
            "status did not serialise to a name: {other:?}"
        ))),
    }
}

fn json(value: &impl serde::Serialize) -> Result<SqlStorageValue, StoreError> {
    serde_json::to_string(value)
        .map(SqlStorageValue::from)
        .map_err(|e| StoreError::Backend(e.to_string()))
}

impl SqlSessionStore {
    /// Wraps the DO's SQL storage, applying the migrations it has not seen; reloads read the edits after
    /// the snapshot and the last `reload_window` ones.
    pub(crate) fn open(sql: SqlStorage, reload_window: u64) -> Result<Self, StoreError> {
        #[derive(Deserialize)]
        struct Applied {
            version: i64,
        }
        sql.exec(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)",
            None,
        )
        .map_err(backend)?;
        let applied: Vec<Applied> = sql
            .exec("SELECT version FROM schema_migrations", None)
            .and_then(|c| c.to_array())
            .map_err(backend)?;
        for (version, script) in MIGRATIONS {
            if applied.iter().any(|a| a.version == version) {
                continue;
            }
            sql.exec(script, None).map_err(backend)?;
            sql.exec(
                "INSERT INTO schema_migrations (version) VALUES (?)",
                vec![SqlStorageValue::from(version)],
            )
            .map_err(backend)?;
        }
        Ok(SqlSessionStore { sql, reload_window })
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
        let query = format!(
            "SELECT {OP_COLUMNS} FROM ops WHERE revision > MIN( \
               COALESCE((SELECT revision FROM snapshot WHERE id = 1), 0), \
               COALESCE((SELECT MAX(revision) FROM ops), 0) - ?) \
             ORDER BY revision"
        );
        let ops = self
            .sql
            .exec(&query, vec![int(self.reload_window)?])
            .and_then(|c| c.to_array::<OpRow>())
            .map_err(backend)?
            .into_iter()
            .map(OpRow::decode)
            .collect::<Result<_, StoreError>>()?;
        #[derive(Deserialize)]
        struct ThreadRow {
            thread: String,
        }
        let comments = self
            .sql
            .exec("SELECT thread FROM comments", None)
            .and_then(|c| c.to_array::<ThreadRow>())
            .map_err(backend)?
            .into_iter()
            .map(|row| {
                serde_json::from_str(&row.thread)
                    .map_err(|e| StoreError::Corrupt(format!("comment thread: {e}")))
            })
            .collect::<Result<_, StoreError>>()?;
        let lifecycle = self
            .sql
            .exec(
                "SELECT status, last_activity FROM lifecycle WHERE id = 1",
                None,
            )
            .and_then(|c| c.to_array::<LifecycleRow>())
            .map_err(backend)?
            .into_iter()
            .next()
            .map(|row| {
                let status = serde_json::Value::String(row.status);
                Ok::<_, StoreError>(Lifecycle {
                    status: serde_json::from_value(status)
                        .map_err(|e| StoreError::Corrupt(format!("lifecycle status: {e}")))?,
                    last_activity: EpochMillis(row.last_activity),
                })
            })
            .transpose()?;
        Ok(StoredSession {
            snapshot,
            ops,
            comments,
            lifecycle,
            yjs: self.load_yjs()?,
        })
    }

    fn write(&self, write: &StorageWrite) -> Result<(), StoreError> {
        let (query, params) = match write {
            StorageWrite::AppendYjsUpdate(u) => (
                "INSERT OR REPLACE INTO yjs_updates (seq, update_v1) VALUES (?, ?)",
                vec![int(u.seq)?, u.update.clone().into()],
            ),
            StorageWrite::PutYjsSnapshot(snapshot) => {
                self.sql
                    .exec(
                        "INSERT OR REPLACE INTO yjs_snapshot (id, through_seq, state_v1, through_revision) \
                         VALUES (1, ?, ?, ?)",
                        vec![
                            int(snapshot.through_seq)?,
                            snapshot.state.clone().into(),
                            int(snapshot.revision.0)?,
                        ],
                    )
                    .map_err(backend)?;
                (
                    "DELETE FROM yjs_updates WHERE seq <= ?",
                    vec![int(snapshot.through_seq)?],
                )
            }
            StorageWrite::AppendOp { op, yjs } => (
                "INSERT INTO ops (revision, user_id, operation_id, op, inverse, kind, timestamp, \
                 yjs_seq, yjs_update) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                vec![
                    int(op.revision.0)?,
                    op.user_id.as_str().into(),
                    op.operation_id.as_str().into(),
                    json(&op.op)?,
                    json(&op.inverse)?,
                    json(&op.kind)?,
                    int(op.timestamp.0)?,
                    match yjs {
                        Some(u) => int(u.seq)?,
                        None => SqlStorageValue::Null,
                    },
                    match yjs {
                        Some(u) => u.update.clone().into(),
                        None => SqlStorageValue::Null,
                    },
                ],
            ),
            StorageWrite::PutSnapshot(s) => (
                "INSERT OR REPLACE INTO snapshot (id, revision, content) VALUES (1, ?, ?)",
                vec![int(s.revision.0)?, s.content.as_str().into()],
            ),
            StorageWrite::PutComment(thread) => (
                "INSERT OR REPLACE INTO comments (comment_id, thread) VALUES (?, ?)",
                vec![thread.comment_id.as_str().into(), json(thread)?],
            ),
            StorageWrite::DeleteComment(id) => (
                "DELETE FROM comments WHERE comment_id = ?",
                vec![id.as_str().into()],
            ),
            StorageWrite::PutLifecycle(lifecycle) => (
                "INSERT OR REPLACE INTO lifecycle (id, status, last_activity) VALUES (1, ?, ?)",
                vec![
                    status_name(lifecycle.status)?,
                    int(lifecycle.last_activity.0)?,
                ],
            ),
            StorageWrite::PruneOpsBefore(rev) => {
                ("DELETE FROM ops WHERE revision < ?", vec![int(rev.0)?])
            }
            StorageWrite::KeepSnapshot(s) => (
                "INSERT OR REPLACE INTO history_snapshots (revision, content) VALUES (?, ?)",
                vec![int(s.revision.0)?, s.content.as_str().into()],
            ),
            StorageWrite::PruneSnapshotsBefore(rev) => (
                "DELETE FROM history_snapshots WHERE revision < ?",
                vec![int(rev.0)?],
            ),
            StorageWrite::PutCheckpoint(c) => (
                "INSERT OR REPLACE INTO checkpoints (name, revision, content, created_by, created_at) \
                 VALUES (?, ?, ?, ?, ?)",
                vec![
                    c.info.name.as_str().into(),
                    int(c.info.revision.0)?,
                    c.content.as_str().into(),
                    c.info.created_by.as_str().into(),
                    int(c.info.created_at.0)?,
                ],
            ),
        };
        self.sql.exec(query, params).map(|_| ()).map_err(backend)
    }
}

impl SqlSessionStore {
    /// The Yjs snapshot and the updates logged after it: those that are no revision, and those stored
    /// on the op rows of revisions after the snapshot's (blobs come back as raw rows).
    fn load_yjs(&self) -> Result<StoredYjs, StoreError> {
        let rows = |query: &str| -> Result<Vec<Vec<SqlStorageValue>>, StoreError> {
            let cursor = self.sql.exec(query, None).map_err(backend)?;
            cursor.raw().map(|row| row.map_err(backend)).collect()
        };
        let number = |value: &SqlStorageValue| match value {
            SqlStorageValue::Integer(n) => u64::try_from(*n).ok(),
            _ => None,
        };
        let snapshot = match rows(
            "SELECT through_seq, state_v1, COALESCE(through_revision, 0) FROM yjs_snapshot WHERE id = 1",
        )?
        .as_slice()
        {
            [] => None,
            [row] => match row.as_slice() {
                [through_seq, SqlStorageValue::Blob(state), revision] => Some(YjsSnapshot {
                    through_seq: number(through_seq).ok_or_else(|| corrupt_yjs(row))?,
                    revision: Revision(number(revision).ok_or_else(|| corrupt_yjs(row))?),
                    state: state.clone(),
                }),
                _ => return Err(corrupt_yjs(row)),
            },
            more => return Err(StoreError::Corrupt(format!("{} Yjs snapshots", more.len()))),
        };
        let updates = rows(
            "SELECT seq, update_v1 FROM yjs_updates \
             UNION ALL \
             SELECT yjs_seq, yjs_update FROM ops WHERE yjs_seq IS NOT NULL AND revision > \
               COALESCE((SELECT through_revision FROM yjs_snapshot WHERE id = 1), 0) \
             ORDER BY 1",
        )?
        .iter()
        .map(|row| match row.as_slice() {
            [seq, SqlStorageValue::Blob(update)] => Ok(YjsUpdate {
                seq: number(seq).ok_or_else(|| corrupt_yjs(row))?,
                update: update.clone(),
            }),
            _ => Err(corrupt_yjs(row)),
        })
        .collect::<Result<_, _>>()?;
        Ok(StoredYjs { snapshot, updates })
    }
}

fn corrupt_yjs(row: &[SqlStorageValue]) -> StoreError {
    StoreError::Corrupt(format!("Yjs row {row:?}"))
}
