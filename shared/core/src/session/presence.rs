//! Who is connected and where their cursors and selections are. Positions are kept as UTF-16 offsets
//! so every applied edit can shift them; they go on the wire as line/column on the current text.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::engine::Participant;
use super::lifecycle::{idle_due, last_seen_lag};
use crate::auth::Role;
use crate::ot::{EditOp, TextBuffer, map_position};
use crate::protocol::{Operation, ParticipantView, Span, UserInfo};
use crate::units::{EpochMillis, Revision, Utf16Pos};
use crate::yjs::AwarenessSlot;

/// One connection's presence. Shells keep it with the socket so it survives hibernation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Presence {
    /// The revision the offsets below refer to.
    pub revision: Revision,
    /// Cursor offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<Utf16Pos>,
    /// Selection anchor and head offsets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection: Option<(Utf16Pos, Utf16Pos)>,
    /// How the user wants to be shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_info: Option<UserInfo>,
    /// When the connection last sent a message, as last kept (it may lag by half a minute).
    #[serde(default)]
    pub last_seen: EpochMillis,
    /// This connection's entry in the Yjs awareness.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awareness: Option<AwarenessSlot>,
    /// A Yjs connection (y-websocket): it gets no synq messages, so none need be made for it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub yjs: bool,
}

impl Presence {
    /// Shifts the positions over an edit that made `revision`.
    fn shift(&mut self, op: &EditOp, revision: Revision) {
        self.cursor = self.cursor.map(|c| map_position(c, op));
        self.selection = self
            .selection
            .map(|(a, b)| (map_position(a, op), map_position(b, op)));
        self.revision = revision;
    }

    /// Forgets positions that can no longer be brought up to date.
    fn clear_positions(&mut self, revision: Revision) {
        self.cursor = None;
        self.selection = None;
        self.revision = revision;
    }
}

/// Every connection of the session, by connection id.
#[derive(Debug, Default)]
pub(crate) struct PresenceTable {
    entries: BTreeMap<String, (Participant, Presence)>,
    /// How many of them speak the synq protocol.
    synq: usize,
}

impl PresenceTable {
    /// Adds (or replaces) a connection, with presence already brought up to date.
    pub(crate) fn insert(&mut self, participant: &Participant, presence: Presence) {
        self.synq += usize::from(!presence.yjs);
        let old = self.entries.insert(
            participant.connection_id.clone(),
            (participant.clone(), presence),
        );
        self.forgot(old);
    }

    /// Keeps the count of synq connections when one is gone.
    fn forgot(&mut self, entry: Option<(Participant, Presence)>) {
        if entry.is_some_and(|(_, presence)| !presence.yjs) {
            self.synq -= 1;
        }
    }

    /// Whether any connection speaks the synq protocol (else nobody needs synq messages).
    pub(crate) fn has_synq(&self) -> bool {
        self.synq > 0
    }

    /// How many connections there are.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// How many connections `user_id` has.
    pub(crate) fn count_for(&self, user_id: &str) -> usize {
        self.entries
            .values()
            .filter(|(p, _)| p.user_id == user_id)
            .count()
    }

    /// A connection and its presence.
    pub(crate) fn get_mut(&mut self, connection_id: &str) -> Option<&mut (Participant, Presence)> {
        self.entries.get_mut(connection_id)
    }

    /// Every connection and its presence.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &(Participant, Presence)> {
        self.entries.values()
    }

    /// Removes a connection; `false` if it was not there.
    pub(crate) fn remove(&mut self, connection_id: &str) -> bool {
        let entry = self.entries.remove(connection_id);
        let found = entry.is_some();
        self.forgot(entry);
        found
    }

    /// Applies a presence operation from `participant`; returns the new presence, or `None` if the
    /// operation is not a presence update.
    pub(crate) fn update(
        &mut self,
        participant: &Participant,
        operation: &Operation,
        text: &TextBuffer,
        revision: Revision,
    ) -> Option<Presence> {
        if !self.entries.contains_key(&participant.connection_id) {
            self.insert(participant, Presence::default());
        }
        let (_, presence) = self.entries.get_mut(&participant.connection_id)?;
        presence.revision = revision;
        match operation {
            Operation::Cursor(at) => presence.cursor = Some(text.offset_of(*at)),
            Operation::Selection(span) => {
                presence.selection = Some((text.offset_of(span.start), text.offset_of(span.end)));
            }
            Operation::UserInfo(info) => presence.user_info = Some(info.clone()),
            _ => return None,
        }
        Some(presence.clone())
    }

    /// Notes that a connection sent something at `now`; returns its presence when the kept `last_seen`
    /// is stale enough to keep again.
    pub(crate) fn touch(
        &mut self,
        connection_id: &str,
        now: EpochMillis,
        idle_timeout_ms: u64,
    ) -> Option<Presence> {
        let (_, presence) = self.entries.get_mut(connection_id)?;
        let stale = now.0.saturating_sub(presence.last_seen.0) >= last_seen_lag(idle_timeout_ms);
        stale.then(|| {
            presence.last_seen = now;
            presence.clone()
        })
    }

    /// When the first connection goes idle, if any is connected.
    pub(crate) fn earliest_idle_due(&self, idle_timeout_ms: u64) -> Option<EpochMillis> {
        self.entries
            .values()
            .map(|(_, presence)| idle_due(presence.last_seen, idle_timeout_ms))
            .min()
    }

    /// The role held for a connection, if it is here.
    pub(crate) fn role_of(&self, connection_id: &str) -> Option<Role> {
        self.entries.get(connection_id).map(|(p, _)| p.role)
    }

    /// The connections that are idle at `now`.
    pub(crate) fn idle(&self, now: EpochMillis, idle_timeout_ms: u64) -> Vec<Participant> {
        self.entries
            .values()
            .filter(|(_, presence)| idle_due(presence.last_seen, idle_timeout_ms) <= now)
            .map(|(participant, _)| participant.clone())
            .collect()
    }

    /// Shifts every position over the edit that made `revision`.
    pub(crate) fn shift(&mut self, op: &EditOp, revision: Revision) {
        for (_, presence) in self.entries.values_mut() {
            presence.shift(op, revision);
        }
    }

    /// Brings a presence saved at an older revision up to date through `later` edits (each with the
    /// revision it made); if those do not reach back far enough, its positions are dropped.
    pub(crate) fn catch_up<'a>(
        mut presence: Presence,
        oldest_kept: Revision,
        head: Revision,
        later: impl Iterator<Item = (&'a EditOp, Revision)>,
    ) -> Presence {
        if presence.revision < oldest_kept || presence.revision > head {
            presence.clear_positions(head);
            return presence;
        }
        let saved_at = presence.revision;
        for (op, revision) in later.filter(|(_, r)| *r > saved_at) {
            presence.shift(op, revision);
        }
        presence
    }

    /// Everyone but `except`, as the wire shows them on `text`.
    pub(crate) fn views(&self, text: &TextBuffer, except: &str) -> Vec<ParticipantView> {
        self.entries
            .iter()
            .filter(|(id, _)| id.as_str() != except)
            .map(|(id, (participant, presence))| ParticipantView {
                connection_id: id.clone(),
                user_id: participant.user_id.clone(),
                role: participant.role,
                name: participant.name.clone(),
                cursor: presence.cursor.map(|c| text.line_col(c)),
                selection: presence.selection.map(|(a, b)| Span {
                    start: text.line_col(a),
                    end: text.line_col(b),
                }),
                user_info: presence.user_info.clone(),
            })
            .collect()
    }
}
