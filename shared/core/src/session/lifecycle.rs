//! A session's life, `created → active → archived`, and when its connections count as idle.
//!
//! Activity is any message a participant sends or a join; heartbeats (`ping`) are not activity, since on
//! Cloudflare they are answered without waking the session. Times are persisted coarsely (to a tenth of
//! their timeout, at most a minute for the session and half a minute per connection), so every deadline
//! below allows for that lag and never fires early.

use serde::{Deserialize, Serialize};

use crate::protocol::SessionStatus;
use crate::units::EpochMillis;

/// How stale a persisted session activity time may get before it is written again.
fn activity_lag(archive_after_ms: u64) -> u64 {
    (archive_after_ms / 10).min(60_000)
}

/// How stale a connection's kept `last_seen` may get before it is kept again.
pub(crate) fn last_seen_lag(idle_timeout_ms: u64) -> u64 {
    (idle_timeout_ms / 10).min(30_000)
}

/// The persisted lifecycle of one session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifecycle {
    /// Where the session is.
    pub status: SessionStatus,
    /// The last activity, to within a tenth of the archiving period (at most a minute).
    pub last_activity: EpochMillis,
}

impl Lifecycle {
    /// Records activity at `now`; `true` when the change must be persisted (the status moved, or the stored
    /// time is a minute stale). An archived session stays archived: only [`Lifecycle::reopen`] ends that.
    pub(crate) fn touch(&mut self, now: EpochMillis, archive_after_ms: u64) -> bool {
        let moved = self.status == SessionStatus::Created;
        if moved {
            self.status = SessionStatus::Active;
        }
        let stale = now.0.saturating_sub(self.last_activity.0) >= activity_lag(archive_after_ms);
        if moved || stale {
            self.last_activity = now;
        }
        moved || stale
    }

    /// When the session is due to be archived, unless something happens first.
    pub(crate) fn archive_due(&self, archive_after_ms: u64) -> Option<EpochMillis> {
        (self.status != SessionStatus::Archived).then(|| {
            let latest_activity = self
                .last_activity
                .0
                .saturating_add(activity_lag(archive_after_ms));
            EpochMillis(latest_activity.saturating_add(archive_after_ms))
        })
    }

    /// Archives the session if it has been quiet long enough; `true` if it did.
    pub(crate) fn archive_if_due(&mut self, now: EpochMillis, archive_after_ms: u64) -> bool {
        let due = self
            .archive_due(archive_after_ms)
            .is_some_and(|at| now >= at);
        if due {
            self.status = SessionStatus::Archived;
        }
        due
    }

    /// Makes an archived session active again.
    pub(crate) fn reopen(&mut self, now: EpochMillis) {
        self.status = SessionStatus::Active;
        self.last_activity = now;
    }
}

/// When a connection last seen (as kept) at `last_seen` becomes idle: the kept time may lag the real one
/// by up to [`last_seen_lag`], so the deadline allows for it.
pub(crate) fn idle_due(last_seen: EpochMillis, idle_timeout_ms: u64) -> EpochMillis {
    EpochMillis(
        last_seen
            .0
            .saturating_add(last_seen_lag(idle_timeout_ms))
            .saturating_add(idle_timeout_ms),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: u64 = 24 * 60 * 60 * 1000;
    const MINUTE: u64 = 60_000;

    #[test]
    fn the_first_activity_makes_a_created_session_active_and_is_persisted() {
        let mut life = Lifecycle::default();
        assert!(life.touch(EpochMillis(5), DAY));
        assert_eq!(life.status, SessionStatus::Active);
        assert_eq!(life.last_activity, EpochMillis(5));
        // Within the minute nothing needs writing; after it, the time does.
        assert!(!life.touch(EpochMillis(5 + MINUTE - 1), DAY));
        assert_eq!(life.last_activity, EpochMillis(5));
        assert!(life.touch(EpochMillis(5 + MINUTE), DAY));
        // A short archiving period keeps the time finer: a tenth of it.
        assert!(life.touch(EpochMillis(5 + MINUTE + 100), 1_000));
    }

    #[test]
    fn archiving_waits_a_full_quiet_period_even_allowing_for_the_persist_lag() {
        let mut life = Lifecycle::default();
        life.touch(EpochMillis(1_000), DAY);
        let due = life.archive_due(DAY).unwrap();
        assert_eq!(due.0, 1_000 + MINUTE + DAY);
        assert!(!life.archive_if_due(EpochMillis(due.0 - 1), DAY));
        assert!(life.archive_if_due(due, DAY));
        assert_eq!(life.status, SessionStatus::Archived);
        assert_eq!(life.archive_due(DAY), None);
        // Activity does not unarchive; reopening does.
        life.touch(EpochMillis(due.0 + 10), DAY);
        assert_eq!(life.status, SessionStatus::Archived);
        life.reopen(EpochMillis(due.0 + 20));
        assert_eq!(life.status, SessionStatus::Active);
    }

    #[test]
    fn a_connection_is_idle_only_after_the_timeout_plus_the_keep_lag() {
        assert_eq!(
            idle_due(EpochMillis(100), 300_000),
            EpochMillis(100 + 30_000 + 300_000)
        );
        assert_eq!(idle_due(EpochMillis(100), 1_000), EpochMillis(1_200));
    }
}
