//! The version-history reads on the Durable Object's SQLite: the op log, the kept snapshots and the
//! checkpoints (tables from `migrations/0005_history.sql`).

use serde::Deserialize;
use serde::de::DeserializeOwned;
use synq_core::session::{
    Checkpoint, CheckpointInfo, HistoryStore, LoggedOp, Snapshot, StoreError,
};
use synq_core::{EpochMillis, Revision};
use worker::SqlStorageValue;

use crate::sql_store::{OP_COLUMNS, OpRow, SnapshotRow, SqlSessionStore, backend, int};

#[derive(Deserialize)]
struct CheckpointRow {
    name: String,
    revision: u64,
    created_by: String,
    created_at: u64,
    #[serde(default)]
    content: Option<String>,
}

impl CheckpointRow {
    fn info(&self) -> CheckpointInfo {
        CheckpointInfo {
            name: self.name.clone(),
            revision: Revision(self.revision),
            created_by: self.created_by.clone(),
            created_at: EpochMillis(self.created_at),
        }
    }

    fn checkpoint(self) -> Checkpoint {
        Checkpoint {
            info: self.info(),
            content: self.content.unwrap_or_default(),
        }
    }
}

#[derive(Deserialize)]
struct RevisionRow {
    revision: Option<u64>,
}

impl SqlSessionStore {
    pub(crate) fn rows<T: DeserializeOwned>(
        &self,
        query: &str,
        params: Vec<SqlStorageValue>,
    ) -> Result<Vec<T>, StoreError> {
        self.sql
            .exec(query, params)
            .and_then(|c| c.to_array::<T>())
            .map_err(backend)
    }

    fn revision(&self, query: &str, at: Option<Revision>) -> Result<Option<Revision>, StoreError> {
        let params = at.map(|r| int(r.0)).transpose()?.into_iter().collect();
        Ok(self
            .rows::<RevisionRow>(query, params)?
            .into_iter()
            .next()
            .and_then(|row| row.revision)
            .map(Revision))
    }

    fn checkpoint_where(
        &self,
        condition: &str,
        param: SqlStorageValue,
    ) -> Result<Option<Checkpoint>, StoreError> {
        let query = format!(
            "SELECT name, revision, created_by, created_at, content FROM checkpoints \
             WHERE {condition} ORDER BY revision DESC, name LIMIT 1"
        );
        Ok(self
            .rows::<CheckpointRow>(&query, vec![param])?
            .into_iter()
            .next()
            .map(CheckpointRow::checkpoint))
    }
}

impl HistoryStore for SqlSessionStore {
    fn ops_between(
        &self,
        from: Revision,
        to: Revision,
        limit: usize,
    ) -> Result<Vec<LoggedOp>, StoreError> {
        let query = format!(
            "SELECT {OP_COLUMNS} FROM ops WHERE revision >= ? AND revision <= ? ORDER BY revision LIMIT ?"
        );
        // SQLite's LIMIT is a signed 64-bit number; "no limit" is its maximum.
        let limit = int(u64::try_from(limit)
            .unwrap_or(u64::MAX)
            .min(i64::MAX as u64))?;
        self.rows::<OpRow>(&query, vec![int(from.0)?, int(to.0)?, limit])?
            .into_iter()
            .map(OpRow::decode)
            .collect()
    }

    fn first_logged(&self) -> Result<Option<Revision>, StoreError> {
        self.revision("SELECT MIN(revision) AS revision FROM ops", None)
    }

    fn snapshot_at_or_before(&self, at: Revision) -> Result<Option<Snapshot>, StoreError> {
        Ok(self
            .rows::<SnapshotRow>(
                "SELECT revision, content FROM history_snapshots WHERE revision <= ? \
                 ORDER BY revision DESC LIMIT 1",
                vec![int(at.0)?],
            )?
            .into_iter()
            .next()
            .map(|row| Snapshot {
                revision: Revision(row.revision),
                content: row.content,
            }))
    }

    fn snapshot_revision_from(&self, at: Revision) -> Result<Option<Revision>, StoreError> {
        self.revision(
            "SELECT MIN(revision) AS revision FROM history_snapshots WHERE revision >= ?",
            Some(at),
        )
    }

    fn checkpoints(&self) -> Result<Vec<CheckpointInfo>, StoreError> {
        Ok(self
            .rows::<CheckpointRow>(
                "SELECT name, revision, created_by, created_at FROM checkpoints ORDER BY revision, name",
                Vec::new(),
            )?
            .iter()
            .map(CheckpointRow::info)
            .collect())
    }

    fn checkpoint(&self, name: &str) -> Result<Option<Checkpoint>, StoreError> {
        self.checkpoint_where("name = ?", name.into())
    }

    fn checkpoint_at_or_before(&self, at: Revision) -> Result<Option<Checkpoint>, StoreError> {
        self.checkpoint_where("revision <= ?", int(at.0)?)
    }
}
