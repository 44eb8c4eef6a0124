//! Role changes while connected: when the session's owners change or remove a user's grant (over REST),
//! that user's open connections take the new role at once — the engine holds each connection's role and
//! goes by it, not by the shell's copy — and a user left with no role is disconnected.

use std::borrow::Cow;

use super::{CLOSE_ACCESS_REVOKED, Effect, Notice, Participant, SessionEngine};
use crate::auth::{Role, effective_role};
use crate::error::{ApiError, ErrorCode};
use crate::protocol::{MessageType, Operation};
use crate::units::EpochMillis;
use crate::yjs::wire;

/// The close reason for a removed user's connections.
pub(super) const REMOVED: &str = "removed from the session";

impl SessionEngine {
    /// `user_id`'s grant in this session is now `granted` (`None`: removed). Each of their connections
    /// gets the stronger of that and its credentials' own role (a read-only key's stays `guest`); one
    /// left with no role is closed with [`CLOSE_ACCESS_REVOKED`] and the others are told it left; one
    /// whose role changed is told (see [`Notice`]).
    ///
    /// A connection whose participant has no `token_role` gets the grant alone: its token gave no role
    /// in this session, or its socket was opened before `token_role` was kept (a hibernated object can
    /// take a code update without dropping its sockets). The grant alone is never stronger than the
    /// grant and the token's role together, so such a socket can only lose rights here, never gain them.
    pub fn regrant(
        &mut self,
        user_id: &str,
        granted: Option<Role>,
        now: EpochMillis,
    ) -> Vec<Effect> {
        let connections: Vec<Participant> = self
            .presence
            .iter()
            .filter(|(p, _)| p.user_id == user_id)
            .map(|(p, _)| p.clone())
            .collect();
        let mut effects = Vec::new();
        for participant in connections {
            let role = match participant.read_only {
                true => Some(Role::Guest),
                false => effective_role(participant.token_role, granted),
            };
            match role {
                None => {
                    effects.extend(self.drop_connection(
                        &participant,
                        now,
                        CLOSE_ACCESS_REVOKED,
                        REMOVED,
                    ));
                    // Until its socket's close is reported (which `leave`s it).
                    self.revoked.insert(participant.connection_id);
                }
                Some(role) if role != participant.role => {
                    let mut yjs = false;
                    if let Some((kept, presence)) =
                        self.presence.get_mut(&participant.connection_id)
                    {
                        kept.role = role;
                        yjs = presence.yjs;
                    }
                    let notice = match yjs {
                        false => Some(Notice::Synq(self.role_message(&participant, role, now))),
                        true => demotion_refusal(participant.role, role).map(Notice::Yjs),
                    };
                    effects.push(Effect::SetRole {
                        connection_id: participant.connection_id,
                        role,
                        notice,
                    });
                }
                Some(_) => {}
            }
        }
        // Not activity, and it adds no deadline: no alarm to ask for.
        effects
    }

    /// The `role_changed` message for a synq connection.
    fn role_message(&self, participant: &Participant, role: Role, now: EpochMillis) -> String {
        self.message(
            MessageType::Sync,
            &participant.user_id,
            now,
            Operation::RoleChanged { role },
        )
        .to_json()
    }

    /// The shell's participant as the engine knows it now: with the role it holds for the connection
    /// (grants may have changed since the socket opened); `Err` with the close for a connection whose
    /// user was removed, should a message of it arrive before its socket closed.
    pub(super) fn current<'a>(
        &self,
        participant: &'a Participant,
    ) -> Result<Cow<'a, Participant>, ApiError> {
        if self.revoked.contains(&participant.connection_id) {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                "you were removed from this session; nothing was applied",
            ));
        }
        Ok(match self.presence.role_of(&participant.connection_id) {
            Some(role) if role != participant.role => Cow::Owned(Participant {
                role,
                ..participant.clone()
            }),
            _ => Cow::Borrowed(participant),
        })
    }
}

/// What a Yjs connection is told of its new role: y-websocket has no role message, but its
/// permission-denied message is only logged (the connection carries on), so a demotion to read-only is
/// said that way before the first refused edit; other changes are not said.
fn demotion_refusal(was: Role, now: Role) -> Option<Vec<u8>> {
    (was.can_edit() && !now.can_edit()).then(|| {
        wire::refusal(&ApiError::new(
            ErrorCode::Forbidden,
            format!(
                "your role in this session is now {}: your edits will be refused",
                now.as_str()
            ),
        ))
    })
}
