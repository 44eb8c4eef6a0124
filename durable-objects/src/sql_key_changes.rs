//! The key changes a session was told lately (`synq_gateway::recent_key_changes`) on the Durable Object's
//! SQLite (table from `migrations/0007_told_key_changes.sql`).

use serde::Deserialize;
use synq_core::EpochMillis;
use synq_core::session::StoreError;
use synq_gateway::recent_key_changes::{REMEMBER_MS, Remembering, ToldChange};
use worker::console_warn;

use crate::sql_store::{SqlSessionStore, backend, int};

#[derive(Deserialize)]
struct ToldRow {
    change: String,
    told_at: u64,
}

impl ToldRow {
    fn decode(self) -> Result<ToldChange, StoreError> {
        Ok(ToldChange {
            change: serde_json::from_str(&self.change)
                .map_err(|e| StoreError::Corrupt(format!("told key change: {e}")))?,
            told_at: EpochMillis(self.told_at),
        })
    }
}

impl SqlSessionStore {
    /// Every change remembered (at most `MAX_REMEMBERED`, and any stale ones not yet forgotten). A row
    /// that does not decode is left out, not fatal: one bad row must not stop every later change from
    /// being remembered; it goes once stale ([`Self::remember_key_change`]).
    pub(crate) fn told_key_changes(&self) -> Result<Vec<ToldChange>, StoreError> {
        let rows =
            self.rows::<ToldRow>("SELECT change, told_at FROM told_key_changes", Vec::new())?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                row.decode()
                    .inspect_err(|e| console_warn!("session: skipping a told key change: {e}"))
                    .ok()
            })
            .collect())
    }

    /// The change remembered for `key_id`, if any (stale or not).
    pub(crate) fn told_key_change(&self, key_id: &str) -> Result<Option<ToldChange>, StoreError> {
        self.rows::<ToldRow>(
            "SELECT change, told_at FROM told_key_changes WHERE key_id = ?",
            vec![key_id.into()],
        )?
        .into_iter()
        .next()
        .map(ToldRow::decode)
        .transpose()
    }

    /// Stores what `synq_gateway::recent_key_changes::remember` decided, and drops every stale row (those
    /// `remember` could not read included).
    pub(crate) fn remember_key_change(&self, remembering: &Remembering) -> Result<(), StoreError> {
        let keep = &remembering.keep;
        self.sql
            .exec(
                "DELETE FROM told_key_changes WHERE told_at <= ?",
                vec![int(keep.told_at.0.saturating_sub(REMEMBER_MS))?],
            )
            .map_err(backend)?;
        let change = serde_json::to_string(&keep.change)
            .map_err(|e| StoreError::Backend(format!("told key change: {e}")))?;
        self.sql
            .exec(
                "INSERT OR REPLACE INTO told_key_changes (key_id, change, told_at) VALUES (?, ?, ?)",
                vec![
                    keep.change.key_id().into(),
                    change.into(),
                    int(keep.told_at.0)?,
                ],
            )
            .map_err(backend)?;
        for key_id in &remembering.forget {
            self.sql
                .exec(
                    "DELETE FROM told_key_changes WHERE key_id = ?",
                    vec![key_id.as_str().into()],
                )
                .map_err(backend)?;
        }
        Ok(())
    }
}
