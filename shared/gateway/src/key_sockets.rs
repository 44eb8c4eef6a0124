//! What revoking or rotating an API key does to the WebSockets opened with it. The gateway notes which
//! sessions a key opened sockets on (`GatewayStore::note_key_socket`); when the key changes, the shell
//! sends each of those sessions a [`KeySocketChange`], and the session applies it to every connection
//! opened with that key, leaving the others alone:
//! - **revoked**: closed at once with [`CLOSE_KEY_REVOKED`] (4001, `api key revoked`);
//! - **rotated**: the connection's credential expiry moves to the end of the grace period, so the session
//!   ends it like any expired credential (close 1008) at its first message after that; and the session
//!   sets its alarm for the grace end, when it closes the key's connections that stayed silent
//!   ([`closes_at`]), so that they stop receiving the document's changes then.
//!
//! A key that simply expires is told to no session: instead, a session sets its alarm for the expiry of
//! every key connection it accepts ([`closes_at`]), and closes the connection then as after a rotation.

use serde::{Deserialize, Serialize};
use synq_core::EpochMillis;
use synq_core::session::CLOSE_KEY_REVOKED;

use crate::keys::ApiKey;

/// The close reason sent with [`CLOSE_KEY_REVOKED`].
pub const KEY_REVOKED_REASON: &str = "api key revoked";

/// A change to one key, as a session hears of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum KeySocketChange {
    /// The key was revoked: close its connections.
    Revoked {
        /// The key's id.
        key_id: String,
    },
    /// The key now expires at `at` (the end of a rotation's grace period).
    Expires {
        /// The key's id.
        key_id: String,
        /// When.
        at: EpochMillis,
    },
}

/// The close code and reason of a key's connection whose credential has ended: the same the session sends
/// when such a connection speaks after its expiry.
pub const KEY_EXPIRED_CLOSE: (u16, &str) = (1008, "token expired");

/// When the session's alarm closes a connection opened with `key` whose credential ends at `expires_at`:
/// at that end, for a key's connection that has one (a key that expires, a rotated key's grace end); never
/// for other credentials, which are left to the session's own rules (a token's connection ends at its first
/// message after the token's expiry).
pub fn closes_at(key: Option<&str>, expires_at: Option<EpochMillis>) -> Option<EpochMillis> {
    key.and(expires_at)
}

/// What a session does to one connection of the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketAction {
    /// Close it with this code and reason.
    Close(u16, &'static str),
    /// Keep it, with this credential expiry.
    ExpireAt(EpochMillis),
}

impl KeySocketChange {
    /// The change `key`'s stored state asks for, if its sockets must hear of it: revoked, or rotated
    /// (expiring).
    pub fn of(key: &ApiKey) -> Option<KeySocketChange> {
        let key_id = key.id.clone();
        if key.revoked_at.is_some() {
            Some(KeySocketChange::Revoked { key_id })
        } else {
            key.expires_at
                .filter(|_| key.replaced_by.is_some())
                .map(|at| KeySocketChange::Expires { key_id, at })
        }
    }

    /// The key this is about.
    pub fn key_id(&self) -> &str {
        match self {
            KeySocketChange::Revoked { key_id } | KeySocketChange::Expires { key_id, .. } => key_id,
        }
    }

    /// What to do to a connection opened with `key` (`None`: another credential, untouched) whose
    /// credential expires at `expires_at`.
    pub fn action(
        &self,
        key: Option<&str>,
        expires_at: Option<EpochMillis>,
    ) -> Option<SocketAction> {
        if key != Some(self.key_id()) {
            return None;
        }
        Some(match self {
            KeySocketChange::Revoked { .. } => {
                SocketAction::Close(CLOSE_KEY_REVOKED, KEY_REVOKED_REASON)
            }
            KeySocketChange::Expires { at, .. } => {
                SocketAction::ExpireAt(expires_at.map_or(*at, |current| current.min(*at)))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::KeyGrant;
    use crate::scope::Scopes;

    fn key() -> ApiKey {
        let grant = KeyGrant {
            owner: "alice".into(),
            name: "ci".into(),
            scopes: Scopes::default(),
            expires_at: None,
        };
        ApiKey::issue(grant, &[7; crate::keys::KEY_ENTROPY], EpochMillis(0)).0
    }

    #[test]
    fn revocation_closes_only_that_keys_connections() {
        let mut key = key();
        assert_eq!(
            KeySocketChange::of(&key),
            None,
            "an active key changes nothing"
        );
        key.revoke(EpochMillis(5));
        let change = KeySocketChange::of(&key).unwrap();
        assert_eq!(
            change.action(Some(&key.id), None),
            Some(SocketAction::Close(4001, "api key revoked"))
        );
        assert_eq!(change.action(Some("0123456789ab"), None), None);
        assert_eq!(change.action(None, None), None, "a JWT connection stays");
    }

    #[test]
    fn rotation_moves_the_expiry_to_the_end_of_the_grace_period_never_later() {
        let mut old = key();
        let (_new, _) = old
            .rotate(60_000, &[8; crate::keys::KEY_ENTROPY], EpochMillis(1_000))
            .unwrap();
        let change = KeySocketChange::of(&old).unwrap();
        let end = EpochMillis(61_000);
        assert_eq!(
            change,
            KeySocketChange::Expires {
                key_id: old.id.clone(),
                at: end
            }
        );
        assert_eq!(
            change.action(Some(&old.id), None),
            Some(SocketAction::ExpireAt(end))
        );
        let sooner = EpochMillis(2_000);
        assert_eq!(
            change.action(Some(&old.id), Some(sooner)),
            Some(SocketAction::ExpireAt(sooner))
        );
    }

    #[test]
    fn the_alarm_closes_only_key_connections_whose_credential_ended() {
        let end = EpochMillis(61_000);
        assert_eq!(closes_at(Some("k"), Some(end)), Some(end));
        assert_eq!(closes_at(Some("k"), None), None, "a key without expiry");
        assert_eq!(closes_at(None, Some(end)), None, "a JWT connection");
    }

    #[test]
    fn changes_cross_the_wire_tagged() {
        let change = KeySocketChange::Revoked { key_id: "k".into() };
        let json = serde_json::to_string(&change).unwrap();
        assert_eq!(json, r#"{"change":"revoked","key_id":"k"}"#);
        assert_eq!(
            serde_json::from_str::<KeySocketChange>(&json).unwrap(),
            change
        );
    }
}
