//! The session engine: its state, joining and leaving, message dispatch and the messages it sends.
//! The handlers live beside it: `edits` (edits, undo/redo, catch-up, snapshots), `comments`, `presence`,
//! `lifecycle` (activity, alarms, idle connections, archiving).

mod comments;
mod direct;
mod edits;
mod grants;
mod lifecycle;
mod presence;
mod yjs;

use std::collections::{HashMap, HashSet, VecDeque};

use serde::{Deserialize, Serialize};

pub use direct::{Applied, MAX_MERGE_TRANSFORMS, MergeOutcome};

use super::comments::CommentBook;
use super::config::SessionConfig;
use super::lifecycle::Lifecycle;
use super::presence::{Presence, PresenceTable};
use super::store::{LoggedOp, StorageWrite, StoreError, StoredSession};
use super::undo::UndoStacks;
use crate::auth::Role;
use crate::error::{ApiError, ErrorCode};
use crate::ot::TextBuffer;
use crate::protocol::{
    Envelope, HEARTBEAT_PING, HEARTBEAT_PONG, MessageType, Operation, SessionStatus,
};
use crate::rate::TokenBucket;
use crate::units::{EpochMillis, Revision};

/// WebSocket close code for a policy violation (RFC 6455 §7.4.1), used when credentials expire.
const CLOSE_POLICY_VIOLATION: u16 = 1008;

/// WebSocket close code (application range) for a connection closed after sending nothing for the idle
/// timeout; the client reconnects when it next has something to say.
pub const CLOSE_IDLE: u16 = 4000;

/// WebSocket close code (application range) for the connections opened with an API key that was just
/// revoked; the client must not reconnect with that key. Connections of other credentials stay.
pub const CLOSE_KEY_REVOKED: u16 = 4001;

/// WebSocket close code (application range) for the connections of a user the session's owners removed
/// (and whose credentials give no role of their own): the client must not reconnect as they were.
pub const CLOSE_ACCESS_REVOKED: u16 = 4002;

/// Longest accepted `operation_id`.
const MAX_OPERATION_ID_LEN: usize = 128;

/// Who is on a connection; shells keep it with the socket (the DO's socket attachment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    /// Authenticated user id.
    pub user_id: String,
    /// Role in this session.
    pub role: Role,
    /// Display name, if the token had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Which connection this is (unique within the session; a user may have several).
    #[serde(default)]
    pub connection_id: String,
    /// When the credentials this connection was opened with expire; later messages end it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<EpochMillis>,
    /// The role the credentials give by themselves (the token's claim for this session), which a
    /// change of the session's grants cannot take away ([`SessionEngine::regrant`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_role: Option<Role>,
    /// Opened with credentials that may only read (an API key without `write`): the connection stays a
    /// `guest` whatever the session's grants say.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
}

/// What the shell must do, in this order: every `Persist` first (and stop if one fails), then the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Write durably before sending anything that follows.
    Persist(StorageWrite),
    /// Send to the connection the message came from (a synq connection: a text frame).
    Reply(String),
    /// Send to every other synq connection of the session.
    Broadcast(String),
    /// Send to the Yjs connection the message came from (a binary frame).
    ReplyYjs(Vec<u8>),
    /// Send to every other Yjs connection of the session.
    BroadcastYjs(Vec<u8>),
    /// Keep this presence with the sender's connection (it outlives the engine there, e.g. the socket
    /// attachment), and give it back through [`SessionEngine::reattach`].
    KeepPresence(Presence),
    /// Close the sender's connection (after the replies before it): its credentials expired.
    Close {
        /// WebSocket close code.
        code: u16,
        /// Why, for the client.
        reason: String,
    },
    /// Keep this role with another connection (its socket attachment), and send it `notice`: the
    /// session's grants changed.
    SetRole {
        /// Which connection.
        connection_id: String,
        /// Its role from now on.
        role: Role,
        /// What to tell the connection, if anything.
        notice: Option<Notice>,
    },
    /// Close another connection of the session (it went idle, or its user lost access); the engine has
    /// already forgotten it.
    Disconnect {
        /// Which connection.
        connection_id: String,
        /// WebSocket close code.
        code: u16,
        /// Why, for the client.
        reason: String,
    },
    /// Call [`SessionEngine::on_alarm`] at this time (replacing any earlier request).
    ScheduleAlarm(EpochMillis),
}

/// A message for one connection, in its protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A text frame, for a synq connection.
    Synq(String),
    /// A binary frame, for a Yjs connection.
    Yjs(Vec<u8>),
}

/// The document of one session and the rules for changing it.
#[derive(Debug)]
pub struct SessionEngine {
    session_id: String,
    config: SessionConfig,
    text: TextBuffer,
    revision: Revision,
    /// The last `history_limit` applied edits, oldest first, ending at `revision`.
    history: VecDeque<LoggedOp>,
    /// (user, operation id) → revision, for every edit in `history`.
    applied: HashMap<(String, String), Revision>,
    /// What each user can undo and redo (revisions within `history`).
    stacks: UndoStacks,
    /// Every connection and its cursor and selection.
    presence: PresenceTable,
    /// Comment threads and their line anchors.
    comments: CommentBook,
    /// Messages per connection.
    message_buckets: HashMap<String, TokenBucket>,
    /// Edits per user.
    edit_buckets: HashMap<String, TokenBucket>,
    /// The revision of the latest persisted snapshot.
    snapshot_revision: Revision,
    /// When the edits since that snapshot are due to be snapshotted by the alarm.
    snapshot_due: Option<EpochMillis>,
    /// Status and last activity.
    lifecycle: Lifecycle,
    /// When the alarm this engine asked for will fire, if it asked for one since it was loaded.
    alarm_at: Option<EpochMillis>,
    /// A deadline was added since the alarm was asked for (a join, a reopen): the next
    /// `schedule_wake` looks at every deadline again.
    deadlines_added: bool,
    /// The Yjs document that mirrors the text, for Yjs clients.
    yjs: yjs::YjsMirror,
    /// Connections whose user was removed, until their socket's close is reported.
    revoked: HashSet<String>,
}

impl SessionEngine {
    /// A session with an empty document at revision 0.
    pub fn new(session_id: &str, config: SessionConfig) -> Self {
        SessionEngine {
            session_id: session_id.to_owned(),
            config,
            text: TextBuffer::default(),
            revision: Revision(0),
            history: VecDeque::new(),
            applied: HashMap::new(),
            stacks: UndoStacks::default(),
            presence: PresenceTable::default(),
            comments: CommentBook::default(),
            message_buckets: HashMap::new(),
            edit_buckets: HashMap::new(),
            snapshot_revision: Revision(0),
            snapshot_due: None,
            lifecycle: Lifecycle::default(),
            alarm_at: None,
            deadlines_added: false,
            yjs: yjs::YjsMirror::new(session_id),
            revoked: HashSet::new(),
        }
    }

    /// Rebuilds a session from its snapshot and op log.
    pub fn restore(
        session_id: &str,
        config: SessionConfig,
        stored: StoredSession,
    ) -> Result<Self, StoreError> {
        let mut engine = SessionEngine::new(session_id, config);
        if let Some(snapshot) = stored.snapshot {
            engine.text = TextBuffer::new(&snapshot.content);
            engine.revision = snapshot.revision;
            engine.snapshot_revision = snapshot.revision;
        }
        engine.comments.restore(stored.comments);
        let mut ops = stored.ops;
        ops.sort_by_key(|op| op.revision);
        let snapshot_revision = engine.revision;
        for op in ops.iter().filter(|op| op.revision > snapshot_revision) {
            if op.revision != engine.revision.next() {
                return Err(StoreError::Corrupt(format!(
                    "op log jumps from revision {} to {}",
                    engine.revision, op.revision
                )));
            }
            let len_before = u32::try_from(engine.text.len_utf16()).unwrap_or(u32::MAX);
            engine.text.apply(&op.op).map_err(|e| {
                StoreError::Corrupt(format!(
                    "logged revision {} does not apply: {e}",
                    op.revision
                ))
            })?;
            engine.comments.shift(&op.op, len_before, op.revision);
            engine.revision = op.revision;
        }
        // The history is the contiguous run of logged edits that ends at the current revision.
        let mut expected = engine.revision;
        let mut kept = Vec::new();
        for op in ops.into_iter().rev() {
            if op.revision != expected || kept.len() >= engine.config.history_limit {
                break;
            }
            expected = Revision(expected.0.saturating_sub(1));
            kept.push(op);
        }
        for op in kept.into_iter().rev() {
            engine.remember(op);
        }
        // Sessions from before lifecycles were kept count as active since their last edit.
        engine.lifecycle = stored.lifecycle.unwrap_or_else(|| Lifecycle {
            status: if engine.revision.0 > 0 {
                SessionStatus::Active
            } else {
                SessionStatus::Created
            },
            last_activity: engine
                .history
                .back()
                .map(|op| op.timestamp)
                .unwrap_or_default(),
        });
        engine.yjs = yjs::YjsMirror::restore(session_id, stored.yjs, &engine.text.to_string())?;
        Ok(engine)
    }

    /// The current text.
    pub fn text(&self) -> String {
        self.text.to_string()
    }

    /// The current revision.
    pub fn revision(&self) -> Revision {
        self.revision
    }

    /// The session id.
    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    /// Where the session is in its life.
    pub fn status(&self) -> SessionStatus {
        self.lifecycle.status
    }

    /// Greets a new connection with the whole document and who else is here, and tells the others; or
    /// refuses it with `LIMIT_EXCEEDED` when the session or the user has as many connections as allowed.
    pub fn join(
        &mut self,
        participant: &Participant,
        now: EpochMillis,
    ) -> Result<Vec<Effect>, ApiError> {
        let mut effects = self.admit(participant, now, false)?;
        let others = Operation::Participants {
            participants: self.presence.views(&self.text, &participant.connection_id),
        };
        let others = self.presence_message(participant, now, others);
        let joined = Operation::UserJoined {
            role: participant.role,
            name: participant.name.clone(),
        };
        let threads = Operation::Comments {
            threads: self.comments.all().map(|t| t.view(&self.text)).collect(),
        };
        let threads = self.message(MessageType::Comment, &participant.user_id, now, threads);
        effects.extend([
            Effect::Reply(self.full_sync(participant, now)),
            Effect::Reply(others),
            Effect::Reply(threads.to_json()),
            Effect::Broadcast(self.presence_message(participant, now, joined)),
        ]);
        if self.lifecycle.status == SessionStatus::Archived {
            effects.push(Effect::Reply(
                self.status_message(&participant.user_id, now),
            ));
        }
        self.schedule_wake(&mut effects);
        Ok(effects)
    }

    /// Takes a new connection into the presence table (its first activity), or refuses it with
    /// `LIMIT_EXCEEDED` when the session or the user has as many connections as allowed.
    fn admit(
        &mut self,
        participant: &Participant,
        now: EpochMillis,
        yjs: bool,
    ) -> Result<Vec<Effect>, ApiError> {
        if self.presence.len() >= self.config.max_connections {
            return Err(ApiError::new(
                ErrorCode::LimitExceeded,
                format!(
                    "this session has its maximum of {} connections",
                    self.config.max_connections
                ),
            ));
        }
        if self.presence.count_for(&participant.user_id) >= self.config.max_connections_per_user {
            return Err(ApiError::new(
                ErrorCode::LimitExceeded,
                format!(
                    "`{}` already has {} connections to this session; close one first",
                    participant.user_id, self.config.max_connections_per_user
                ),
            ));
        }
        let effects = self.note_activity(participant, now);
        self.deadlines_added = true;
        self.presence.insert(
            participant,
            Presence {
                revision: self.revision,
                last_seen: now,
                yjs,
                ..Presence::default()
            },
        );
        Ok(effects)
    }

    /// Takes back a connection that outlived this engine (the Durable Object slept, its sockets did not),
    /// with the presence its shell kept; positions are brought up to date through the history.
    pub fn reattach(
        &mut self,
        participant: &Participant,
        mut presence: Presence,
        now: EpochMillis,
    ) {
        if presence.last_seen == EpochMillis::default() {
            // Kept before `last_seen` existed: count from now rather than close it at once.
            presence.last_seen = now;
        }
        let later = self.history.iter().map(|op| (&op.op, op.revision));
        let presence = PresenceTable::catch_up(presence, self.oldest_base(), self.revision, later);
        self.presence.insert(participant, presence);
    }

    /// Forgets a closed connection and tells the others (once, however often the shell reports it).
    pub fn leave(&mut self, participant: &Participant, now: EpochMillis) -> Vec<Effect> {
        self.revoked.remove(&participant.connection_id);
        self.forget_buckets(&participant.connection_id);
        let farewell = self.yjs_farewell(&participant.connection_id);
        if !self.presence.remove(&participant.connection_id) {
            return Vec::new();
        }
        let left = self.presence_message(participant, now, Operation::UserLeft {});
        let mut effects = vec![Effect::Broadcast(left)];
        effects.extend(farewell);
        effects
    }

    /// Lets a connection go on the server's initiative (idle, access removed): the shell closes its
    /// socket, and the others are told as on a leave (synq clients `user_left`, Yjs clients its
    /// awareness entry cleared).
    fn drop_connection(
        &mut self,
        participant: &Participant,
        now: EpochMillis,
        code: u16,
        reason: &str,
    ) -> Vec<Effect> {
        let mut effects = vec![Effect::Disconnect {
            connection_id: participant.connection_id.clone(),
            code,
            reason: reason.to_owned(),
        }];
        effects.extend(self.leave(participant, now));
        effects
    }

    /// Takes one of the connection's message tokens; when none is left, how long until one is.
    fn take_message_token(
        &mut self,
        participant: &Participant,
        now: EpochMillis,
    ) -> Result<(), u64> {
        let per_minute = self.config.messages_per_minute;
        with_entry(
            &mut self.message_buckets,
            &participant.connection_id,
            || TokenBucket::per_minute(per_minute, now),
            |bucket| bucket.take(now),
        )
    }

    /// Forgets the rate limits of a connection that is gone.
    fn forget_buckets(&mut self, connection_id: &str) {
        self.message_buckets.remove(connection_id);
        self.yjs.forget_connection(connection_id);
    }

    fn presence_message(
        &self,
        participant: &Participant,
        now: EpochMillis,
        operation: Operation,
    ) -> String {
        let mut message = self.message(MessageType::Presence, &participant.user_id, now, operation);
        message.data.metadata.connection_id = Some(participant.connection_id.clone());
        message.to_json()
    }

    /// Handles one text message from `participant`. Never panics; bad input yields an `error` reply.
    pub fn handle_message(
        &mut self,
        participant: &Participant,
        raw: &str,
        now: EpochMillis,
    ) -> Vec<Effect> {
        if raw == HEARTBEAT_PING {
            // Not activity: on Cloudflare the runtime answers heartbeats without waking the session.
            return vec![Effect::Reply(HEARTBEAT_PONG.to_owned())];
        }
        let participant = match self.current(participant) {
            Ok(participant) => participant,
            Err(error) => {
                return vec![
                    self.error_reply(participant, now, error, None),
                    Effect::Close {
                        code: CLOSE_ACCESS_REVOKED,
                        reason: grants::REMOVED.to_owned(),
                    },
                ];
            }
        };
        let mut effects = self.dispatch(&participant, raw, now);
        self.schedule_wake(&mut effects);
        effects
    }

    fn dispatch(&mut self, participant: &Participant, raw: &str, now: EpochMillis) -> Vec<Effect> {
        if participant.expires_at.is_some_and(|at| now > at) {
            // The token this socket was opened with expired: say so and end it; the client reconnects
            // with a fresh token, catches up and resends what was not acknowledged.
            let error = ApiError::new(
                ErrorCode::TokenExpired,
                "the token for this connection expired; reconnect with a new one",
            );
            return vec![
                self.error_reply(participant, now, error, None),
                Effect::Close {
                    code: CLOSE_POLICY_VIOLATION,
                    reason: "token expired".to_owned(),
                },
            ];
        }
        // Every frame costs a message, whatever it holds (a flood of junk is limited like any other);
        // only one that is taken counts as activity, so junk does not keep an idle socket open.
        let within_size = raw.len() <= self.config.max_message_bytes;
        if let Err(retry_after_ms) = self.take_message_token(participant, now) {
            let mut error = ApiError::new(
                ErrorCode::RateLimited,
                format!(
                    "at most {} messages a minute per connection; nothing was applied",
                    self.config.messages_per_minute
                ),
            );
            error.retry_after_ms = Some(retry_after_ms);
            // Named when it can be, so the client knows which message to send again.
            let operation_id = within_size
                .then(|| Envelope::parse(raw).ok())
                .flatten()
                .and_then(|envelope| envelope.data.metadata.operation_id);
            return vec![self.error_reply(participant, now, error, operation_id)];
        }
        if !within_size {
            let error = ApiError::new(
                ErrorCode::MessageTooLarge,
                format!(
                    "message is {} bytes; the limit is {}",
                    raw.len(),
                    self.config.max_message_bytes
                ),
            );
            return vec![self.error_reply(participant, now, error, None)];
        }
        let envelope = match Envelope::parse(raw) {
            Ok(envelope) => envelope,
            Err(error) => return vec![self.error_reply(participant, now, error, None)],
        };
        let operation_id = envelope.data.metadata.operation_id.clone();
        let mut effects = self.note_activity(participant, now);
        let changes_session = matches!(
            envelope.kind,
            MessageType::Edit | MessageType::Undo | MessageType::Redo | MessageType::Comment
        );
        if changes_session && let Err(error) = self.require_open() {
            effects.push(self.error_reply(participant, now, error, operation_id));
            return effects;
        }
        let result = match envelope.kind {
            MessageType::Sync if matches!(envelope.data.operation, Operation::Reopen {}) => {
                self.handle_reopen(participant, now)
            }
            MessageType::Edit => self.handle_edit(participant, &envelope, now),
            MessageType::Presence => self.handle_presence(participant, envelope, now),
            MessageType::Sync => self.handle_sync(participant, &envelope, now),
            MessageType::Undo => self.handle_undo(participant, &envelope, now, false),
            MessageType::Redo => self.handle_undo(participant, &envelope, now, true),
            MessageType::Comment => self.handle_comment(participant, envelope, now),
            MessageType::Error => Err(ApiError::new(
                ErrorCode::InvalidMessage,
                "`error` messages only travel from server to client",
            )),
        };
        effects.extend(
            result.unwrap_or_else(|error| {
                vec![self.error_reply(participant, now, error, operation_id)]
            }),
        );
        effects
    }

    fn message(
        &self,
        kind: MessageType,
        user_id: &str,
        now: EpochMillis,
        operation: Operation,
    ) -> Envelope {
        Envelope::new(
            kind,
            &self.session_id,
            user_id,
            now,
            operation,
            Some(self.revision),
        )
    }

    fn full_sync(&self, participant: &Participant, now: EpochMillis) -> String {
        let operation = Operation::FullSync {
            content: self.text.to_string(),
            version: self.revision,
        };
        self.message(MessageType::Sync, &participant.user_id, now, operation)
            .to_json()
    }

    fn ack(
        &self,
        participant: &Participant,
        now: EpochMillis,
        operation_id: String,
        version: Revision,
        duplicate: bool,
    ) -> String {
        let operation = Operation::Ack {
            operation_id: operation_id.clone(),
            version,
            duplicate,
        };
        self.message(MessageType::Sync, &participant.user_id, now, operation)
            .with_operation_id(Some(operation_id))
            .to_json()
    }

    fn edit_message(&self, op: &LoggedOp) -> String {
        Envelope::new(
            MessageType::Edit,
            &self.session_id,
            &op.user_id,
            op.timestamp,
            Operation::from_edit(&op.op),
            Some(op.revision),
        )
        .with_operation_id(Some(op.operation_id.clone()))
        .to_json()
    }

    fn error_reply(
        &self,
        participant: &Participant,
        now: EpochMillis,
        error: ApiError,
        operation_id: Option<String>,
    ) -> Effect {
        let message = Envelope::error(
            &self.session_id,
            &participant.user_id,
            now,
            error,
            operation_id,
            Some(self.revision),
        );
        Effect::Reply(message.to_json())
    }
}

/// Runs `f` on the value under `key`, made by `make` first if there is none; the key is copied only
/// then (a rate limit is looked up on every message).
fn with_entry<V, T>(
    map: &mut HashMap<String, V>,
    key: &str,
    make: impl FnOnce() -> V,
    f: impl FnOnce(&mut V) -> T,
) -> T {
    if let Some(value) = map.get_mut(key) {
        return f(value);
    }
    f(map.entry(key.to_owned()).or_insert_with(make))
}

/// The same message to the sender and to everyone else.
fn to_everyone(message: String) -> [Effect; 2] {
    [Effect::Reply(message.clone()), Effect::Broadcast(message)]
}

fn required_operation_id(operation_id: Option<String>) -> Result<String, ApiError> {
    operation_id
        .filter(|id| !id.is_empty() && id.len() <= MAX_OPERATION_ID_LEN)
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidMessage,
                "this needs `data.metadata.operation_id` (1 to 128 characters)",
            )
        })
}
