//! Presence messages: cursor, selection and user info.

use super::{Effect, Participant, SessionEngine};
use crate::error::{ApiError, ErrorCode};
use crate::protocol::{Envelope, Operation, Span};
use crate::units::EpochMillis;

impl SessionEngine {
    pub(super) fn handle_presence(
        &mut self,
        participant: &Participant,
        envelope: Envelope,
        now: EpochMillis,
    ) -> Result<Vec<Effect>, ApiError> {
        let operation = envelope.data.operation;
        if let Operation::UserInfo(info) = &operation {
            info.check()?;
        }
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
        let (presence, awareness) = self.yjs_presence(participant, presence);
        let mut effects = vec![Effect::KeepPresence(presence)];
        effects.extend(awareness);
        if let Some(relayed) = relayed {
            effects.push(Effect::Broadcast(self.presence_message(
                participant,
                now,
                relayed,
            )));
        }
        Ok(effects)
    }
}
