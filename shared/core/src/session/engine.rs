use std::collections::{HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use super::comments::{CommentBook, CommentThread};
use super::config::SessionConfig;
use super::presence::{Presence, PresenceTable};
use super::store::{EditKind, LoggedOp, Snapshot, StorageWrite, StoreError, StoredSession};
use super::undo::UndoStacks;
use crate::auth::Role;
use crate::error::{ApiError, ErrorCode};
use crate::ot::{EditOp, OtError, Priority, Step, TextBuffer, transform};
use crate::protocol::{CommentReply, Envelope, MessageType, Operation, Span};
use crate::units::{EpochMillis, Revision, utf16_len};

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
}

/// What the shell must do, in this order: every `Persist` first (and stop if one fails), then the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Write durably before sending anything that follows.
    Persist(StorageWrite),
    /// Send to the connection the message came from.
    Reply(String),
    /// Send to every other connection of the session.
    Broadcast(String),
    /// Keep this presence with the sender's connection (it outlives the engine there, e.g. the socket
    /// attachment), and give it back through [`SessionEngine::reattach`].
    KeepPresence(Presence),
    /// Call [`SessionEngine::on_alarm`] at this time (replacing any earlier request).
    ScheduleAlarm(EpochMillis),
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
    /// The revision of the latest persisted snapshot.
    snapshot_revision: Revision,
    /// When the alarm this engine asked for will fire, if it asked for one since it was loaded.
    alarm_at: Option<EpochMillis>,
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
            snapshot_revision: Revision(0),
            alarm_at: None,
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

    /// Greets a new connection with the whole document and who else is here, and tells the others.
    pub fn join(&mut self, participant: &Participant, now: EpochMillis) -> Vec<Effect> {
        self.presence.insert(
            participant,
            Presence {
                revision: self.revision,
                ..Presence::default()
            },
        );
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
        vec![
            Effect::Reply(self.full_sync(participant, now)),
            Effect::Reply(others),
            Effect::Reply(threads.to_json()),
            Effect::Broadcast(self.presence_message(participant, now, joined)),
        ]
    }

    /// Takes back a connection that outlived this engine (the Durable Object slept, its sockets did not),
    /// with the presence its shell kept; positions are brought up to date through the history.
    pub fn reattach(&mut self, participant: &Participant, presence: Presence) {
        let later = self.history.iter().map(|op| (&op.op, op.revision));
        let presence = PresenceTable::catch_up(presence, self.oldest_base(), self.revision, later);
        self.presence.insert(participant, presence);
    }

    /// Forgets a closed connection and tells the others.
    pub fn leave(&mut self, participant: &Participant, now: EpochMillis) -> Vec<Effect> {
        self.presence.remove(&participant.connection_id);
        let left = self.presence_message(participant, now, Operation::UserLeft {});
        vec![Effect::Broadcast(left)]
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
        if raw.len() > self.config.max_message_bytes {
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
        let result = match envelope.kind {
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
        result.unwrap_or_else(|error| vec![self.error_reply(participant, now, error, operation_id)])
    }

    /// Checks the role and reads the operation id; an id seen before gets its original ack back.
    fn admit_change(
        &self,
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
        Ok(Ok(key))
    }

    fn handle_edit(
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
    fn handle_undo(
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
    fn record(
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
        let mut effects = vec![Effect::Persist(StorageWrite::AppendOp(logged.clone()))];
        if self
            .revision
            .0
            .is_multiple_of(self.config.snapshot_every.max(1))
        {
            effects.extend(self.snapshot_writes());
        } else if self.alarm_at.is_none() {
            // Snapshot a quiet session too, so a reload replays a short log.
            let at = EpochMillis(now.0.saturating_add(self.config.snapshot_idle_ms));
            self.alarm_at = Some(at);
            effects.push(Effect::ScheduleAlarm(at));
        }
        self.presence.shift(&logged.op, logged.revision);
        let mut notices = Vec::new();
        for thread in self.comments.shift(&logged.op, len_before, logged.revision) {
            notices.push(self.thread_message(&logged.user_id, now, &thread));
            effects.push(Effect::Persist(StorageWrite::PutComment(thread)));
        }
        self.remember(logged.clone());
        Ok((logged, effects, notices))
    }

    /// Adds an applied edit to the history (and the dedupe index and undo stacks), dropping the oldest.
    fn remember(&mut self, logged: LoggedOp) {
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
    fn oldest_base(&self) -> Revision {
        Revision(self.revision.0 - self.history.len() as u64)
    }

    fn check_base(&self, base: Revision) -> Result<usize, ApiError> {
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

    fn transform_onto_head(&self, op: EditOp, base: Revision) -> Result<EditOp, ApiError> {
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

    fn check_growth(&self, op: &[Step]) -> Result<(), ApiError> {
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

    /// The alarm the engine asked for fired: snapshot what changed since the last snapshot.
    pub fn on_alarm(&mut self) -> Vec<Effect> {
        self.alarm_at = None;
        if self.revision == self.snapshot_revision {
            return Vec::new();
        }
        self.snapshot_writes()
    }

    fn snapshot_writes(&mut self) -> Vec<Effect> {
        self.snapshot_revision = self.revision;
        let keep_from = (self.revision.0 + 1).saturating_sub(self.config.history_limit as u64);
        let mut writes = vec![
            Effect::Persist(StorageWrite::PutSnapshot(Snapshot {
                revision: self.revision,
                content: self.text.to_string(),
            })),
            Effect::Persist(StorageWrite::PruneOpsBefore(Revision(keep_from))),
        ];
        // Threads are saved with their anchors as of the snapshot, so a reload only replays what follows.
        let threads = self.comments.all().cloned().map(StorageWrite::PutComment);
        writes.extend(threads.map(Effect::Persist));
        writes
    }

    /// Threaded comments: anyone but a guest may add, reply and resolve; the author or an owner deletes.
    fn handle_comment(
        &mut self,
        participant: &Participant,
        envelope: Envelope,
        now: EpochMillis,
    ) -> Result<Vec<Effect>, ApiError> {
        if !participant.role.can_comment() {
            return Err(ApiError::new(ErrorCode::Forbidden, "guests cannot comment"));
        }
        let operation_id = envelope.data.metadata.operation_id.clone();
        let user = participant.user_id.as_str();
        let missing = |id: &str| ApiError::new(ErrorCode::NotFound, format!("no comment `{id}`"));
        let thread = match envelope.data.operation {
            Operation::AddComment { line, text } => {
                let operation_id = required_operation_id(operation_id)?;
                if let Some(thread) = self.comments.started_by(user, &operation_id) {
                    // A resend: the thread exists already; tell the sender only.
                    let message = self.thread_message(user, now, thread);
                    return Ok(vec![Effect::Reply(message)]);
                }
                let text = comment_text(text)?;
                let lines = self.text.line_col(u32::MAX).line + 1;
                if line >= lines {
                    return Err(ApiError::new(
                        ErrorCode::OutOfRange,
                        format!("line {line} does not exist (the document has {lines})"),
                    ));
                }
                let at = (user, operation_id.as_str());
                self.comments
                    .add(&self.text, line, at, text, now, self.revision)
                    .clone()
            }
            Operation::ReplyComment { comment_id, text } => {
                let operation_id = required_operation_id(operation_id)?;
                let text = comment_text(text)?;
                let thread = self
                    .comments
                    .get_mut(&comment_id)
                    .ok_or_else(|| missing(&comment_id))?;
                let reply_id = format!("{user}:{operation_id}");
                if !thread.replies.iter().any(|r| r.reply_id == reply_id) {
                    thread.replies.push(CommentReply {
                        reply_id,
                        author: user.to_owned(),
                        text,
                        created_at: now,
                    });
                }
                thread.clone()
            }
            Operation::ResolveComment {
                comment_id,
                resolved,
            } => {
                let thread = self
                    .comments
                    .get_mut(&comment_id)
                    .ok_or_else(|| missing(&comment_id))?;
                thread.resolved = resolved;
                thread.clone()
            }
            Operation::DeleteComment { comment_id } => {
                let thread = self
                    .comments
                    .get(&comment_id)
                    .ok_or_else(|| missing(&comment_id))?;
                if thread.author != user && participant.role != Role::Owner {
                    return Err(ApiError::new(
                        ErrorCode::Forbidden,
                        "only the thread's author or an owner may delete it",
                    ));
                }
                self.comments.remove(&comment_id);
                let deleted = Operation::CommentDeleted {
                    comment_id: comment_id.clone(),
                };
                let message = self
                    .message(MessageType::Comment, user, now, deleted)
                    .to_json();
                let mut effects = vec![Effect::Persist(StorageWrite::DeleteComment(comment_id))];
                effects.extend(to_everyone(message));
                return Ok(effects);
            }
            _ => {
                return Err(ApiError::new(
                    ErrorCode::InvalidMessage,
                    "a comment carries `add_comment`, `reply_comment`, `resolve_comment` or `delete_comment`",
                ));
            }
        };
        let mut effects = vec![Effect::Persist(StorageWrite::PutComment(thread.clone()))];
        effects.extend(to_everyone(self.thread_message(user, now, &thread)));
        Ok(effects)
    }

    fn thread_message(&self, user_id: &str, now: EpochMillis, thread: &CommentThread) -> String {
        let operation = Operation::CommentThread {
            thread: thread.view(&self.text),
        };
        self.message(MessageType::Comment, user_id, now, operation)
            .to_json()
    }

    fn handle_presence(
        &mut self,
        participant: &Participant,
        envelope: Envelope,
        now: EpochMillis,
    ) -> Result<Vec<Effect>, ApiError> {
        let operation = envelope.data.operation;
        let presence = self
            .presence
            .update(participant, &operation, &self.text, self.revision)
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidMessage,
                    "presence carries a `cursor`, `selection` or `user_info` operation",
                )
            })?;
        // Relay what the server now holds: positions clamped to the text.
        let relayed = match operation {
            Operation::Cursor(_) => presence
                .cursor
                .map(|c| Operation::Cursor(self.text.line_col(c))),
            Operation::Selection(_) => presence.selection.map(|(a, b)| {
                Operation::Selection(Span {
                    start: self.text.line_col(a),
                    end: self.text.line_col(b),
                })
            }),
            other => Some(other),
        };
        let mut effects = vec![Effect::KeepPresence(presence)];
        if let Some(relayed) = relayed {
            effects.push(Effect::Broadcast(self.presence_message(
                participant,
                now,
                relayed,
            )));
        }
        Ok(effects)
    }

    fn handle_sync(
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

/// The same message to the sender and to everyone else.
fn to_everyone(message: String) -> [Effect; 2] {
    [Effect::Reply(message.clone()), Effect::Broadcast(message)]
}

/// Longest comment or reply, in characters.
const MAX_COMMENT_CHARS: usize = 10_000;

fn comment_text(text: String) -> Result<String, ApiError> {
    let chars = text.chars().count();
    if text.trim().is_empty() || chars > MAX_COMMENT_CHARS {
        return Err(ApiError::new(
            ErrorCode::InvalidMessage,
            format!("a comment is 1 to {MAX_COMMENT_CHARS} characters, not blank"),
        ));
    }
    Ok(text)
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

fn out_of_range(error: OtError) -> ApiError {
    ApiError::new(ErrorCode::OutOfRange, error.to_string())
}
