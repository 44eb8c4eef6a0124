//! The session's life in the engine: activity, the alarm that snapshots, closes idle connections and
//! archives a quiet session, and an owner's `reopen`.

use super::{CLOSE_IDLE, Effect, Participant, SessionEngine};
use crate::auth::Role;
use crate::error::{ApiError, ErrorCode};
use crate::protocol::{MessageType, Operation, SessionStatus};
use crate::session::store::StorageWrite;
use crate::units::EpochMillis;

impl SessionEngine {
    /// Records that `participant` did something at `now`: the session's activity (persisted when its
    /// status moves or the stored time is a minute stale) and the connection's `last_seen`.
    pub(super) fn note_activity(
        &mut self,
        participant: &Participant,
        now: EpochMillis,
    ) -> Vec<Effect> {
        let mut effects = Vec::new();
        if self.lifecycle.touch(now, self.config.archive_after_ms) {
            effects.push(Effect::Persist(StorageWrite::PutLifecycle(self.lifecycle)));
        }
        let idle_timeout_ms = self.config.idle_timeout_ms;
        if let Some(presence) =
            self.presence
                .touch(&participant.connection_id, now, idle_timeout_ms)
        {
            effects.push(Effect::KeepPresence(presence));
        }
        effects
    }

    /// Refuses changes to an archived session.
    pub(super) fn require_open(&self) -> Result<(), ApiError> {
        if self.lifecycle.status == SessionStatus::Archived {
            return Err(ApiError::new(
                ErrorCode::SessionArchived,
                "this session was archived after a day without activity and is read-only; an owner \
                 reopens it with a `reopen` sync message",
            ));
        }
        Ok(())
    }

    /// An owner reopens an archived session; everyone is told it is active again.
    pub(super) fn handle_reopen(
        &mut self,
        participant: &Participant,
        now: EpochMillis,
    ) -> Result<Vec<Effect>, ApiError> {
        if participant.role != Role::Owner {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                "only an owner can reopen a session",
            ));
        }
        if self.lifecycle.status == SessionStatus::Active {
            return Ok(vec![Effect::Reply(
                self.status_message(&participant.user_id, now),
            )]);
        }
        self.lifecycle.reopen(now);
        self.deadlines_added = true;
        let status = self.status_message(&participant.user_id, now);
        Ok(vec![
            Effect::Persist(StorageWrite::PutLifecycle(self.lifecycle)),
            Effect::Reply(status.clone()),
            Effect::Broadcast(status),
        ])
    }

    /// The `session_status` message.
    pub(super) fn status_message(&self, user_id: &str, now: EpochMillis) -> String {
        let status = Operation::SessionStatus {
            status: self.lifecycle.status,
        };
        self.message(MessageType::Sync, user_id, now, status)
            .to_json()
    }

    /// The alarm fired: snapshot what is unsnapshotted and due, close idle connections, archive a quiet
    /// session, and ask for the next alarm.
    pub fn on_alarm(&mut self, now: EpochMillis) -> Vec<Effect> {
        self.alarm_at = None;
        let mut effects = Vec::new();
        let snapshot_due = self.snapshot_due.is_none_or(|at| now >= at);
        if self.revision != self.snapshot_revision && snapshot_due {
            effects.extend(self.snapshot_writes(true));
        }
        for participant in self.presence.idle(now, self.config.idle_timeout_ms) {
            effects.extend(self.drop_connection(&participant, now, CLOSE_IDLE, "idle"));
        }
        if self
            .lifecycle
            .archive_if_due(now, self.config.archive_after_ms)
        {
            effects.push(Effect::Persist(StorageWrite::PutLifecycle(self.lifecycle)));
            effects.push(Effect::Broadcast(self.status_message("", now)));
        }
        self.schedule_wake(&mut effects);
        effects
    }

    /// Asks for an alarm at the next deadline (a pending snapshot, the first idle connection, archiving)
    /// unless one is already due sooner; an alarm that fires early finds nothing due and asks again.
    ///
    /// Runs after every message, so it does not scan the connections each time: activity only moves
    /// idle and archive deadlines later, so while an alarm is pending only a new snapshot deadline can
    /// come before it — unless a connection joined or the session was reopened (`deadlines_added`), or
    /// no alarm is pending (after a reload or once it fired).
    pub(super) fn schedule_wake(&mut self, effects: &mut Vec<Effect>) {
        let rescan = self.alarm_at.is_none() || std::mem::take(&mut self.deadlines_added);
        let next = match rescan {
            false => self.snapshot_due,
            true => [
                self.snapshot_due,
                self.presence.earliest_idle_due(self.config.idle_timeout_ms),
                self.lifecycle.archive_due(self.config.archive_after_ms),
            ]
            .into_iter()
            .flatten()
            .min(),
        };
        if let Some(at) = next
            && self.alarm_at.is_none_or(|current| at < current)
        {
            self.alarm_at = Some(at);
            effects.push(Effect::ScheduleAlarm(at));
        }
    }
}
