//! The session store on the Durable Object's SQLite (`state.storage().sql()`, synchronous).

use serde::Deserialize;
use synq_core::protocol::SessionStatus;
use synq_core::session::{
    Lifecycle, LoggedOp, SessionStore, Snapshot, StorageWrite, StoreError, StoredSession,
    StoredYjs, YjsSnapshot, YjsUpdate,
};
use synq_core::{EpochMillis, Revision};
use worker::wasm_bindgen::prelude::wasm_bindgen;
use worker::wasm_bindgen::{self, JsValue};
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

/// An edit, with the Yjs update of its revision when the session has a Yjs document (else NULLs).
const APPEND_OP: &str = "INSERT INTO ops (revision, user_id, operation_id, op, inverse, kind, timestamp, \
     yjs_seq, yjs_update) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
/// Compaction: edits before a revision go, with the Yjs updates on their rows (the engine snapshots the
/// Yjs document first when some of those are not in its snapshot yet).
const PRUNE_OPS_BEFORE: &str = "DELETE FROM ops WHERE revision < ?";
/// A change of the Yjs document that is no revision.
const APPEND_YJS_UPDATE: &str = "INSERT OR REPLACE INTO yjs_updates (seq, update_v1) VALUES (?, ?)";
/// The Yjs snapshot, through a seq, taken at a revision.
const PUT_YJS_SNAPSHOT: &str = "INSERT OR REPLACE INTO yjs_snapshot (id, through_seq, state_v1, through_revision) \
     VALUES (1, ?, ?, ?)";
/// What a new Yjs snapshot includes leaves the log (updates on op rows go with their edits).
const DROP_SNAPSHOTTED_YJS_UPDATES: &str = "DELETE FROM yjs_updates WHERE seq <= ?";
const YJS_SNAPSHOT: &str =
    "SELECT through_seq, state_v1, COALESCE(through_revision, 0) FROM yjs_snapshot WHERE id = 1";
/// The logged updates a reload applies after the snapshot, in order: those that are no revision, and those
/// on the op rows of revisions after the snapshot's (every row, once, after a snapshot from before 0008).
const YJS_UPDATES_AFTER_SNAPSHOT: &str = "SELECT seq, update_v1 FROM yjs_updates \
     UNION ALL \
     SELECT yjs_seq, yjs_update FROM ops WHERE yjs_seq IS NOT NULL AND revision > \
       COALESCE((SELECT through_revision FROM yjs_snapshot WHERE id = 1), 0) \
     ORDER BY 1";

/// One session's op log and snapshot in its DO's SQLite.
pub(crate) struct SqlSessionStore {
    pub(crate) sql: SqlStorage,
    /// How many of the latest logged edits a reload needs besides those after the snapshot (the
    /// engine's transform window); the rest of the log is history, read on demand.
    reload_window: u64,
    /// [`APPEND_OP`] as a JavaScript string, made once: it is run at every edit.
    append_op_query: JsValue,
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
    json_text(value).map(SqlStorageValue::from)
}

fn json_text(value: &impl serde::Serialize) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Backend(e.to_string()))
}

/// `n` as a JavaScript number, which holds integers exactly up to 2^53.
fn exact(n: u64) -> Result<f64, StoreError> {
    const MAX_EXACT: u64 = 1 << 53;
    match n <= MAX_EXACT {
        true => Ok(n as f64),
        false => Err(StoreError::Backend(format!(
            "{n} is past the integers a JavaScript number holds exactly"
        ))),
    }
}

#[wasm_bindgen(module = "/src/append_op.js")]
extern "C" {
    /// Runs `query` with an edit's nine column values (`yjs_seq` undefined: no Yjs update).
    #[wasm_bindgen(js_name = appendOp, catch)]
    #[allow(clippy::too_many_arguments)]
    fn append_op(
        sql: &JsValue,
        query: &JsValue,
        revision: f64,
        user_id: &str,
        operation_id: &str,
        op: &str,
        inverse: &str,
        kind: &str,
        timestamp: f64,
        yjs_seq: Option<f64>,
        yjs_update: &[u8],
    ) -> Result<(), JsValue>;
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
        Ok(SqlSessionStore {
            sql,
            reload_window,
            append_op_query: JsValue::from_str(APPEND_OP),
        })
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
                APPEND_YJS_UPDATE,
                vec![int(u.seq)?, u.update.clone().into()],
            ),
            StorageWrite::PutYjsSnapshot(snapshot) => {
                self.sql
                    .exec(
                        PUT_YJS_SNAPSHOT,
                        vec![
                            int(snapshot.through_seq)?,
                            snapshot.state.clone().into(),
                            int(snapshot.revision.0)?,
                        ],
                    )
                    .map_err(backend)?;
                (
                    DROP_SNAPSHOTTED_YJS_UPDATES,
                    vec![int(snapshot.through_seq)?],
                )
            }
            StorageWrite::AppendOp { op, yjs } => return self.append_op(op, yjs.as_ref()),
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
            StorageWrite::PruneOpsBefore(rev) => (PRUNE_OPS_BEFORE, vec![int(rev.0)?]),
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
    /// An edit and its revision's Yjs update, as one row, through `append_op.js` (one call from wasm).
    fn append_op(&self, op: &LoggedOp, yjs: Option<&YjsUpdate>) -> Result<(), StoreError> {
        append_op(
            self.sql.as_ref(),
            &self.append_op_query,
            exact(op.revision.0)?,
            &op.user_id,
            &op.operation_id,
            &json_text(&op.op)?,
            &json_text(&op.inverse)?,
            &json_text(&op.kind)?,
            exact(op.timestamp.0)?,
            yjs.map(|u| exact(u.seq)).transpose()?,
            yjs.map_or(&[], |u| u.update.as_slice()),
        )
        .map_err(|e| backend(e.into()))
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
        // At most one row: `id` is the key and always 1.
        let snapshot = rows(YJS_SNAPSHOT)?
            .first()
            .map(|row| match row.as_slice() {
                [through_seq, SqlStorageValue::Blob(state), revision] => Ok(YjsSnapshot {
                    through_seq: number(through_seq).ok_or_else(|| corrupt_yjs(row))?,
                    revision: Revision(number(revision).ok_or_else(|| corrupt_yjs(row))?),
                    state: state.clone(),
                }),
                _ => Err(corrupt_yjs(row)),
            })
            .transpose()?;
        let updates = rows(YJS_UPDATES_AFTER_SNAPSHOT)?
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

#[cfg(test)]
mod tests {
    //! The Yjs statements on SQLite (the runtime's engine) with the real migrations: the SQL the Durable
    //! Object runs, from a session stored before migration 0008 through edits, a snapshot and compaction.

    use rusqlite::{Connection, params};

    use super::*;

    fn migrated(up_to: usize) -> Connection {
        let db = Connection::open_in_memory().unwrap();
        for (_, script) in &MIGRATIONS[..up_to] {
            db.execute_batch(script).unwrap();
        }
        db
    }

    fn edit(db: &Connection, revision: i64, yjs: Option<(i64, &[u8])>) {
        let (seq, update) = yjs.unzip();
        db.execute(
            APPEND_OP,
            params![
                revision,
                "u",
                format!("o{revision}"),
                "[]",
                "[]",
                "{}",
                0,
                seq,
                update
            ],
        )
        .unwrap();
    }

    fn reloaded_updates(db: &Connection) -> Vec<(i64, Vec<u8>)> {
        let mut query = db.prepare(YJS_UPDATES_AFTER_SNAPSHOT).unwrap();
        let rows = query.query_map([], |row| Ok((row.get(0)?, row.get(1)?)));
        rows.unwrap().map(Result::unwrap).collect()
    }

    fn snapshot(db: &Connection, through_seq: i64, revision: i64) {
        db.execute(
            PUT_YJS_SNAPSHOT,
            params![through_seq, b"state".as_slice(), revision],
        )
        .unwrap();
        db.execute(DROP_SNAPSHOTTED_YJS_UPDATES, params![through_seq])
            .unwrap();
    }

    #[test]
    fn a_session_stored_before_0008_keeps_its_yjs_log_and_new_edits_join_it() {
        // Before 0008: three edits, their updates in yjs_updates, a snapshot through seq 1.
        let db = migrated(7);
        for revision in 1..=3 {
            db.execute(
                "INSERT INTO ops (revision, user_id, operation_id, op, inverse, kind, timestamp) \
                 VALUES (?, 'u', ?, '[]', '[]', '{}', 0)",
                params![revision, format!("o{revision}")],
            )
            .unwrap();
            db.execute(
                APPEND_YJS_UPDATE,
                params![revision, format!("old{revision}").as_bytes()],
            )
            .unwrap();
        }
        db.execute(
            "INSERT INTO yjs_snapshot (id, through_seq, state_v1) VALUES (1, 1, x'00')",
            [],
        )
        .unwrap();
        db.execute(DROP_SNAPSHOTTED_YJS_UPDATES, params![1])
            .unwrap();
        db.execute_batch(MIGRATIONS[7].1).unwrap();
        let snapshot: (i64, i64) = db
            .query_row(YJS_SNAPSHOT, [], |row| Ok((row.get(0)?, row.get(2)?)))
            .unwrap();
        assert_eq!(
            snapshot,
            (1, 0),
            "an old snapshot's revision reads as unknown"
        );
        assert_eq!(
            reloaded_updates(&db),
            [(2, b"old2".to_vec()), (3, b"old3".to_vec())]
        );

        // After it: two edits with their updates on their rows, and an update that is no revision.
        edit(&db, 4, Some((4, b"new4")));
        edit(&db, 5, Some((5, b"new5")));
        db.execute(APPEND_YJS_UPDATE, params![6, b"other6".as_slice()])
            .unwrap();
        edit(&db, 6, None);
        let seqs: Vec<i64> = reloaded_updates(&db)
            .into_iter()
            .map(|(seq, _)| seq)
            .collect();
        assert_eq!(seqs, [2, 3, 4, 5, 6], "both sources, in log order");
    }

    #[test]
    fn a_snapshot_covers_the_updates_on_rows_up_to_its_revision_and_pruning_takes_only_those() {
        let db = migrated(MIGRATIONS.len());
        for revision in 1..=4 {
            edit(
                &db,
                revision,
                Some((revision, format!("u{revision}").as_bytes())),
            );
        }
        snapshot(&db, 4, 4);
        edit(&db, 5, Some((5, b"u5")));
        db.execute(APPEND_YJS_UPDATE, params![6, b"other6".as_slice()])
            .unwrap();
        edit(&db, 6, Some((7, b"u7")));
        assert_eq!(
            reloaded_updates(&db),
            [
                (5, b"u5".to_vec()),
                (6, b"other6".to_vec()),
                (7, b"u7".to_vec())
            ]
        );
        // Compaction up to the snapshot's revision loses nothing a reload needs.
        db.execute(PRUNE_OPS_BEFORE, params![5]).unwrap();
        assert_eq!(reloaded_updates(&db).len(), 3);
    }
}
