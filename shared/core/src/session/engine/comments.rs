//! Comment messages: add, reply, resolve, delete.

use super::{Effect, Participant, SessionEngine, required_operation_id, to_everyone};
use crate::auth::Role;
use crate::error::{ApiError, ErrorCode};
use crate::protocol::{CommentReply, Envelope, MessageType, Operation};
use crate::session::comments::CommentThread;
use crate::session::store::StorageWrite;
use crate::units::EpochMillis;

impl SessionEngine {
    /// Threaded comments: anyone but a guest may add, reply and resolve; the author or an owner deletes.
    pub(super) fn handle_comment(
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

    pub(super) fn thread_message(
        &self,
        user_id: &str,
        now: EpochMillis,
        thread: &CommentThread,
    ) -> String {
        let operation = Operation::CommentThread {
            thread: thread.view(&self.text),
        };
        self.message(MessageType::Comment, user_id, now, operation)
            .to_json()
    }
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
