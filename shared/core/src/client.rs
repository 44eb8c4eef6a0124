//! The client half of the OT protocol, as a state machine shared by the bench, the tests and the
//! browser SDK: local edits apply at once; one edit at a time is in flight, later ones are buffered;
//! incoming edits are transformed over both; after a reconnect the client catches up from its revision
//! and resends what was not acknowledged, under the same operation id so it applies once.

use thiserror::Error;

use crate::error::{ApiError, ErrorCode};
use crate::ot::{EditOp, OtError, Priority, TextBuffer, transform};
use crate::protocol::{Envelope, HEARTBEAT_PONG, MessageType, Operation};
use crate::units::{EpochMillis, Revision};

/// Why the client could not take an edit or a message.
#[derive(Debug, Error)]
pub enum ClientError {
    /// A local edit does not fit the local text.
    #[error("local edit does not apply: {0}")]
    LocalEdit(#[from] OtError),
    /// The client has not received its first `full_sync` yet.
    #[error("not synchronised yet: wait for the first full_sync")]
    NotSynced,
    /// The server sent something this client cannot follow (a gap in revisions, an edit that does
    /// not apply). The client has asked for a full sync; unconfirmed local edits are dropped.
    #[error("lost sync with the server: {0}")]
    OutOfSync(String),
    /// The server refused something. If it refused our in-flight edit for good, local edits were dropped
    /// (ask for a full sync); if it was `RATE_LIMITED` or `INTERNAL`, they are kept: call `retry_pending`
    /// after `retry_after_ms`.
    #[error("server error: {0}")]
    Server(ApiError),
    /// The server's message did not parse.
    #[error("unreadable server message: {0}")]
    Protocol(ApiError),
}

#[derive(Debug, Clone)]
struct Inflight {
    operation_id: String,
    op: EditOp,
    /// Sent on a connection that has since closed.
    needs_resend: bool,
}

/// One client's view of a session's document.
#[derive(Debug)]
pub struct ClientSession {
    session_id: String,
    user_id: String,
    id_prefix: String,
    next_seq: u64,
    text: TextBuffer,
    revision: Revision,
    synced: bool,
    /// A `catch_up` is under way: live edits beyond the next revision will come again in its reply.
    catching_up: bool,
    inflight: Option<Inflight>,
    buffer: EditOp,
}

impl ClientSession {
    /// A client of `session_id` acting as `user_id`; operation ids are `{id_prefix}-{n}`, so the prefix
    /// must be unique per client instance (e.g. random).
    pub fn new(session_id: &str, user_id: &str, id_prefix: &str) -> Self {
        ClientSession {
            session_id: session_id.to_owned(),
            user_id: user_id.to_owned(),
            id_prefix: id_prefix.to_owned(),
            next_seq: 0,
            text: TextBuffer::default(),
            revision: Revision(0),
            synced: false,
            catching_up: false,
            inflight: None,
            buffer: EditOp::new(),
        }
    }

    /// The local text (the server's plus unconfirmed local edits).
    pub fn text(&self) -> String {
        self.text.to_string()
    }

    /// The last server revision this client has seen.
    pub fn revision(&self) -> Revision {
        self.revision
    }

    /// Whether the first `full_sync` arrived.
    pub fn is_synced(&self) -> bool {
        self.synced
    }

    /// Whether some local edit is not yet confirmed by the server.
    pub fn has_unconfirmed(&self) -> bool {
        self.inflight.is_some() || !self.buffer.is_empty()
    }

    /// Length of the local text in UTF-16 units.
    pub fn len_utf16(&self) -> usize {
        self.text.len_utf16()
    }

    /// Applies a local edit; returns the message to send, if one may be sent now.
    pub fn edit(&mut self, op: EditOp, now: EpochMillis) -> Result<Option<String>, ClientError> {
        if !self.synced {
            return Err(ClientError::NotSynced);
        }
        self.text.apply(&op)?;
        if self.inflight.is_some() {
            self.buffer.extend(op);
            return Ok(None);
        }
        Ok(Some(self.send_new(op, now)))
    }

    /// The connection dropped: what was in flight must be resent after catching up.
    pub fn disconnected(&mut self) {
        if let Some(inflight) = &mut self.inflight {
            inflight.needs_resend = true;
        }
    }

    /// Takes one server message; returns the messages to send in reply.
    pub fn receive(&mut self, raw: &str, now: EpochMillis) -> Result<Vec<String>, ClientError> {
        if raw == HEARTBEAT_PONG {
            return Ok(Vec::new());
        }
        let envelope = match Envelope::parse(raw) {
            Ok(envelope) => envelope,
            // Newer servers may send message kinds this client does not know yet: skip them.
            Err(e) if e.code == ErrorCode::UnknownType => return Ok(Vec::new()),
            Err(e) => return Err(ClientError::Protocol(e)),
        };
        match (envelope.kind, envelope.data.operation) {
            (_, Operation::FullSync { content, version }) => {
                if self.synced && self.has_unconfirmed() {
                    // Keep local edits: fetch what we missed, then resend.
                    self.catching_up = true;
                    return Ok(vec![self.request(
                        Operation::CatchUp {},
                        Some(self.revision),
                        now,
                    )]);
                }
                self.text = TextBuffer::new(&content);
                self.revision = version;
                self.synced = true;
                Ok(Vec::new())
            }
            (
                _,
                Operation::Ack {
                    operation_id,
                    version,
                    ..
                },
            ) => self.confirm(&operation_id, version, now),
            (_, Operation::CaughtUp { .. }) => {
                self.catching_up = false;
                Ok(self.resend(now).into_iter().collect())
            }
            (MessageType::Edit, operation) => {
                let version = envelope.version.unwrap_or_default();
                let mine = envelope.user_id == self.user_id
                    && envelope.data.metadata.operation_id.as_deref()
                        == self.inflight.as_ref().map(|i| i.operation_id.as_str());
                if mine {
                    // Our own edit, seen while catching up: it is the acknowledgement.
                    let id = envelope.data.metadata.operation_id.unwrap_or_default();
                    return self.confirm(&id, version, now);
                }
                let op = operation
                    .as_edit()
                    .ok_or_else(|| self.lose_sync("an edit message without an edit"))?;
                self.apply_remote(op, version)?;
                Ok(Vec::new())
            }
            (
                _,
                Operation::Error {
                    code,
                    message,
                    retry_after_ms,
                    operation_id,
                },
            ) => {
                let mut error = ApiError::new(code, message);
                error.retry_after_ms = retry_after_ms;
                let ours = operation_id.is_some()
                    && operation_id.as_deref()
                        == self.inflight.as_ref().map(|i| i.operation_id.as_str());
                let transient = matches!(code, ErrorCode::RateLimited | ErrorCode::Internal);
                if ours && transient {
                    // Nothing was applied: keep every local edit and send the same edit again later.
                    if let Some(inflight) = &mut self.inflight {
                        inflight.needs_resend = true;
                    }
                } else if ours || code == ErrorCode::RevisionTooOld {
                    self.drop_local_edits();
                }
                Err(ClientError::Server(error))
            }
            _ => Ok(Vec::new()),
        }
    }

    /// After a `RATE_LIMITED` or `INTERNAL` refusal of the in-flight edit (wait `retry_after_ms` first):
    /// the same edit again, under the same operation id. `None` if nothing waits to be resent.
    pub fn retry_pending(&mut self, now: EpochMillis) -> Option<String> {
        self.resend(now)
    }

    /// The message that undoes this user's last edit. The server answers with the undo as an ordinary
    /// `edit` (carrying this message's operation id), which `receive` applies.
    pub fn undo_request(&mut self, now: EpochMillis) -> String {
        self.change_request(MessageType::Undo, Operation::Undo {}, now)
    }

    /// The message that redoes this user's last undo (answered like `undo_request`).
    pub fn redo_request(&mut self, now: EpochMillis) -> String {
        self.change_request(MessageType::Redo, Operation::Redo {}, now)
    }

    fn change_request(
        &mut self,
        kind: MessageType,
        operation: Operation,
        now: EpochMillis,
    ) -> String {
        let operation_id = self.next_operation_id();
        Envelope::new(
            kind,
            &self.session_id,
            &self.user_id,
            now,
            operation,
            Some(self.revision),
        )
        .with_operation_id(Some(operation_id))
        .to_json()
    }

    fn next_operation_id(&mut self) -> String {
        self.next_seq += 1;
        format!("{}-{}", self.id_prefix, self.next_seq)
    }

    /// The message that asks for a fresh full sync (after an error dropped local edits).
    pub fn full_sync_request(&self, now: EpochMillis) -> String {
        self.request(Operation::FullSyncRequest {}, None, now)
    }

    fn apply_remote(&mut self, op: EditOp, version: Revision) -> Result<(), ClientError> {
        let already_seen = version <= self.revision;
        let comes_again = self.catching_up && version > self.revision.next();
        if already_seen || comes_again {
            return Ok(());
        }
        if version != self.revision.next() {
            let why = format!("expected revision {}, got {version}", self.revision.next());
            return Err(self.lose_sync(&why));
        }
        // Server edits were ordered before ours, so they win ties.
        let mut remote = op;
        if let Some(inflight) = &mut self.inflight {
            let (mine, theirs) = transform(&inflight.op, &remote, Priority::Right);
            inflight.op = mine;
            remote = theirs;
        }
        if !self.buffer.is_empty() {
            let (mine, theirs) = transform(&self.buffer, &remote, Priority::Right);
            self.buffer = mine;
            remote = theirs;
        }
        if let Err(e) = self.text.apply(&remote) {
            return Err(self.lose_sync(&e.to_string()));
        }
        self.revision = version;
        Ok(())
    }

    fn confirm(
        &mut self,
        operation_id: &str,
        version: Revision,
        now: EpochMillis,
    ) -> Result<Vec<String>, ClientError> {
        if self.inflight.as_ref().map(|i| i.operation_id.as_str()) != Some(operation_id) {
            return Ok(Vec::new()); // a late duplicate ack
        }
        if self.catching_up && version > self.revision.next() {
            return Ok(Vec::new()); // the catch-up reply carries this edit again, in order
        }
        if version != self.revision.next() {
            let why = format!(
                "ack for revision {version}, expected {}",
                self.revision.next()
            );
            return Err(self.lose_sync(&why));
        }
        self.revision = version;
        self.inflight = None;
        if self.buffer.is_empty() {
            return Ok(Vec::new());
        }
        let op = std::mem::take(&mut self.buffer);
        Ok(vec![self.send_new(op, now)])
    }

    fn resend(&mut self, now: EpochMillis) -> Option<String> {
        let inflight = self.inflight.as_mut().filter(|i| i.needs_resend)?;
        inflight.needs_resend = false;
        let (id, op) = (inflight.operation_id.clone(), inflight.op.clone());
        Some(self.edit_message(&id, &op, now))
    }

    fn send_new(&mut self, op: EditOp, now: EpochMillis) -> String {
        let operation_id = self.next_operation_id();
        let message = self.edit_message(&operation_id, &op, now);
        self.inflight = Some(Inflight {
            operation_id,
            op,
            needs_resend: false,
        });
        message
    }

    fn edit_message(&self, operation_id: &str, op: &EditOp, now: EpochMillis) -> String {
        Envelope::new(
            MessageType::Edit,
            &self.session_id,
            &self.user_id,
            now,
            Operation::from_edit(op),
            Some(self.revision),
        )
        .with_operation_id(Some(operation_id.to_owned()))
        .to_json()
    }

    fn request(&self, operation: Operation, version: Option<Revision>, now: EpochMillis) -> String {
        Envelope::new(
            MessageType::Sync,
            &self.session_id,
            &self.user_id,
            now,
            operation,
            version,
        )
        .to_json()
    }

    fn drop_local_edits(&mut self) {
        self.catching_up = false;
        self.inflight = None;
        self.buffer.clear();
        self.synced = false;
    }

    fn lose_sync(&mut self, why: &str) -> ClientError {
        self.drop_local_edits();
        ClientError::OutOfSync(why.to_owned())
    }
}
