//! Edits, undo and redo, catch-up, snapshots: everything that changes or replays the document.

use super::{Effect, Participant, SessionEngine, required_operation_id, to_everyone, with_entry};
use crate::error::{ApiError, ErrorCode};
use crate::ot::{EditOp, OtError, Priority, Step, transform};
use crate::protocol::{Envelope, MessageType, Operation};
use crate::rate::TokenBucket;
use crate::session::history::history_writes;
use crate::session::store::{EditKind, LoggedOp, Snapshot, StorageWrite};
use crate::units::{EpochMillis, Revision, utf16_len};

impl SessionEngine {
    /// Checks the role and reads the operation id; an id seen before gets its original ack back.
    pub(super) fn admit_change(
        &mut self,
        participant: &Participant,
        envelope: &Envelope,
        now: EpochMillis,
    ) -> Result<Result<(String, String), Vec<Effect>>, ApiError> {
        if !participant.role.can_edit() {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                format!("a {:?} cannot edit this session", participant.role).to_lowercase(),
            ));
        }
        let operation_id = required_operation_id(envelope.data.metadata.operation_id.clone())?;
        let key = (participant.user_id.clone(), operation_id);
        if let Some(revision) = self.applied.get(&key) {
            let ack = self.ack(participant, now, key.1, *revision, true);
            return Ok(Err(vec![Effect::Reply(ack)]));
        }
        if let Err(retry_after_ms) = self.take_edit_token(&participant.user_id, now) {
            let mut error = ApiError::new(
                ErrorCode::RateLimited,
                format!(
                    "at most {} edits a minute per user; nothing was applied",
                    self.config.edits_per_minute
                ),
            );
            error.retry_after_ms = Some(retry_after_ms);
            return Err(error);
        }
        Ok(Ok(key))
    }

    /// Takes one of `user_id`'s edit tokens; when none is left, how long until one is.
    pub(super) fn take_edit_token(&mut self, user_id: &str, now: EpochMillis) -> Result<(), u64> {
        let per_minute = self.config.edits_per_minute;
        with_entry(
            &mut self.edit_buckets,
            user_id,
            || TokenBucket::per_minute(per_minute, now),
            |bucket| bucket.take(now),
        )
    }

    pub(super) fn handle_edit(
        &mut self,
        participant: &Participant,
        envelope: &Envelope,
        now: EpochMillis,
    ) -> Result<Vec<Effect>, ApiError> {
        let op = envelope.data.operation.as_edit().ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidMessage,
                "an edit carries an `insert`, `delete` or `transform` operation",
            )
        })?;
        let key = match self.admit_change(participant, envelope, now)? {
            Ok(key) => key,
            Err(duplicate) => return Ok(duplicate),
        };
        let base = envelope.version.ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidMessage,
                "an edit needs `version`: the revision it was made against",
            )
        })?;
        let transformed = self.transform_onto_head(op, base)?;
        let (logged, mut effects, notices) = self.record(key, transformed, EditKind::Edit, now)?;
        effects.push(Effect::Reply(self.ack(
            participant,
            now,
            logged.operation_id.clone(),
            logged.revision,
            false,
        )));
        effects.push(Effect::Broadcast(self.edit_message(&logged)));
        effects.extend(notices.into_iter().flat_map(to_everyone));
        Ok(effects)
    }

    /// Undo reverts the user's last edit, transformed over every later edit (everyone's), so others'
    /// work stays; redo re-applies what the user's last undo reverted. Both become ordinary edits.
    pub(super) fn handle_undo(
        &mut self,
        participant: &Participant,
        envelope: &Envelope,
        now: EpochMillis,
        redo: bool,
    ) -> Result<Vec<Effect>, ApiError> {
        let expected = if redo { "redo" } else { "undo" };
        let matches = matches!(
            (&envelope.data.operation, redo),
            (Operation::Undo {}, false) | (Operation::Redo {}, true)
        );
        if !matches {
            return Err(ApiError::new(
                ErrorCode::InvalidMessage,
                format!("an `{expected}` message carries the `{expected}` operation"),
            ));
        }
        let key = match self.admit_change(participant, envelope, now)? {
            Ok(key) => key,
            Err(duplicate) => return Ok(duplicate),
        };
        let nothing = || {
            ApiError::new(
                ErrorCode::NothingToUndo,
                format!("nothing to {expected} within the kept history"),
            )
        };
        let target = self
            .stacks
            .top(&participant.user_id, redo)
            .ok_or_else(nothing)?;
        let oldest = self.oldest_base();
        if target <= oldest || target > self.revision {
            return Err(nothing());
        }
        let index = usize::try_from(target.0 - oldest.0 - 1).map_err(|_| nothing())?;
        let mut later = self.history.iter().skip(index);
        let reverted = later.next().ok_or_else(nothing)?;
        let op = later.fold(reverted.inverse.clone(), |op, done| {
            transform(&op, &done.op, Priority::Right).0
        });
        let kind = if redo {
            EditKind::Redo { of: target }
        } else {
            EditKind::Undo { of: target }
        };
        let (logged, mut effects, notices) = self.record(key, op, kind, now)?;
        // The sender learns the op like everyone else; the message's operation_id is its acknowledgement.
        effects.extend(to_everyone(self.edit_message(&logged)));
        effects.extend(notices.into_iter().flat_map(to_everyone));
        Ok(effects)
    }

    /// Applies an edit already transformed onto the head as the next revision, and returns it with
    /// the writes that must be persisted before anyone hears of it, and notices for everyone about
    /// comment threads it orphaned.
    pub(super) fn record(
        &mut self,
        (user_id, operation_id): (String, String),
        op: EditOp,
        kind: EditKind,
        now: EpochMillis,
    ) -> Result<(LoggedOp, Vec<Effect>, Vec<String>), ApiError> {
        self.check_growth(&op)?;
        let len_before = u32::try_from(self.text.len_utf16()).unwrap_or(u32::MAX);
        let inverse = self.text.apply_inverting(&op).map_err(out_of_range)?;
        self.revision = self.revision.next();
        let logged = LoggedOp {
            revision: self.revision,
            user_id,
            operation_id,
            op,
            inverse,
            kind,
            timestamp: now,
        };
        // The two views of the revision are stored together: one row.
        let (yjs, yjs_frame) = self.yjs_follow(&logged.op).unzip();
        let mut effects = vec![Effect::Persist(StorageWrite::AppendOp {
            op: logged.clone(),
            yjs,
        })];
        if self
            .revision
            .0
            .is_multiple_of(self.config.snapshot_every.max(1))
        {
            effects.extend(self.snapshot_writes(false));
        } else if self.snapshot_due.is_none() {
            // Snapshot a quiet session too, so a reload replays a short log (the alarm does it).
            self.snapshot_due = Some(EpochMillis(
                now.0.saturating_add(self.config.snapshot_idle_ms),
            ));
        }
        self.presence.shift(&logged.op, logged.revision);
        let mut notices = Vec::new();
        for thread in self.comments.shift(&logged.op, len_before, logged.revision) {
            notices.push(self.thread_message(&logged.user_id, now, &thread));
            effects.push(Effect::Persist(StorageWrite::PutComment(thread)));
        }
        self.remember(logged.clone());
        effects.extend(yjs_frame.map(Effect::BroadcastYjs));
        Ok((logged, effects, notices))
    }

    /// Adds an applied edit to the history (and the dedupe index and undo stacks), dropping the oldest.
    pub(super) fn remember(&mut self, logged: LoggedOp) {
        self.applied.insert(
            (logged.user_id.clone(), logged.operation_id.clone()),
            logged.revision,
        );
        self.stacks.track(&logged);
        self.history.push_back(logged);
        while self.history.len() > self.config.history_limit {
            if let Some(old) = self.history.pop_front() {
                self.stacks.forget(&old);
                self.applied.remove(&(old.user_id, old.operation_id));
            }
        }
    }

    /// The oldest revision an edit may be based on.
    pub(super) fn oldest_base(&self) -> Revision {
        Revision(self.revision.0 - self.history.len() as u64)
    }

    pub(super) fn check_base(&self, base: Revision) -> Result<usize, ApiError> {
        if base > self.revision {
            return Err(ApiError::new(
                ErrorCode::InvalidRevision,
                format!(
                    "revision {base} is ahead of the document (at {})",
                    self.revision
                ),
            ));
        }
        let oldest = self.oldest_base();
        if base < oldest {
            return Err(ApiError::new(
                ErrorCode::RevisionTooOld,
                format!(
                    "revision {base} is older than the kept history (from {oldest}); request a full_sync"
                ),
            ));
        }
        Ok(usize::try_from(base.0 - oldest.0).unwrap_or(usize::MAX))
    }

    pub(super) fn transform_onto_head(
        &self,
        op: EditOp,
        base: Revision,
    ) -> Result<EditOp, ApiError> {
        let skip = self.check_base(base)?;
        if op.len() > self.config.max_steps_per_edit {
            return Err(ApiError::new(
                ErrorCode::LimitExceeded,
                format!(
                    "an edit may have at most {} steps",
                    self.config.max_steps_per_edit
                ),
            ));
        }
        // Edits already in the history were ordered first, so they win ties.
        Ok(self
            .history
            .iter()
            .skip(skip)
            .fold(op, |op, done| transform(&op, &done.op, Priority::Right).0))
    }

    pub(super) fn check_growth(&self, op: &[Step]) -> Result<(), ApiError> {
        let inserted: usize = op
            .iter()
            .map(|s| match s {
                Step::Insert(insert) => utf16_len(&insert.content),
                Step::Delete(_) => 0,
            })
            .sum();
        if self.text.len_utf16().saturating_add(inserted) > self.config.max_document_utf16 {
            return Err(ApiError::new(
                ErrorCode::LimitExceeded,
                format!(
                    "the document may hold at most {} UTF-16 units",
                    self.config.max_document_utf16
                ),
            ));
        }
        Ok(())
    }

    /// The writes of a snapshot. `quiet` (the alarm, when nobody is waiting for a broadcast) also
    /// compacts the Yjs log; while people edit, only a long one is (`yjs_snapshot`).
    pub(super) fn snapshot_writes(&mut self, quiet: bool) -> Vec<Effect> {
        self.snapshot_revision = self.revision;
        self.snapshot_due = None;
        let snapshot = Snapshot {
            revision: self.revision,
            content: self.text.to_string(),
        };
        // The version history keeps some snapshots and compacts the op log behind them.
        let kept = history_writes(&snapshot, &self.config);
        let prune_before = kept.iter().find_map(|write| match write {
            StorageWrite::PruneOpsBefore(before) => Some(*before),
            _ => None,
        });
        let mut writes = vec![Effect::Persist(StorageWrite::PutSnapshot(snapshot))];
        // Before the pruning: the edits it drops carry Yjs updates only this snapshot may cover.
        writes.extend(self.yjs_snapshot(quiet, prune_before).map(Effect::Persist));
        writes.extend(kept.into_iter().map(Effect::Persist));
        // Threads are saved with their anchors as of the snapshot, so a reload only replays what follows.
        let threads = self.comments.all().cloned().map(StorageWrite::PutComment);
        writes.extend(threads.map(Effect::Persist));
        writes
    }

    pub(super) fn handle_sync(
        &self,
        participant: &Participant,
        envelope: &Envelope,
        now: EpochMillis,
    ) -> Result<Vec<Effect>, ApiError> {
        match envelope.data.operation {
            Operation::FullSyncRequest {} => {
                Ok(vec![Effect::Reply(self.full_sync(participant, now))])
            }
            Operation::CatchUp {} => {
                let since = envelope.version.ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::InvalidMessage,
                        "catch_up needs `version`: the last revision seen",
                    )
                })?;
                let skip = self.check_base(since)?;
                let mut effects: Vec<Effect> = self
                    .history
                    .iter()
                    .skip(skip)
                    .map(|op| Effect::Reply(self.edit_message(op)))
                    .collect();
                let done = self.message(
                    MessageType::Sync,
                    &participant.user_id,
                    now,
                    Operation::CaughtUp {
                        version: self.revision,
                    },
                );
                effects.push(Effect::Reply(done.to_json()));
                Ok(effects)
            }
            _ => Err(ApiError::new(
                ErrorCode::InvalidMessage,
                "a client's sync carries `full_sync_request` or `catch_up`",
            )),
        }
    }
}

fn out_of_range(error: OtError) -> ApiError {
    ApiError::new(ErrorCode::OutOfRange, error.to_string())
}
