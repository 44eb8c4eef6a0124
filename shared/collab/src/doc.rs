//! The session documents port: what a REST handler asks one session (its Durable Object) to do. One
//! serde definition for both ends — the Worker sends a [`DocCall`], the DO answers it with [`serve`] —
//! and [`MemoryDocs`], sessions in memory for native tests.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use synq_core::auth::Role;
use synq_core::protocol::{CommentView, LineCol, Operation, ParticipantView, Span, UserInfo};
use synq_core::session::{
    Applied, CheckpointInfo, Effect, HistoryStore, LoggedOp, MemoryStore, MergeOutcome,
    Participant, SessionConfig, SessionEngine, SessionStore, Snapshot, document_at, edits_since,
    history_page, new_checkpoint,
};
use synq_core::{ApiError, EpochMillis, ErrorCode, Revision};

/// Who is asking, as the Worker authenticated and authorised them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The user.
    pub user_id: String,
    /// Their effective role in the session.
    pub role: Role,
    /// Display name from their token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Actor {
    /// The engine's view of a caller without a socket.
    fn participant(&self) -> Participant {
        Participant {
            user_id: self.user_id.clone(),
            role: self.role,
            name: self.name.clone(),
            connection_id: "rest".to_owned(),
            expires_at: None,
            token_role: None,
            read_only: false,
        }
    }
}

/// One request to one session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocCall {
    /// The session (the Durable Object's name).
    pub session_id: String,
    /// Who asks.
    pub actor: Actor,
    /// What they ask.
    pub request: DocRequest,
}

/// What a session is asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DocRequest {
    /// The current revision.
    Head {},
    /// The document now, at a revision, or at a checkpoint.
    Document {
        /// The revision (default: now).
        revision: Option<Revision>,
        /// A checkpoint's name instead.
        checkpoint: Option<String>,
    },
    /// An edit against `version`.
    Edit {
        /// `insert`, `delete` or `transform`.
        operation: Operation,
        /// The revision it was made on.
        version: Revision,
        /// The caller's id for it (a resend applies once).
        operation_id: String,
    },
    /// Presence to relay.
    Presence {
        /// Cursor.
        cursor: Option<LineCol>,
        /// Selection.
        selection: Option<Span>,
        /// Display info.
        user_info: Option<UserInfo>,
    },
    /// A new comment thread.
    Comment {
        /// 0-based line.
        line: u32,
        /// The comment.
        text: String,
        /// The caller's id for it (a resend adds it once).
        operation_id: String,
    },
    /// A page of the edit history.
    History {
        /// First revision (default: the oldest kept).
        from: Option<Revision>,
        /// Last revision (default: now).
        to: Option<Revision>,
        /// Most edits.
        limit: usize,
    },
    /// A named checkpoint of the document now or at a revision.
    CreateCheckpoint {
        /// Its name.
        name: String,
        /// The revision (default: now).
        revision: Option<Revision>,
    },
    /// Every checkpoint.
    Checkpoints {},
    /// Start a new session (a branch) with a document at its parent's revision.
    Seed {
        /// The parent's revision.
        revision: Revision,
        /// The document.
        content: String,
    },
    /// Every edit after `base` (a branch's, to merge).
    EditsSince {
        /// The fork revision.
        base: Revision,
    },
    /// `user_id`'s grant changed (`role`; `None`: removed): their open connections take the new role
    /// at once, or are closed when they have none left. Answers the head.
    Regrant {
        /// The user.
        user_id: String,
        /// Their grant now.
        role: Option<Role>,
    },
    /// Merge a branch's edits since the fork into this session.
    Merge {
        /// The branch.
        branch_id: String,
        /// Where it forked from this session.
        base: Revision,
        /// Its edits since then.
        edits: Vec<LoggedOp>,
    },
}

/// What a session answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DocResponse {
    /// The current revision.
    Head {
        /// It.
        revision: Revision,
    },
    /// A document and its revision.
    Document(Snapshot),
    /// An applied edit.
    Applied(Applied),
    /// The presence relayed.
    Presence(ParticipantView),
    /// A comment thread.
    Comment(CommentView),
    /// A page of edits.
    History {
        /// Oldest first.
        edits: Vec<LoggedOp>,
        /// Where the next page starts.
        next: Option<Revision>,
    },
    /// A checkpoint made.
    Checkpoint(CheckpointInfo),
    /// Every checkpoint.
    Checkpoints {
        /// By revision.
        checkpoints: Vec<CheckpointInfo>,
    },
    /// Edits since a revision.
    Edits {
        /// Oldest first.
        edits: Vec<LoggedOp>,
    },
    /// A merge.
    Merged(MergeOutcome),
}

/// Asks sessions: the Worker's adapter calls the Durable Object; [`MemoryDocs`] runs engines in memory.
#[allow(async_fn_in_trait)]
pub trait SessionDocs {
    /// Sends one request to one session.
    async fn call(&self, call: &DocCall) -> Result<DocResponse, ApiError>;
}

/// Serves one request on a session's engine and store, returning the answer and what the shell must
/// carry out (writes first, then broadcasts to the session's sockets).
pub fn serve(
    engine: &mut SessionEngine,
    store: &impl HistoryStore,
    actor: &Actor,
    request: DocRequest,
    now: EpochMillis,
) -> Result<(DocResponse, Vec<Effect>), ApiError> {
    let who = actor.participant();
    let answer = |response| Ok((response, Vec::new()));
    match request {
        DocRequest::Head {} => answer(DocResponse::Head {
            revision: engine.revision(),
        }),
        DocRequest::Document {
            revision,
            checkpoint: Some(name),
        } => {
            if revision.is_some() {
                return Err(synq_core::body::invalid_field(
                    "checkpoint",
                    "ask for a revision or a checkpoint, not both",
                ));
            }
            let checkpoint = store
                .checkpoint(&name)
                .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?
                .ok_or_else(|| {
                    ApiError::new(ErrorCode::NotFound, format!("no checkpoint named `{name}`"))
                        .with_field("checkpoint")
                })?;
            answer(DocResponse::Document(Snapshot {
                revision: checkpoint.info.revision,
                content: checkpoint.content,
            }))
        }
        DocRequest::Document {
            revision,
            checkpoint: None,
        } => {
            let at = revision.unwrap_or(engine.revision());
            let document = document_at(engine, store, at).map_err(|e| e.with_field("revision"))?;
            answer(DocResponse::Document(document))
        }
        DocRequest::Edit {
            operation,
            version,
            operation_id,
        } => {
            let (applied, effects) =
                engine.edit_direct(&who, operation, version, &operation_id, now)?;
            Ok((DocResponse::Applied(applied), effects))
        }
        DocRequest::Presence {
            cursor,
            selection,
            user_info,
        } => {
            let (view, effects) =
                engine.presence_direct(&who, cursor, selection, user_info, now)?;
            Ok((DocResponse::Presence(view), effects))
        }
        DocRequest::Comment {
            line,
            text,
            operation_id,
        } => {
            let (thread, effects) = engine.comment_direct(&who, line, text, &operation_id, now)?;
            Ok((DocResponse::Comment(thread), effects))
        }
        DocRequest::History { from, to, limit } => {
            let page = history_page(engine, store, from, to, limit)?;
            answer(DocResponse::History {
                edits: page.edits,
                next: page.next,
            })
        }
        DocRequest::CreateCheckpoint { name, revision } => {
            let (info, write) = new_checkpoint(engine, store, &name, revision, &who.user_id, now)?;
            Ok((DocResponse::Checkpoint(info), vec![Effect::Persist(write)]))
        }
        DocRequest::Checkpoints {} => {
            let checkpoints = store
                .checkpoints()
                .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
            answer(DocResponse::Checkpoints { checkpoints })
        }
        DocRequest::Seed { revision, content } => {
            let effects = engine.seed(&content, revision)?;
            Ok((DocResponse::Head { revision }, effects))
        }
        DocRequest::EditsSince { base } => {
            let edits = edits_since(engine, store, base)?;
            answer(DocResponse::Edits { edits })
        }
        DocRequest::Regrant { user_id, role } => {
            let effects = engine.regrant(&user_id, role, now);
            let revision = engine.revision();
            Ok((DocResponse::Head { revision }, effects))
        }
        DocRequest::Merge {
            branch_id,
            base,
            edits,
        } => {
            let main = edits_since(engine, store, base).map_err(|mut e| {
                e.message = format!("cannot merge: {}", e.message);
                e
            })?;
            let (outcome, effects) =
                engine.merge_branch(&who, &branch_id, base, &main, &edits, now)?;
            Ok((DocResponse::Merged(outcome), effects))
        }
    }
}

/// Sessions in memory, served by [`serve`] as the Durable Object serves them; what they broadcast is
/// kept for tests to read.
#[derive(Debug, Default)]
pub struct MemoryDocs {
    config: SessionConfig,
    sessions: RefCell<BTreeMap<String, (SessionEngine, MemoryStore)>>,
    broadcasts: RefCell<Vec<(String, String)>>,
    now: Cell<EpochMillis>,
}

impl MemoryDocs {
    /// Sessions with these limits.
    pub fn new(config: SessionConfig) -> Self {
        MemoryDocs {
            config,
            ..MemoryDocs::default()
        }
    }

    /// Sets the clock the sessions see.
    pub fn set_now(&self, now: EpochMillis) {
        self.now.set(now);
    }

    /// Every `(session, message)` broadcast so far.
    pub fn broadcasts(&self) -> Vec<(String, String)> {
        self.broadcasts.borrow().clone()
    }

    /// A session's current text (empty if it was never asked anything).
    pub fn text(&self, session_id: &str) -> String {
        self.sessions
            .borrow()
            .get(session_id)
            .map(|(engine, _)| engine.text())
            .unwrap_or_default()
    }
}

impl SessionDocs for MemoryDocs {
    async fn call(&self, call: &DocCall) -> Result<DocResponse, ApiError> {
        let mut sessions = self.sessions.borrow_mut();
        let (engine, store) = sessions.entry(call.session_id.clone()).or_insert_with(|| {
            (
                SessionEngine::new(&call.session_id, self.config.clone()),
                MemoryStore::default(),
            )
        });
        let (response, effects) = serve(
            engine,
            store,
            &call.actor,
            call.request.clone(),
            self.now.get(),
        )?;
        for effect in effects {
            match effect {
                Effect::Persist(write) => store
                    .write(&write)
                    .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?,
                Effect::Broadcast(message) => self
                    .broadcasts
                    .borrow_mut()
                    .push((call.session_id.clone(), message)),
                _ => {}
            }
        }
        Ok(response)
    }
}
