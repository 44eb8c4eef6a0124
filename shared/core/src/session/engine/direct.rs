//! What the session does for callers without a socket (the REST API, through the shell): the same rules
//! as over WebSocket (roles, rate, an archived session is read-only, activity), the result sent to every
//! connected socket, and an answer instead of a reply. Also
//! the two halves of branching: seeding a new session with the document it forks, and merging a branch.

use serde::{Deserialize, Serialize};

use super::{Effect, Participant, SessionEngine};
use crate::error::{ApiError, ErrorCode};
use crate::ot::EditOp;
use crate::ot::{Step, TextBuffer};
use crate::protocol::{
    CommentView, Envelope, MessageType, Operation, ParticipantView, Span, UserInfo,
};
use crate::session::merge::{cross, rebase};
use crate::session::store::{EditKind, LoggedOp, Snapshot, StorageWrite};
use crate::units::{EpochMillis, LineCol, Revision, utf16_len};

/// An edit the session applied, or had applied before under the same operation id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Applied {
    /// The revision it became.
    pub revision: Revision,
    /// True when it had been applied before (a resend).
    pub duplicate: bool,
}

/// What merging a branch brought into the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeOutcome {
    /// How many branch edits became revisions here.
    pub merged: usize,
    /// The revision of the first merged edit (absent when the branch had none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_revision: Option<Revision>,
    /// The session's revision after the last merged edit.
    pub revision: Revision,
    /// True when these edits had been merged before (a retried merge applies once).
    pub duplicate: bool,
}

/// The id a merged edit carries here: it names the branch and the branch revision, so a retried merge
/// is recognised.
fn merged_operation_id(branch_id: &str, revision: Revision) -> String {
    format!("merge:{branch_id}:{revision}")
}

/// The main line's edits as a branch edit made after `done` must cross them: `done` (the branch's
/// first edits) were merged before, as the revisions from `first_done` on; the main-line edits that
/// came before them are moved past them, and those after follow as they are.
fn main_since_merged(
    branch_id: &str,
    base: Revision,
    main: &[LoggedOp],
    done: &[LoggedOp],
    first_done: Revision,
) -> Result<Vec<EditOp>, ApiError> {
    let at = usize::try_from(first_done.0.saturating_sub(base.0 + 1)).unwrap_or(usize::MAX);
    let merged = main.get(at..at.saturating_add(done.len()));
    let recorded = merged.is_some_and(|merged| {
        merged.iter().zip(done).all(|(op, original)| {
            op.operation_id == merged_operation_id(branch_id, original.revision)
        })
    });
    if !recorded {
        return Err(ApiError::new(
            ErrorCode::Internal,
            "the edits merged before are not where the session recorded them; retry",
        ));
    }
    let before: Vec<_> = main[..at].iter().map(|op| op.op.clone()).collect();
    let done: Vec<_> = done.iter().map(|op| op.op.clone()).collect();
    let (_, mut edits) = cross(&done, &before);
    edits.extend(main[at + done.len()..].iter().map(|op| op.op.clone()));
    Ok(edits)
}

/// Nobody is on the other end of a direct call: what the engine would reply goes nowhere, broadcasts
/// go to every socket.
fn without_replies(effects: Vec<Effect>) -> Vec<Effect> {
    effects
        .into_iter()
        .filter(|e| !matches!(e, Effect::Reply(_)))
        .collect()
}

/// Most (branch edit, main-line edit) pairs one merge transforms: a rebase costs their product, inside
/// one request to the parent session.
pub const MAX_MERGE_TRANSFORMS: usize = 2_000_000;

impl SessionEngine {
    /// An edit made without a socket, against revision `version`: role, rate limit, transform and
    /// resend rules as on a socket.
    pub fn edit_direct(
        &mut self,
        actor: &Participant,
        operation: Operation,
        version: Revision,
        operation_id: &str,
        now: EpochMillis,
    ) -> Result<(Applied, Vec<Effect>), ApiError> {
        self.direct(actor, now, true, |engine| {
            let key = (actor.user_id.clone(), operation_id.to_owned());
            let seen = engine.applied.contains_key(&key);
            let envelope = Envelope::new(
                MessageType::Edit,
                &engine.session_id,
                &actor.user_id,
                now,
                operation,
                Some(version),
            )
            .with_operation_id(Some(operation_id.to_owned()));
            let effects = engine.handle_edit(actor, &envelope, now)?;
            let revision = engine.applied.get(&key).copied().ok_or_else(|| {
                ApiError::new(ErrorCode::Internal, "the edit was not recorded; retry")
            })?;
            let applied = Applied {
                revision,
                duplicate: seen,
            };
            Ok((applied, effects))
        })
    }

    /// Runs a call without a socket as a socket's message runs: an archived session refuses changes,
    /// what succeeds counts as the session's activity, and the alarm is asked for what became due.
    /// Replies go nowhere (nobody is on the other end); broadcasts go to every socket.
    fn direct<T>(
        &mut self,
        actor: &Participant,
        now: EpochMillis,
        changes_session: bool,
        call: impl FnOnce(&mut Self) -> Result<(T, Vec<Effect>), ApiError>,
    ) -> Result<(T, Vec<Effect>), ApiError> {
        if changes_session {
            self.require_open()?;
        }
        let (value, effects) = call(self)?;
        let mut effects = without_replies(effects);
        effects.extend(self.note_activity(actor, now));
        self.schedule_wake(&mut effects);
        Ok((value, effects))
    }

    /// A comment thread started without a socket (viewers and up, as on a socket); a resend with the
    /// same operation id answers the thread it started.
    pub fn comment_direct(
        &mut self,
        actor: &Participant,
        line: u32,
        text: String,
        operation_id: &str,
        now: EpochMillis,
    ) -> Result<(CommentView, Vec<Effect>), ApiError> {
        self.direct(actor, now, true, |engine| {
            let envelope = Envelope::new(
                MessageType::Comment,
                &engine.session_id,
                &actor.user_id,
                now,
                Operation::AddComment { line, text },
                Some(engine.revision),
            )
            .with_operation_id(Some(operation_id.to_owned()));
            let effects = engine.handle_comment(actor, envelope, now)?;
            let thread = engine
                .comments
                .started_by(&actor.user_id, operation_id)
                .map(|t| t.view(&engine.text))
                .ok_or_else(|| {
                    ApiError::new(ErrorCode::Internal, "the comment was not recorded")
                })?;
            Ok((thread, effects))
        })
    }

    /// Presence from a caller without a socket: positions clamped into the text and relayed to every
    /// socket as connection `rest:{user}`. It is not kept: no connection's close would ever remove it.
    /// It counts as activity, as on a socket.
    pub fn presence_direct(
        &mut self,
        actor: &Participant,
        cursor: Option<LineCol>,
        selection: Option<Span>,
        user_info: Option<UserInfo>,
        now: EpochMillis,
    ) -> Result<(ParticipantView, Vec<Effect>), ApiError> {
        if let Some(info) = &user_info {
            info.check()?;
        }
        self.direct(actor, now, false, |engine| {
            Ok(engine.relay_presence(actor, cursor, selection, user_info, now))
        })
    }

    fn relay_presence(
        &self,
        actor: &Participant,
        cursor: Option<LineCol>,
        selection: Option<Span>,
        user_info: Option<UserInfo>,
        now: EpochMillis,
    ) -> (ParticipantView, Vec<Effect>) {
        let clamp = |at: LineCol| self.text.line_col(self.text.offset_of(at));
        let view = ParticipantView {
            connection_id: format!("rest:{}", actor.user_id),
            user_id: actor.user_id.clone(),
            role: actor.role,
            name: actor.name.clone(),
            cursor: cursor.map(clamp),
            selection: selection.map(|s| Span {
                start: clamp(s.start),
                end: clamp(s.end),
            }),
            user_info,
        };
        let sender = Participant {
            connection_id: view.connection_id.clone(),
            ..actor.clone()
        };
        let operations = [
            view.cursor.map(Operation::Cursor),
            view.selection.map(Operation::Selection),
            view.user_info.clone().map(Operation::UserInfo),
        ];
        let effects = operations
            .into_iter()
            .flatten()
            .map(|op| Effect::Broadcast(self.presence_message(&sender, now, op)))
            .collect();
        (view, effects)
    }

    /// Starts a new session (a branch) from `content` at `revision` of its parent, so revision numbers
    /// continue the parent's. Only a session that never had a document may be seeded.
    pub fn seed(&mut self, content: &str, revision: Revision) -> Result<Vec<Effect>, ApiError> {
        if self.revision.0 != 0 || self.text.len_utf16() != 0 {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                format!(
                    "session `{}` already has a document; only a new session is seeded",
                    self.session_id
                ),
            ));
        }
        if utf16_len(content) > self.config.max_document_utf16 {
            return Err(ApiError::new(
                ErrorCode::LimitExceeded,
                format!(
                    "the document may hold at most {} UTF-16 units",
                    self.config.max_document_utf16
                ),
            ));
        }
        self.text = TextBuffer::new(content);
        self.revision = revision;
        self.snapshot_revision = revision;
        let snapshot = Snapshot {
            revision,
            content: content.to_owned(),
        };
        // Kept in the version history too: the branch's oldest document, where its log starts.
        Ok(vec![
            Effect::Persist(StorageWrite::PutSnapshot(snapshot.clone())),
            Effect::Persist(StorageWrite::KeepSnapshot(snapshot)),
        ])
    }

    /// Merges a branch forked at `base`: `main` are this session's edits since `base` (to the current
    /// revision), `branch` the branch's since `base`. Each branch edit, transformed over the main line,
    /// becomes a new revision here under its original author (kind `merged`), and reaches every socket as
    /// an ordinary edit. All or nothing: if one would not fit, nothing is applied. Branch edits merged
    /// before (a retry) are not merged again; a retry that brings nothing new is answered `duplicate`.
    pub fn merge_branch(
        &mut self,
        merger: &Participant,
        branch_id: &str,
        base: Revision,
        main: &[LoggedOp],
        branch: &[LoggedOp],
        now: EpochMillis,
    ) -> Result<(MergeOutcome, Vec<Effect>), ApiError> {
        self.direct(merger, now, true, |engine| {
            engine.merge_edits(branch_id, base, main, branch, now)
        })
    }

    fn merge_edits(
        &mut self,
        branch_id: &str,
        base: Revision,
        main: &[LoggedOp],
        branch: &[LoggedOp],
        now: EpochMillis,
    ) -> Result<(MergeOutcome, Vec<Effect>), ApiError> {
        let contiguous = |ops: &[LoggedOp]| {
            ops.iter()
                .enumerate()
                .all(|(i, op)| op.revision.0 == base.0 + 1 + i as u64)
        };
        if !contiguous(main) || base.0 + main.len() as u64 != self.revision.0 || !contiguous(branch)
        {
            return Err(ApiError::new(
                ErrorCode::Internal,
                "the edits to merge are not the contiguous runs after the fork; retry",
            ));
        }
        // A merge is recognised by each edit it contains, not by its first: a retry (the merge was
        // applied but not recorded as done) may bring edits the branch made since, and merges only those.
        let merged_key = |op: &LoggedOp| {
            (
                op.user_id.clone(),
                merged_operation_id(branch_id, op.revision),
            )
        };
        let already = branch
            .iter()
            .take_while(|op| self.applied.contains_key(&merged_key(op)))
            .count();
        let (done, branch) = branch.split_at(already);
        let first_done = done
            .first()
            .and_then(|op| self.applied.get(&merged_key(op)).copied());
        let last_done = done
            .last()
            .and_then(|op| self.applied.get(&merged_key(op)).copied());
        if branch.is_empty()
            && let (Some(first), Some(last)) = (first_done, last_done)
        {
            let outcome = MergeOutcome {
                merged: done.len(),
                first_revision: Some(first),
                revision: last,
                duplicate: true,
            };
            return Ok((outcome, Vec::new()));
        }
        let main_edits = match first_done {
            Some(first) => main_since_merged(branch_id, base, main, done, first)?,
            None => main.iter().map(|op| op.op.clone()).collect(),
        };
        if branch.len().saturating_mul(main_edits.len()) > MAX_MERGE_TRANSFORMS {
            return Err(ApiError::new(
                ErrorCode::LimitExceeded,
                format!(
                    "{} branch edits over {} main-line edits is more than one merge transforms \
                     ({MAX_MERGE_TRANSFORMS} pairs); nothing was merged",
                    branch.len(),
                    main_edits.len()
                ),
            ));
        }
        let branch_edits: Vec<_> = branch.iter().map(|op| op.op.clone()).collect();
        let rebased = rebase(&branch_edits, &main_edits);
        self.check_merge_fits(&rebased)?;
        let mut effects = Vec::new();
        let first_revision = (!branch.is_empty()).then(|| self.revision.next());
        for (original, op) in branch.iter().zip(rebased) {
            let key = merged_key(original);
            let kind = EditKind::Merged {
                of: original.revision,
            };
            let (logged, writes, notices) = self.record(key, op, kind, now)?;
            effects.extend(writes);
            effects.push(Effect::Broadcast(self.edit_message(&logged)));
            effects.extend(notices.into_iter().map(Effect::Broadcast));
        }
        let outcome = MergeOutcome {
            merged: branch.len(),
            first_revision,
            revision: self.revision,
            duplicate: false,
        };
        Ok((outcome, effects))
    }

    /// Applies the merged edits to a copy of the text: each must apply and the document stay in size.
    fn check_merge_fits(&self, edits: &[Vec<Step>]) -> Result<(), ApiError> {
        let mut text = self.text.clone();
        for edit in edits {
            let inserted: usize = edit.iter().map(|s| s.insert_len() as usize).sum();
            if text.len_utf16().saturating_add(inserted) > self.config.max_document_utf16 {
                return Err(ApiError::new(
                    ErrorCode::LimitExceeded,
                    format!(
                        "merged, the document would pass its limit of {} UTF-16 units; nothing was merged",
                        self.config.max_document_utf16
                    ),
                ));
            }
            text.apply(edit).map_err(|e| {
                ApiError::new(
                    ErrorCode::Internal,
                    format!("a merged edit does not apply ({e}); nothing was merged"),
                )
            })?;
        }
        Ok(())
    }
}
