//! Yjs clients (y-websocket protocol) on the same document as synq clients. The engine's OT text stays
//! the one history; a Yjs document mirrors it in lockstep:
//! - every OT revision is applied to the `Y.Text` under the server's own client id, and the resulting
//!   update goes to the Yjs connections (hook in `record`);
//! - a Yjs client's update is applied to the document, its delta becomes OT steps on the head, and those
//!   are recorded as a revision by that user (so synq clients get an ordinary `edit`); the update itself
//!   goes to the other Yjs connections.
//!
//! Every change of the Yjs document is logged (stored with the revision it belongs to, in `AppendOp`; a
//! change that is no revision in `AppendYjsUpdate`) and compacted into a snapshot with the text's, so a
//! reload rebuilds it with every client's ids and clocks: a client that reconnects after a restart
//! syncs from where it was and its offline edits merge.
//! The document is created when the first Yjs client joins (from the text, as the server's edit);
//! sessions without Yjs clients pay nothing.

use std::collections::HashMap;

use yrs::sync::awareness::AwarenessUpdateEntry;
use yrs::sync::{AwarenessUpdate, Message, SyncMessage};
use yrs::{ClientID, StateVector, Update};

use super::grants::REMOVED;
use super::{
    CLOSE_ACCESS_REVOKED, CLOSE_POLICY_VIOLATION, Effect, Participant, SessionEngine, with_entry,
};
use crate::error::{ApiError, ErrorCode};
use crate::ot::EditOp;
use crate::protocol::{Operation, Span};
use crate::rate::TokenBucket;
use crate::session::presence::Presence;
use crate::session::store::{
    EditKind, StorageWrite, StoreError, StoredYjs, YjsSnapshot, YjsUpdate,
};
use crate::units::{EpochMillis, Revision};
use crate::yjs::budget::{OverBudget, UpdateBudget, awareness_bucket, take_awareness};
use crate::yjs::{
    AwarenessSlot, AwarenessView, Identity, MAX_KEPT_STATE_BYTES, SharedText, Strings, Trimmed,
    YjsError, decode_update, read_state, synthetic_client_id, text_only, wire, with_identity,
    write_state,
};

/// WebSocket close code "try again later" (RFC 6455 §7.4.1 registry): y-websocket reconnects, and its sync
/// step 2 then carries whatever the server did not take.
const CLOSE_TRY_AGAIN_LATER: u16 = 1013;

/// How many Yjs updates may be logged after the Yjs snapshot before a snapshot of the text while people
/// edit also compacts them (a quiet session's alarm always does). A reload replays at most these.
const YJS_LOG_COMPACTION: u64 = 1_000;

/// How many bytes of client changes the document keeps waiting for changes it lacks. A live update
/// can legitimately arrive before one it builds on (a peer's, relayed to its author through another
/// path such as y-websocket's cross-tab channel) and waits until that arrives: one keystroke's update
/// is 18–27 bytes. Anything waiting is logged and relayed with the update that brought it, and
/// replayed on every reload, so what never resolves must stay small.
const MAX_PARKED_BYTES: usize = 16 * 1024;

/// The Yjs side of a session.
#[derive(Debug)]
pub(super) struct YjsMirror {
    /// The server's own Yjs client id (derived from the session id, so stable across reloads).
    client_id: u64,
    /// `None` until a Yjs client joins a session whose storage holds no Yjs document.
    text: Option<SharedText>,
    /// The `seq` of the next logged update.
    next_seq: u64,
    /// The last `seq` the stored Yjs snapshot covers.
    snapshot_seq: u64,
    /// The text's revision when that snapshot was taken (0 if unknown): edits after it must be kept,
    /// since their rows hold the updates the snapshot lacks.
    snapshot_revision: Revision,
    /// A client's update already applied to the document, being recorded as a revision: `record` logs
    /// and relays it instead of applying the revision to the document again.
    incoming: Option<Vec<u8>>,
    /// Writes to make right after a reload (a document that had fallen behind the text, brought level).
    startup: Vec<StorageWrite>,
    /// Each user's budget for document updates (across their Yjs connections).
    update_budgets: HashMap<String, UpdateBudget>,
    /// Each Yjs connection's budget for awareness updates.
    awareness_buckets: HashMap<String, TokenBucket>,
}

impl YjsMirror {
    /// The mirror of a new session: no document yet.
    pub(super) fn new(session_id: &str) -> Self {
        YjsMirror {
            client_id: server_client_id(session_id),
            text: None,
            next_seq: 1,
            snapshot_seq: 0,
            snapshot_revision: Revision(0),
            incoming: None,
            startup: Vec::new(),
            update_budgets: HashMap::new(),
            awareness_buckets: HashMap::new(),
        }
    }

    /// Rebuilds the document from its snapshot and log, and brings it level with `text` if it is not
    /// (a session from before Yjs support, or a log that lost its tail).
    pub(super) fn restore(
        session_id: &str,
        stored: StoredYjs,
        text: &str,
    ) -> Result<Self, StoreError> {
        let mut mirror = YjsMirror::new(session_id);
        if stored.snapshot.is_none() && stored.updates.is_empty() {
            return Ok(mirror);
        }
        let shared = SharedText::new(mirror.client_id);
        let mut last = 0;
        if let Some(snapshot) = &stored.snapshot {
            shared
                .load(&snapshot.state)
                .map_err(|e| StoreError::Corrupt(format!("Yjs snapshot: {e}")))?;
            last = snapshot.through_seq;
            mirror.snapshot_seq = last;
            mirror.snapshot_revision = snapshot.revision;
        }
        let mut updates = stored.updates;
        updates.sort_by_key(|u| u.seq);
        let from = last;
        for logged in updates.iter().filter(|u| u.seq > from) {
            shared
                .load(&logged.update)
                .map_err(|e| StoreError::Corrupt(format!("Yjs update {}: {e}", logged.seq)))?;
            last = logged.seq;
        }
        mirror.next_seq = last + 1;
        if let Some(repair) = shared.reconcile(text) {
            let write = mirror.log(repair);
            mirror.startup.push(write);
        }
        mirror.text = Some(shared);
        Ok(mirror)
    }

    /// Forgets a closed connection's awareness budget.
    pub(super) fn forget_connection(&mut self, connection_id: &str) {
        self.awareness_buckets.remove(connection_id);
    }

    /// The next log entry for an update that is no revision of the text.
    fn log(&mut self, update: Vec<u8>) -> StorageWrite {
        StorageWrite::AppendYjsUpdate(self.numbered(update))
    }

    /// An update with the next place in the log.
    fn numbered(&mut self, update: Vec<u8>) -> YjsUpdate {
        let seq = self.next_seq;
        self.next_seq += 1;
        YjsUpdate { seq, update }
    }
}

/// The server's Yjs client id: FNV-1a of the session id, kept within Yjs's 53 bits and away from the 32-bit
/// ids clients draw (so it cannot collide with one).
fn server_client_id(session_id: &str) -> u64 {
    let hash = session_id
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        });
    (hash & ((1 << 53) - 1)) | (1 << 32)
}

impl SessionEngine {
    /// Writes the shell must make right after [`SessionEngine::restore`], before anything else.
    pub fn take_startup_writes(&mut self) -> Vec<StorageWrite> {
        std::mem::take(&mut self.yjs.startup)
    }

    /// Creates the Yjs document from the text if there is none yet; the write that logs it, if any.
    fn ensure_yjs(&mut self) -> Option<Effect> {
        if self.yjs.text.is_some() {
            return None;
        }
        let shared = SharedText::new(self.yjs.client_id);
        let seeded = shared.reconcile(&self.text.to_string());
        self.yjs.text = Some(shared);
        seeded.map(|update| Effect::Persist(self.yjs.log(update)))
    }

    /// Greets a new Yjs connection (sync step 1 and everyone's awareness) and tells the synq clients; or
    /// refuses it like [`SessionEngine::join`].
    pub fn join_yjs(
        &mut self,
        participant: &Participant,
        now: EpochMillis,
    ) -> Result<Vec<Effect>, ApiError> {
        let mut effects = self.admit(participant, now, true)?;
        // Kept with the socket from the start, so that after hibernation the connection is still known
        // as a Yjs one (and not sent synq messages for).
        if let Some((_, presence)) = self.presence.get_mut(&participant.connection_id) {
            effects.push(Effect::KeepPresence(presence.clone()));
        }
        effects.extend(self.ensure_yjs());
        if let Some(shared) = &self.yjs.text {
            effects.push(Effect::ReplyYjs(wire::sync_step1(shared.state_vector())));
        }
        if let Some(states) = self.awareness_of_everyone() {
            effects.push(Effect::ReplyYjs(states));
        }
        let joined = Operation::UserJoined {
            role: participant.role,
            name: participant.name.clone(),
        };
        effects.push(Effect::Broadcast(self.presence_message(
            participant,
            now,
            joined,
        )));
        self.schedule_wake(&mut effects);
        Ok(effects)
    }

    /// Handles one binary frame from a Yjs connection. Never panics; what is refused is answered with a
    /// permission-denied message (y-websocket logs it), and the socket stays open unless said otherwise.
    pub fn handle_yjs(
        &mut self,
        participant: &Participant,
        frame: &[u8],
        now: EpochMillis,
    ) -> Vec<Effect> {
        let participant = match self.current(participant) {
            Ok(participant) => participant,
            Err(error) => return refused_and_closed(&error, CLOSE_ACCESS_REVOKED, REMOVED),
        };
        let mut effects = self.dispatch_yjs(&participant, frame, now);
        self.schedule_wake(&mut effects);
        effects
    }

    fn dispatch_yjs(
        &mut self,
        participant: &Participant,
        frame: &[u8],
        now: EpochMillis,
    ) -> Vec<Effect> {
        if participant.expires_at.is_some_and(|at| now > at) {
            let error = ApiError::new(
                ErrorCode::TokenExpired,
                "the token for this connection expired; reconnect with a new one",
            );
            return refused_and_closed(&error, CLOSE_POLICY_VIOLATION, "token expired");
        }
        if frame.len() > self.config.max_yjs_message_bytes {
            // Costs a message like a frame that does not decode: a flood of either is limited.
            if let Err(over) = self.charge_message(participant, now) {
                return rate_limited(over);
            }
            let error = ApiError::new(
                ErrorCode::MessageTooLarge,
                format!(
                    "message is {} bytes; the limit is {}",
                    frame.len(),
                    self.config.max_yjs_message_bytes
                ),
            );
            return vec![Effect::ReplyYjs(wire::refusal(&error))];
        }
        let messages = match wire::decode_frame(frame) {
            Ok(messages) => messages,
            Err(error) => {
                if let Err(over) = self.charge_message(participant, now) {
                    return rate_limited(over);
                }
                return vec![Effect::ReplyYjs(wire::refusal(&error))];
            }
        };
        // Every frame that decodes is activity (y-websocket renews its awareness every 15 s, so an open
        // editor never goes idle); junk is not, so it does not keep an idle socket open.
        let mut effects = self.note_activity(participant, now);
        effects.extend(self.ensure_yjs());
        for message in messages {
            if let Err(over) = self.charge(participant, &message, now) {
                effects.extend(rate_limited(over));
                break;
            }
            let handled = match message {
                Message::Sync(SyncMessage::SyncStep1(seen)) => Ok(self.answer_step1(&seen)),
                Message::Sync(SyncMessage::SyncStep2(update) | SyncMessage::Update(update)) => {
                    self.take_yjs_update(participant, update, now)
                }
                Message::Awareness(update) => Ok(self.take_awareness(participant, update, now)),
                Message::AwarenessQuery => Ok(self
                    .awareness_of_everyone()
                    .map(Effect::ReplyYjs)
                    .into_iter()
                    .collect()),
                // A client's auth message asks nothing of the server.
                Message::Auth(_) => Ok(Vec::new()),
                Message::Custom(tag, _) => {
                    Err(vec![Effect::ReplyYjs(wire::refusal(&ApiError::new(
                        ErrorCode::Unsupported,
                        format!("y-websocket message type {tag} is not served here"),
                    )))])
                }
            };
            match handled {
                Ok(more) => effects.extend(more),
                Err(refusal) => {
                    effects.extend(refusal);
                    if effects.iter().any(|e| matches!(e, Effect::Close { .. })) {
                        break;
                    }
                }
            }
        }
        effects
    }

    /// Takes what `message` costs from its budget (see [`crate::yjs::budget`]): a document update from
    /// the user's update budget, an awareness update from the connection's, anything else from the
    /// connection's messages.
    fn charge(
        &mut self,
        participant: &Participant,
        message: &Message,
        now: EpochMillis,
    ) -> Result<(), OverBudget> {
        let limits = self.config.yjs;
        match message {
            Message::Sync(SyncMessage::SyncStep2(update) | SyncMessage::Update(update)) => {
                let max_bytes = self.config.max_yjs_message_bytes;
                with_entry(
                    &mut self.yjs.update_budgets,
                    &participant.user_id,
                    || UpdateBudget::new(&limits, max_bytes, now),
                    |budget| budget.take(&limits, update.len(), now),
                )
            }
            Message::Awareness(_) => with_entry(
                &mut self.yjs.awareness_buckets,
                &participant.connection_id,
                || awareness_bucket(&limits, now),
                |bucket| take_awareness(bucket, &limits, now),
            ),
            _ => self.charge_message(participant, now),
        }
    }

    /// Takes one of the connection's messages (as a synq message would).
    fn charge_message(
        &mut self,
        participant: &Participant,
        now: EpochMillis,
    ) -> Result<(), OverBudget> {
        self.take_message_token(participant, now)
            .map_err(|retry_after_ms| OverBudget {
                limit: format!(
                    "at most {} sync messages a minute per connection",
                    self.config.messages_per_minute
                ),
                retry_after_ms,
            })
    }

    fn answer_step1(&self, seen: &StateVector) -> Vec<Effect> {
        self.yjs
            .text
            .iter()
            .map(|shared| Effect::ReplyYjs(wire::sync_step2(shared.diff(seen))))
            .collect()
    }

    /// A client's update (sync step 2 or a live update): refused for roles that cannot edit, dropped
    /// when it holds nothing new, else applied and recorded.
    fn take_yjs_update(
        &mut self,
        participant: &Participant,
        update: Vec<u8>,
        now: EpochMillis,
    ) -> Result<Vec<Effect>, Vec<Effect>> {
        let Some(shared) = &self.yjs.text else {
            return Ok(Vec::new());
        };
        // Decoded once; an update that does not decode counts as news, so the role and the session's
        // state are checked before its decoding error is reported.
        let decoded = decode_update(&update);
        // Old news is dropped unchecked: a client's sync step 2 repeats what the server has. With no
        // unseen item and no deletion an update is surely old. One with deletions is judged by applying
        // it when the sender may edit (applying tells whether anything was new), else against the
        // document's delete set, a walk over the whole document but only for an update then refused.
        if let Ok(parsed) = &decoded
            && !shared.has_unseen_items(parsed)
        {
            let may_apply = participant.role.can_edit() && self.require_open().is_ok();
            if parsed.delete_set().is_empty() || (!may_apply && !shared.is_news(parsed)) {
                return Ok(Vec::new());
            }
        }
        if !participant.role.can_edit() {
            let error = ApiError::new(
                ErrorCode::Forbidden,
                format!(
                    "a {} cannot edit this session; the update was not applied",
                    participant.role.as_str()
                ),
            );
            return Err(vec![Effect::ReplyYjs(wire::refusal(&error))]);
        }
        if let Err(error) = self.require_open() {
            return Err(vec![Effect::ReplyYjs(wire::refusal(&error))]);
        }
        let strings = match &decoded {
            Ok(_) => text_only(&update).map_err(|outside| {
                let error = ApiError::new(
                    ErrorCode::Unsupported,
                    format!(
                        "{outside}; this session's document is plain text in the one Y.Text \
                         `content`, and nothing of the update was applied"
                    ),
                );
                vec![Effect::ReplyYjs(wire::refusal(&error))]
            })?,
            Err(_) => Strings::new(),
        };
        let invalid = |e: YjsError| {
            let error = ApiError::new(ErrorCode::InvalidMessage, e.to_string());
            vec![Effect::ReplyYjs(wire::refusal(&error))]
        };
        let parsed = decoded.map_err(invalid)?;
        if let Some(gap) = shared.gap(&parsed) {
            let error = ApiError::new(
                ErrorCode::InvalidRevision,
                format!(
                    "the update continues Yjs client {}'s changes from clock {}, but the server has \
                     them only up to clock {}; nothing of it was applied: reconnect to sync",
                    gap.client, gap.from, gap.have
                ),
            );
            return Err(vec![Effect::ReplyYjs(wire::refusal(&error))]);
        }
        let applied = shared
            .apply(parsed, &strings, MAX_PARKED_BYTES)
            .map_err(invalid)?;
        if let Some(trimmed) = applied.trimmed {
            return Err(self.refuse_parked(participant, trimmed, applied.steps, now));
        }
        if !applied.news {
            return Ok(Vec::new());
        }
        let steps = applied.steps;
        if steps.is_empty() {
            // A change the text does not show (it waits for changes that have not arrived yet, within
            // the allowance, or it is not text).
            let write = self.yjs.log(update.clone());
            return Ok(vec![
                Effect::Persist(write),
                Effect::BroadcastYjs(wire::update(update)),
            ]);
        }
        Ok(self.record_yjs_revision(participant, update, steps, now))
    }

    /// An update that left more waiting for missing changes than allowed: what the document took of
    /// it (`steps` on the text) is logged and relayed in its place, and the sender is told the rest
    /// was not applied.
    fn refuse_parked(
        &mut self,
        participant: &Participant,
        trimmed: Trimmed,
        steps: EditOp,
        now: EpochMillis,
    ) -> Vec<Effect> {
        let error = ApiError::new(
            ErrorCode::InvalidRevision,
            format!(
                "{} bytes of the update depend on changes the server has not received (at most \
                 {MAX_PARKED_BYTES} may wait); that part was not applied: reconnect to sync",
                trimmed.parked_bytes
            ),
        );
        let integrated = trimmed.integrated;
        let mut effects = if !steps.is_empty() {
            self.record_yjs_revision(participant, integrated, steps, now)
        } else if integrated.as_slice() != Update::EMPTY_V1 {
            vec![
                Effect::Persist(self.yjs.log(integrated.clone())),
                Effect::BroadcastYjs(wire::update(integrated)),
            ]
        } else {
            Vec::new()
        };
        effects.push(Effect::ReplyYjs(wire::refusal(&error)));
        effects
    }

    /// Records the text change of an applied client update as a revision by that user.
    fn record_yjs_revision(
        &mut self,
        participant: &Participant,
        update: Vec<u8>,
        steps: EditOp,
        now: EpochMillis,
    ) -> Vec<Effect> {
        let operation_id = format!("yjs-{}-{}", participant.connection_id, self.yjs.next_seq);
        self.yjs.incoming = Some(update.clone());
        let key = (participant.user_id.clone(), operation_id);
        match self.record(key, steps, EditKind::Edit, now) {
            Ok((logged, mut effects, notices)) => {
                if self.presence.has_synq() {
                    effects.push(Effect::Broadcast(self.edit_message(&logged)));
                    effects.extend(notices.into_iter().map(Effect::Broadcast));
                }
                effects
            }
            Err(error) => {
                // The document took the update but the text refused it (a limit): log it, then undo its
                // effect on the text with a server edit that everyone, the sender included, receives.
                self.yjs.incoming = None;
                let mut effects = vec![Effect::Persist(self.yjs.log(update.clone()))];
                let repair = self
                    .yjs
                    .text
                    .as_ref()
                    .and_then(|shared| shared.reconcile(&self.text.to_string()));
                let mut frames = vec![Effect::BroadcastYjs(wire::update(update))];
                if let Some(repair) = repair {
                    effects.push(Effect::Persist(self.yjs.log(repair.clone())));
                    frames.push(Effect::BroadcastYjs(wire::update(repair.clone())));
                    frames.push(Effect::ReplyYjs(wire::update(repair)));
                }
                effects.extend(frames);
                effects.push(Effect::ReplyYjs(wire::refusal(&error)));
                effects
            }
        }
    }

    /// The hook in `record`: a revision just applied to the text goes to the Yjs document too (or, when it
    /// came from a Yjs client, the client's update is what is logged). Returns the update to store with
    /// the revision and the frame for the Yjs connections; `None` while there is no Yjs document.
    pub(super) fn yjs_follow(&mut self, op: &EditOp) -> Option<(YjsUpdate, Vec<u8>)> {
        let update = match self.yjs.incoming.take() {
            Some(update) => update,
            None => {
                let shared = self.yjs.text.as_ref()?;
                // The two views disagree only if something is broken: then bring the document level.
                match shared.apply_steps(op) {
                    Ok(update) => update,
                    Err(_) => shared.reconcile(&self.text.to_string())?,
                }
            }
        };
        let frame = wire::update(update.clone());
        Some((self.yjs.numbered(update), frame))
    }

    /// The hook in `snapshot_writes`: the whole Yjs document, replacing its log so far — when `quiet`,
    /// when the log has grown to [`YJS_LOG_COMPACTION`] updates (encoding the whole document is the
    /// costliest thing a snapshot does, and on the hot path it delays the update that triggered it), or
    /// when edits from `prune_before` down are about to be dropped and the snapshot lacks some of their
    /// updates (which are stored with them).
    pub(super) fn yjs_snapshot(
        &mut self,
        quiet: bool,
        prune_before: Option<Revision>,
    ) -> Option<StorageWrite> {
        let shared = self.yjs.text.as_ref()?;
        let through_seq = self.yjs.next_seq - 1;
        let uncovered_pruned = prune_before
            .is_some_and(|before| before.0 > self.yjs.snapshot_revision.0.saturating_add(1));
        if !quiet && !uncovered_pruned && through_seq - self.yjs.snapshot_seq < YJS_LOG_COMPACTION {
            return None;
        }
        self.yjs.snapshot_seq = through_seq;
        self.yjs.snapshot_revision = self.revision;
        Some(StorageWrite::PutYjsSnapshot(YjsSnapshot {
            through_seq,
            revision: self.revision,
            state: shared.encode_state(),
        }))
    }

    /// The hook in `leave`: Yjs clients drop the leaving connection's awareness entry.
    pub(super) fn yjs_farewell(&self, connection_id: &str) -> Option<Effect> {
        self.yjs.text.as_ref()?;
        let (_, presence) = self
            .presence
            .iter()
            .find(|(p, _)| p.connection_id == connection_id)?;
        let slot = presence.awareness.as_ref()?;
        let gone = entry(
            slot.client_id,
            slot.clock.saturating_add(1),
            "null".to_owned(),
        );
        Some(Effect::BroadcastYjs(wire::awareness(update_of([gone]))))
    }

    /// The hook in synq presence: a synq connection's presence moved; its awareness entry follows (the
    /// clock advances even while no Yjs client is here, so later entries always supersede earlier ones).
    pub(super) fn yjs_presence(
        &mut self,
        participant: &Participant,
        mut presence: Presence,
    ) -> (Presence, Option<Effect>) {
        let slot = presence.awareness.get_or_insert_with(|| AwarenessSlot {
            client_id: synthetic_client_id(&participant.connection_id),
            clock: 0,
            state: None,
        });
        slot.clock = slot.clock.saturating_add(1);
        if let Some((_, kept)) = self.presence.get_mut(&participant.connection_id) {
            kept.awareness.clone_from(&presence.awareness);
        }
        let frame = self
            .synq_awareness_entry(participant, &presence)
            .map(|e| Effect::BroadcastYjs(wire::awareness(update_of([e]))));
        (presence, frame)
    }

    /// A synq connection's awareness entry, written from its presence.
    fn synq_awareness_entry(
        &self,
        participant: &Participant,
        presence: &Presence,
    ) -> Option<(ClientID, AwarenessUpdateEntry)> {
        let shared = self.yjs.text.as_ref()?;
        let slot = presence.awareness.as_ref()?;
        let view = AwarenessView {
            user_info: presence.user_info.clone(),
            cursor: presence.selection.or(presence.cursor.map(|at| (at, at))),
        };
        let state = write_state(&identity_of(participant), &view, shared);
        Some(entry(slot.client_id, slot.clock, state))
    }

    /// Every connection's awareness entry, for a newcomer; `None` when nobody has one.
    fn awareness_of_everyone(&self) -> Option<Vec<u8>> {
        let entries: Vec<_> = self
            .presence
            .iter()
            .filter_map(|(participant, presence)| {
                let slot = presence.awareness.as_ref()?;
                match &slot.state {
                    Some(state) => Some(entry(slot.client_id, slot.clock, state.clone())),
                    // A synq connection's entry is written from its presence; a Yjs client's that was
                    // cleared (or too large to keep) is left to the client's next renewal.
                    None if slot.client_id == synthetic_client_id(&participant.connection_id) => {
                        self.synq_awareness_entry(participant, presence)
                    }
                    None => None,
                }
            })
            .collect();
        (!entries.is_empty()).then(|| wire::awareness(update_of(entries)))
    }

    /// A Yjs client's awareness update: its own entry becomes its presence (relayed to synq clients) and
    /// goes to the other Yjs clients; entries of other connections it echoes back are dropped.
    fn take_awareness(
        &mut self,
        participant: &Participant,
        update: AwarenessUpdate,
        now: EpochMillis,
    ) -> Vec<Effect> {
        let connection_id = participant.connection_id.as_str();
        let owned_elsewhere = |client_id: u64| {
            self.presence.iter().any(|(p, presence)| {
                p.connection_id != connection_id
                    && presence
                        .awareness
                        .as_ref()
                        .is_some_and(|s| s.client_id == client_id)
            })
        };
        let own = self
            .presence
            .iter()
            .find(|(p, _)| p.connection_id == connection_id)
            .and_then(|(_, presence)| presence.awareness.as_ref())
            .map(|slot| (slot.client_id, slot.clock));
        let mine = update.clients.into_iter().find(|(id, e)| match own {
            Some((client_id, clock)) => id.get() == client_id && e.clock >= clock,
            None => !owned_elsewhere(id.get()),
        });
        let Some((client_id, mut entry)) = mine else {
            return Vec::new();
        };
        // Peers are shown who the client is, not who it says it is.
        if let Some(stamped) = with_identity(&entry.json, &identity_of(participant)) {
            entry.json = stamped.into();
        }
        let Some((_, presence)) = self.presence.get_mut(connection_id) else {
            return Vec::new();
        };
        let cleared = &*entry.json == "null";
        presence.awareness = Some(AwarenessSlot {
            client_id: client_id.get(),
            clock: entry.clock,
            state: (!cleared && entry.json.len() <= MAX_KEPT_STATE_BYTES)
                .then(|| entry.json.to_string()),
        });
        let view = match &self.yjs.text {
            Some(shared) if !cleared => read_state(&entry.json, shared),
            _ => AwarenessView::default(),
        };
        let before = (
            presence.user_info.clone(),
            presence.cursor,
            presence.selection,
        );
        presence.revision = self.revision;
        if view.user_info.is_some() {
            presence.user_info.clone_from(&view.user_info);
        }
        presence.cursor = view.cursor.map(|(_, head)| head);
        presence.selection = view.cursor.filter(|(anchor, head)| anchor != head);
        let presence = presence.clone();
        let mut effects = vec![
            Effect::KeepPresence(presence.clone()),
            Effect::BroadcastYjs(wire::awareness(update_of([(client_id, entry)]))),
        ];
        let mut relay = Vec::new();
        if presence.user_info != before.0
            && let Some(info) = presence.user_info.clone()
        {
            relay.push(Operation::UserInfo(info));
        }
        if presence.cursor != before.1
            && let Some(at) = presence.cursor
        {
            relay.push(Operation::Cursor(self.text.line_col(at)));
        }
        if presence.selection != before.2
            && let Some((a, b)) = presence.selection
        {
            relay.push(Operation::Selection(Span {
                start: self.text.line_col(a),
                end: self.text.line_col(b),
            }));
        }
        if self.presence.has_synq() {
            effects.extend(
                relay
                    .into_iter()
                    .map(|op| Effect::Broadcast(self.presence_message(participant, now, op))),
            );
        }
        effects
    }
}

fn identity_of(participant: &Participant) -> Identity<'_> {
    Identity {
        user_id: &participant.user_id,
        connection_id: &participant.connection_id,
        name: participant.name.as_deref(),
    }
}

fn entry(client_id: u64, clock: u32, json: String) -> (ClientID, AwarenessUpdateEntry) {
    (
        ClientID::new(client_id),
        AwarenessUpdateEntry {
            clock,
            json: json.into(),
        },
    )
}

fn update_of(
    entries: impl IntoIterator<Item = (ClientID, AwarenessUpdateEntry)>,
) -> AwarenessUpdate {
    AwarenessUpdate {
        clients: entries.into_iter().collect(),
    }
}

fn refused_and_closed(error: &ApiError, code: u16, reason: &str) -> Vec<Effect> {
    vec![
        Effect::ReplyYjs(wire::refusal(error)),
        Effect::Close {
            code,
            reason: reason.to_owned(),
        },
    ]
}

/// Over its budget a Yjs client is refused and disconnected: it reconnects after its backoff and its
/// sync step 2 brings what was not taken, so nothing typed is lost (a refused update cannot be resent
/// alone: y-websocket has no acknowledgements).
fn rate_limited(over: OverBudget) -> Vec<Effect> {
    let mut error = ApiError::new(
        ErrorCode::RateLimited,
        format!(
            "{}; reconnect after the wait, the sync will bring what was not taken",
            over.limit
        ),
    );
    error.retry_after_ms = Some(over.retry_after_ms);
    refused_and_closed(&error, CLOSE_TRY_AGAIN_LATER, "rate limited")
}
