//! Version history: what a session's storage keeps beyond the in-memory transform window, the rule that
//! compacts it, and the reads over it — a page of edits, the document at a revision, the edits since a
//! revision (for merges), named checkpoints.
//!
//! What is kept (with `every` = `snapshot_every`, `R` = `history_retention`):
//! - every edit (author, time, revision, operation) of the last `R` revisions, rounded down to `every`;
//! - a snapshot of the text every `every` revisions over the same span (and the one a branch starts from);
//! - every named checkpoint's document, whatever else goes.
//!
//! So the document at any revision of the last `R` comes from the nearest snapshot plus at most
//! `every − 1` replayed edits, and at a checkpoint's revision from the checkpoint. Anything older is
//! answered with `REVISION_TOO_OLD` naming the earliest revision still available.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::config::SessionConfig;
use super::engine::SessionEngine;
use super::store::{LoggedOp, MemoryStore, Snapshot, StorageWrite, StoreError};
use crate::error::{ApiError, ErrorCode};
use crate::ot::TextBuffer;
use crate::units::{EpochMillis, Revision};

/// Longest checkpoint name, in characters.
pub const MAX_CHECKPOINT_NAME_CHARS: usize = 100;
/// Most named checkpoints one session keeps: each holds a whole document and compaction never removes
/// them, so this is what bounds a session's storage.
pub const MAX_CHECKPOINTS: usize = 100;
/// A history page ends early once its edits (with their inverses) carry this much text, whatever its
/// `limit`: a page stays a few MiB of JSON even when every edit is a large paste.
pub const HISTORY_PAGE_TEXT_UTF16: usize = 1 << 20;

/// A named checkpoint, without its document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckpointInfo {
    /// Unique within the session.
    pub name: String,
    /// The revision it names.
    pub revision: Revision,
    /// Who made it.
    pub created_by: String,
    /// When.
    pub created_at: EpochMillis,
}

/// A named checkpoint and the document at its revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Name, revision, author, time.
    #[serde(flatten)]
    pub info: CheckpointInfo,
    /// The document at `info.revision`.
    pub content: String,
}

/// Reads over a session's kept history (DO SQLite on Cloudflare, memory in tests).
pub trait HistoryStore {
    /// Logged edits with `from <= revision <= to`, oldest first, at most `limit` of them.
    fn ops_between(
        &self,
        from: Revision,
        to: Revision,
        limit: usize,
    ) -> Result<Vec<LoggedOp>, StoreError>;
    /// The revision of the oldest logged edit, if any is logged.
    fn first_logged(&self) -> Result<Option<Revision>, StoreError>;
    /// The newest kept snapshot at or before `at`.
    fn snapshot_at_or_before(&self, at: Revision) -> Result<Option<Snapshot>, StoreError>;
    /// The revision of the oldest kept snapshot at or after `at`.
    fn snapshot_revision_from(&self, at: Revision) -> Result<Option<Revision>, StoreError>;
    /// Every checkpoint, by revision then name.
    fn checkpoints(&self) -> Result<Vec<CheckpointInfo>, StoreError>;
    /// The checkpoint called `name`.
    fn checkpoint(&self, name: &str) -> Result<Option<Checkpoint>, StoreError>;
    /// The checkpoint with the highest revision at or before `at`.
    fn checkpoint_at_or_before(&self, at: Revision) -> Result<Option<Checkpoint>, StoreError>;
}

/// The writes that keep the history and compact it, for a snapshot just taken: at every
/// `snapshot_every`-th revision the snapshot is kept, and edits and snapshots older than the retained
/// span are dropped (down to a kept snapshot, so every revision after it can still be rebuilt).
pub(crate) fn history_writes(snapshot: &Snapshot, config: &SessionConfig) -> Vec<StorageWrite> {
    let every = config.snapshot_every.max(1);
    let head = snapshot.revision.0;
    if head == 0 || !head.is_multiple_of(every) {
        return Vec::new();
    }
    let mut writes = vec![StorageWrite::KeepSnapshot(snapshot.clone())];
    let floor = compaction_floor(snapshot.revision, config).0;
    if floor > 0 {
        // The snapshot at `floor` stays: it rebuilds `floor` and everything after it.
        writes.push(StorageWrite::PruneOpsBefore(Revision(floor + 1)));
        writes.push(StorageWrite::PruneSnapshotsBefore(Revision(floor)));
    }
    writes
}

/// The oldest revision compaction keeps rebuildable at `head`: `history_retention` back (never less
/// than the transform window and one snapshot interval), rounded down to a kept snapshot.
pub fn compaction_floor(head: Revision, config: &SessionConfig) -> Revision {
    let every = config.snapshot_every.max(1);
    let window = u64::try_from(config.history_limit).unwrap_or(u64::MAX);
    let retention = config.history_retention.max(window.saturating_add(every));
    let back = head.0.saturating_sub(retention);
    Revision(back - back % every)
}

fn storage(e: StoreError) -> ApiError {
    ApiError::new(
        ErrorCode::Internal,
        format!("reading the session history failed: {e}"),
    )
}

/// The oldest revision whose document can still be rebuilt (checkpoints aside): where the op log starts,
/// from the empty document or a kept snapshot.
pub fn earliest_document(store: &impl HistoryStore, head: Revision) -> Result<Revision, ApiError> {
    let Some(first) = store.first_logged().map_err(storage)? else {
        return Ok(head);
    };
    if first.0 == 1 {
        return Ok(Revision(0));
    }
    Ok(store
        .snapshot_revision_from(Revision(first.0 - 1))
        .map_err(storage)?
        .unwrap_or(head))
}

fn ahead(at: Revision, head: Revision) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidRevision,
        format!("revision {at} is ahead of the document (at {head})"),
    )
}

/// The document at revision `at`: the current text, a checkpoint's, or the nearest kept snapshot (or the
/// empty document the session started from) with the logged edits after it replayed.
pub fn document_at(
    engine: &SessionEngine,
    store: &impl HistoryStore,
    at: Revision,
) -> Result<Snapshot, ApiError> {
    let head = engine.revision();
    if at > head {
        return Err(ahead(at, head));
    }
    if at == head {
        return Ok(Snapshot {
            revision: head,
            content: engine.text(),
        });
    }
    let snapshot = store.snapshot_at_or_before(at).map_err(storage)?;
    let checkpoint = store
        .checkpoint_at_or_before(at)
        .map_err(storage)?
        .map(|c| Snapshot {
            revision: c.info.revision,
            content: c.content,
        });
    let started_empty = store.first_logged().map_err(storage)? == Some(Revision(1));
    let empty = started_empty.then(|| Snapshot {
        revision: Revision(0),
        content: String::new(),
    });
    let base = [snapshot, checkpoint, empty]
        .into_iter()
        .flatten()
        .max_by_key(|s| s.revision);
    if let Some(base) = base {
        let replay = store
            .ops_between(base.revision.next(), at, usize::MAX)
            .map_err(storage)?;
        if replay.len() as u64 == at.0 - base.revision.0 {
            let mut text = TextBuffer::new(&base.content);
            for op in &replay {
                text.apply(&op.op).map_err(|e| {
                    storage(StoreError::Corrupt(format!(
                        "logged revision {} does not apply: {e}",
                        op.revision
                    )))
                })?;
            }
            return Ok(Snapshot {
                revision: at,
                content: text.to_string(),
            });
        }
    }
    let earliest = earliest_document(store, head)?;
    Err(ApiError::new(
        ErrorCode::RevisionTooOld,
        format!(
            "revision {at} is no longer kept: the earliest document available is revision {earliest} \
             (checkpoints keep their own revisions)"
        ),
    )
    .with_earliest_revision(earliest))
}

/// One page of logged edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryPage {
    /// Edits oldest first.
    pub edits: Vec<LoggedOp>,
    /// Where the next page starts, if the range goes on.
    pub next: Option<Revision>,
}

/// Logged edits from revision `from` (default: the oldest kept) to `to` (default and at most: the
/// current revision), at most `limit` of them.
pub fn history_page(
    engine: &SessionEngine,
    store: &impl HistoryStore,
    from: Option<Revision>,
    to: Option<Revision>,
    limit: usize,
) -> Result<HistoryPage, ApiError> {
    let head = engine.revision();
    let first = store
        .first_logged()
        .map_err(storage)?
        .unwrap_or(head.next());
    let from = from.unwrap_or(first);
    let to = to.unwrap_or(head).min(head);
    if from.0 == 0 {
        return Err(ApiError::new(
            ErrorCode::InvalidMessage,
            "`from` is a revision made by an edit: 1 or more",
        )
        .with_field("from"));
    }
    if from < first && from <= to {
        return Err(ApiError::new(
            ErrorCode::RevisionTooOld,
            format!("the edit of revision {from} is no longer kept: the oldest kept is {first}"),
        )
        .with_earliest_revision(first));
    }
    if from > to {
        return Ok(HistoryPage {
            edits: Vec::new(),
            next: None,
        });
    }
    let mut edits = store
        .ops_between(from, to, limit.saturating_add(1))
        .map_err(storage)?;
    let cut = limit.min(within_page_text(&edits));
    let next = edits.get(cut).map(|op| op.revision);
    edits.truncate(cut);
    Ok(HistoryPage { edits, next })
}

/// How many of the leading `edits` fit in one page's text budget; at least one, so paging always moves on.
fn within_page_text(edits: &[LoggedOp]) -> usize {
    let mut carried = 0usize;
    let over = edits.iter().position(|op| {
        carried += op
            .op
            .iter()
            .chain(&op.inverse)
            .map(|step| step.insert_len() as usize)
            .sum::<usize>();
        carried > HISTORY_PAGE_TEXT_UTF16
    });
    over.map_or(edits.len(), |i| i.max(1))
}

/// Every logged edit after `base` up to the current revision; `REVISION_TOO_OLD` if the log no longer
/// reaches back to `base`.
pub fn edits_since(
    engine: &SessionEngine,
    store: &impl HistoryStore,
    base: Revision,
) -> Result<Vec<LoggedOp>, ApiError> {
    let head = engine.revision();
    if base > head {
        return Err(ahead(base, head));
    }
    let edits = store
        .ops_between(base.next(), head, usize::MAX)
        .map_err(storage)?;
    if edits.len() as u64 != head.0 - base.0 {
        let earliest = store
            .first_logged()
            .map_err(storage)?
            .map_or(head, |r| Revision(r.0 - 1));
        return Err(ApiError::new(
            ErrorCode::RevisionTooOld,
            format!(
                "the edits after revision {base} are no longer kept: they are kept after revision {earliest}"
            ),
        )
        .with_earliest_revision(earliest));
    }
    Ok(edits)
}

/// A checkpoint `name` of the document at `at` (default: now), and the write that saves it; the name
/// must be new.
pub fn new_checkpoint(
    engine: &SessionEngine,
    store: &impl HistoryStore,
    name: &str,
    at: Option<Revision>,
    created_by: &str,
    now: EpochMillis,
) -> Result<(CheckpointInfo, StorageWrite), ApiError> {
    let chars = name.chars().count();
    if name.trim().is_empty()
        || chars > MAX_CHECKPOINT_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(ApiError::new(
            ErrorCode::InvalidMessage,
            format!(
                "a checkpoint name is 1 to {MAX_CHECKPOINT_NAME_CHARS} characters, not blank, without control characters"
            ),
        )
        .with_field("name"));
    }
    if store.checkpoints().map_err(storage)?.len() >= MAX_CHECKPOINTS {
        return Err(ApiError::new(
            ErrorCode::LimitExceeded,
            format!("a session keeps at most {MAX_CHECKPOINTS} checkpoints"),
        ));
    }
    if store.checkpoint(name).map_err(storage)?.is_some() {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!("this session already has a checkpoint named `{name}`"),
        )
        .with_field("name"));
    }
    let document = document_at(engine, store, at.unwrap_or(engine.revision()))
        .map_err(|e| e.with_field("revision"))?;
    let info = CheckpointInfo {
        name: name.to_owned(),
        revision: document.revision,
        created_by: created_by.to_owned(),
        created_at: now,
    };
    let checkpoint = Checkpoint {
        info: info.clone(),
        content: document.content,
    };
    Ok((info, StorageWrite::PutCheckpoint(checkpoint)))
}

/// The kept snapshots and checkpoints of a [`MemoryStore`].
#[derive(Debug, Default)]
pub(crate) struct RetainedHistory {
    snapshots: BTreeMap<Revision, String>,
    checkpoints: BTreeMap<String, Checkpoint>,
}

impl RetainedHistory {
    pub(crate) fn write(&mut self, write: &StorageWrite) {
        match write {
            StorageWrite::KeepSnapshot(s) => {
                self.snapshots.insert(s.revision, s.content.clone());
            }
            StorageWrite::PruneSnapshotsBefore(floor) => {
                self.snapshots.retain(|revision, _| revision >= floor);
            }
            StorageWrite::PutCheckpoint(c) => {
                self.checkpoints.insert(c.info.name.clone(), c.clone());
            }
            _ => {}
        }
    }
}

impl HistoryStore for MemoryStore {
    fn ops_between(
        &self,
        from: Revision,
        to: Revision,
        limit: usize,
    ) -> Result<Vec<LoggedOp>, StoreError> {
        let logged = self.logged();
        let mut ops: Vec<LoggedOp> = logged
            .iter()
            .filter(|op| op.revision >= from && op.revision <= to)
            .cloned()
            .collect();
        ops.sort_by_key(|op| op.revision);
        ops.truncate(limit);
        Ok(ops)
    }

    fn first_logged(&self) -> Result<Option<Revision>, StoreError> {
        Ok(self.logged().iter().map(|op| op.revision).min())
    }

    fn snapshot_at_or_before(&self, at: Revision) -> Result<Option<Snapshot>, StoreError> {
        let retained = self.retained();
        Ok(retained
            .snapshots
            .range(..=at)
            .next_back()
            .map(|(revision, content)| Snapshot {
                revision: *revision,
                content: content.clone(),
            }))
    }

    fn snapshot_revision_from(&self, at: Revision) -> Result<Option<Revision>, StoreError> {
        Ok(self
            .retained()
            .snapshots
            .range(at..)
            .next()
            .map(|(r, _)| *r))
    }

    fn checkpoints(&self) -> Result<Vec<CheckpointInfo>, StoreError> {
        let mut all: Vec<CheckpointInfo> = self
            .retained()
            .checkpoints
            .values()
            .map(|c| c.info.clone())
            .collect();
        all.sort_by(|a, b| (a.revision, &a.name).cmp(&(b.revision, &b.name)));
        Ok(all)
    }

    fn checkpoint(&self, name: &str) -> Result<Option<Checkpoint>, StoreError> {
        Ok(self.retained().checkpoints.get(name).cloned())
    }

    fn checkpoint_at_or_before(&self, at: Revision) -> Result<Option<Checkpoint>, StoreError> {
        Ok(self
            .retained()
            .checkpoints
            .values()
            .filter(|c| c.info.revision <= at)
            .max_by_key(|c| c.info.revision)
            .cloned())
    }
}
