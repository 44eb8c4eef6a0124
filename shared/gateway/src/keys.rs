//! API keys: made from randomness the caller passes in, shown once, stored only as a SHA-256 hash beside a
//! public id for lookup; revoked, rotated (the old key lives on for a grace period), expiring.
//!
//! A key reads `synq_<id>_<secret>`: `id` is 12 hex digits (48 random bits, public, the lookup prefix),
//! `secret` is 32 random bytes in base64url. Why SHA-256 and not a slow hash (bcrypt, Argon2): a slow hash
//! protects *low-entropy* secrets (passwords) against guessing after the hashes leak. A key's secret has
//! 256 random bits, so no guessing attack exists however fast the hash is, and a slow hash would only burn
//! CPU on every request (a Worker has milliseconds of it).

use base64ct::{Base64UrlUnpadded, Encoding};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use synq_core::{ApiError, EpochMillis, ErrorCode};

use crate::scope::Scopes;

/// What every key starts with, so that a key is recognised (by people, secret scanners and the server).
pub const KEY_PREFIX: &str = "synq_";
/// Random bytes a new key is made from: the id's, then the secret's.
pub const KEY_ENTROPY: usize = ID_BYTES + SECRET_BYTES;
/// How long a rotated key keeps working unless the caller says otherwise: a day, time to roll the new key
/// out to every deployment that uses it.
pub const DEFAULT_GRACE_MS: u64 = 24 * 3_600_000;
/// The longest grace period a rotation may ask for.
pub const MAX_GRACE_MS: u64 = 7 * 24 * 3_600_000;

const ID_BYTES: usize = 6;
const SECRET_BYTES: usize = 32;

/// A stored key: metadata and the hash, never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    /// Public id (12 hex digits), also the lookup prefix inside the key.
    pub id: String,
    /// The user who created it; requests made with it are theirs.
    pub owner: String,
    /// A label chosen by the owner.
    pub name: String,
    /// What it may do.
    pub scopes: Scopes,
    /// SHA-256 of the whole key, hex.
    pub hash: String,
    /// When it was made.
    pub created_at: EpochMillis,
    /// When it stops working, if ever (after a rotation: the end of the grace period).
    pub expires_at: Option<EpochMillis>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<EpochMillis>,
    /// The key that replaced it in a rotation.
    pub replaced_by: Option<String>,
}

/// A key's state at some moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum KeyStatus {
    /// It works.
    Active,
    /// It was rotated and works until its grace period ends.
    Rotating,
    /// Past its expiry.
    Expired,
    /// Revoked.
    Revoked,
}

/// A key as its owner sees it: metadata only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyView {
    /// Public id.
    pub id: String,
    /// The key's visible start, `synq_<id>_…`, to recognise it.
    pub prefix: String,
    /// Label.
    pub name: String,
    /// The owner's user id.
    pub owner: String,
    /// Scopes.
    pub scopes: Scopes,
    /// State now.
    pub status: KeyStatus,
    /// When it was made.
    pub created_at: EpochMillis,
    /// When it stops working, if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<EpochMillis>,
    /// When it was revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<EpochMillis>,
    /// The key that replaced it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<String>,
}

/// A new key and its secret, which is shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssuedKey {
    /// The whole key, `synq_<id>_<secret>`: store it now, it cannot be shown again.
    pub secret: String,
    /// Its metadata.
    #[serde(flatten)]
    pub key: KeyView,
}

/// What a new key is for.
#[derive(Debug, Clone)]
pub struct KeyGrant {
    /// Owner.
    pub owner: String,
    /// Label.
    pub name: String,
    /// Scopes.
    pub scopes: Scopes,
    /// Expiry, if any.
    pub expires_at: Option<EpochMillis>,
}

impl ApiKey {
    /// Makes a key from `entropy` (random bytes from a CSPRNG, which the caller owns); returns the stored
    /// record and the secret to show once.
    pub fn issue(
        grant: KeyGrant,
        entropy: &[u8; KEY_ENTROPY],
        now: EpochMillis,
    ) -> (ApiKey, String) {
        let (id_bytes, secret_bytes) = entropy.split_at(ID_BYTES);
        let id = hex(id_bytes);
        let secret = format!(
            "{KEY_PREFIX}{id}_{}",
            Base64UrlUnpadded::encode_string(secret_bytes)
        );
        let key = ApiKey {
            id,
            owner: grant.owner,
            name: grant.name,
            scopes: grant.scopes,
            hash: hash(&secret),
            created_at: now,
            expires_at: grant.expires_at,
            revoked_at: None,
            replaced_by: None,
        };
        (key, secret)
    }

    /// Whether `presented` is this key (compared by hash, in constant time).
    pub fn matches(&self, presented: &str) -> bool {
        hash(presented)
            .as_bytes()
            .ct_eq(self.hash.as_bytes())
            .into()
    }

    /// Its state at `now`.
    pub fn status(&self, now: EpochMillis) -> KeyStatus {
        if self.revoked_at.is_some() {
            KeyStatus::Revoked
        } else if self.expires_at.is_some_and(|at| now >= at) {
            KeyStatus::Expired
        } else if self.replaced_by.is_some() {
            KeyStatus::Rotating
        } else {
            KeyStatus::Active
        }
    }

    /// Whether requests may use it at `now`.
    pub fn is_usable(&self, now: EpochMillis) -> bool {
        matches!(self.status(now), KeyStatus::Active | KeyStatus::Rotating)
    }

    /// Revokes it at `now` (revoking twice keeps the first time).
    pub fn revoke(&mut self, now: EpochMillis) {
        self.revoked_at.get_or_insert(now);
    }

    /// Rotates it: a new key with the same owner, name, scopes and expiry, and this one kept working for
    /// `grace_ms` more (never longer than it would have). Returns the new key and its secret.
    pub fn rotate(
        &mut self,
        grace_ms: u64,
        entropy: &[u8; KEY_ENTROPY],
        now: EpochMillis,
    ) -> Result<(ApiKey, String), ApiError> {
        if !self.is_usable(now) || self.replaced_by.is_some() {
            return Err(ApiError::new(
                ErrorCode::InvalidMessage,
                format!(
                    "key `{}` is {}; only an active key can be rotated",
                    self.id,
                    status_word(self.status(now))
                ),
            ));
        }
        if grace_ms > MAX_GRACE_MS {
            return Err(ApiError::new(
                ErrorCode::InvalidMessage,
                format!("the grace period is at most {MAX_GRACE_MS} ms (7 days)"),
            )
            .with_field("grace_period_ms"));
        }
        let grant = KeyGrant {
            owner: self.owner.clone(),
            name: self.name.clone(),
            scopes: self.scopes.clone(),
            expires_at: self.expires_at,
        };
        let (new, secret) = ApiKey::issue(grant, entropy, now);
        let grace_end = EpochMillis(now.0.saturating_add(grace_ms));
        self.expires_at = Some(self.expires_at.map_or(grace_end, |at| at.min(grace_end)));
        self.replaced_by = Some(new.id.clone());
        Ok((new, secret))
    }

    /// Its metadata as shown to its owner at `now`.
    pub fn view(&self, now: EpochMillis) -> KeyView {
        KeyView {
            id: self.id.clone(),
            prefix: format!("{KEY_PREFIX}{}_", self.id),
            name: self.name.clone(),
            owner: self.owner.clone(),
            scopes: self.scopes.clone(),
            status: self.status(now),
            created_at: self.created_at,
            expires_at: self.expires_at,
            revoked_at: self.revoked_at,
            replaced_by: self.replaced_by.clone(),
        }
    }
}

fn status_word(status: KeyStatus) -> &'static str {
    match status {
        KeyStatus::Active => "active",
        KeyStatus::Rotating => "already rotated",
        KeyStatus::Expired => "expired",
        KeyStatus::Revoked => "revoked",
    }
}

/// Whether a credential looks like an API key rather than a JWT.
pub fn looks_like_key(credential: &str) -> bool {
    credential.starts_with(KEY_PREFIX)
}

/// The public id inside a presented key, if it has the key's shape.
pub fn key_id(presented: &str) -> Option<&str> {
    let rest = presented.strip_prefix(KEY_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let well_formed = id.len() == 2 * ID_BYTES
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && !secret.is_empty();
    well_formed.then_some(id)
}

fn hash(key: &str) -> String {
    hex(&Sha256::digest(key.as_bytes()))
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scope::Scope;
    use proptest::prelude::*;

    const NOW: EpochMillis = EpochMillis(1_800_000_000_000);

    fn grant() -> KeyGrant {
        KeyGrant {
            owner: "alice".into(),
            name: "ci".into(),
            scopes: Scopes::new([Scope::Read]),
            expires_at: None,
        }
    }

    #[test]
    fn a_key_is_shown_once_and_stored_as_a_hash() {
        let (key, secret) = ApiKey::issue(grant(), &[7; KEY_ENTROPY], NOW);
        assert_eq!(key.id, "070707070707");
        assert!(secret.starts_with("synq_070707070707_"));
        assert_eq!(secret.len(), "synq_".len() + 12 + 1 + 43);
        assert!(!key.hash.contains(&secret) && key.hash.len() == 64);
        let stored = serde_json::to_string(&key).unwrap();
        assert!(!stored.contains(&secret[18..]), "the secret is not stored");
        assert_eq!(key_id(&secret), Some("070707070707"));
        assert!(key.matches(&secret));
        assert!(!key.matches(&format!("{secret}x")));
        let view = serde_json::to_value(key.view(NOW)).unwrap();
        assert_eq!(view["prefix"], "synq_070707070707_");
        assert!(view.get("hash").is_none());
    }

    #[test]
    fn malformed_keys_have_no_id() {
        for bad in [
            "",
            "synq_",
            "synq_0707_x",
            "synq_07070707070g_x",
            "synq_070707070707_",
            "SYNQ_070707070707_x",
            "eyJhbGciOi.x.y",
        ] {
            assert_eq!(key_id(bad), None, "{bad}");
        }
        assert!(looks_like_key("synq_x") && !looks_like_key("eyJ"));
    }

    #[test]
    fn expiry_and_revocation() {
        let mut g = grant();
        g.expires_at = Some(EpochMillis(NOW.0 + 1000));
        let (mut key, _) = ApiKey::issue(g, &[1; KEY_ENTROPY], NOW);
        assert_eq!(key.status(EpochMillis(NOW.0 + 999)), KeyStatus::Active);
        assert_eq!(key.status(EpochMillis(NOW.0 + 1000)), KeyStatus::Expired);
        assert!(!key.is_usable(EpochMillis(NOW.0 + 1000)));
        key.revoke(EpochMillis(NOW.0 + 5));
        key.revoke(EpochMillis(NOW.0 + 9));
        assert_eq!(key.revoked_at, Some(EpochMillis(NOW.0 + 5)));
        assert_eq!(key.status(NOW), KeyStatus::Revoked);
    }

    #[test]
    fn rotation_keeps_the_old_key_for_the_grace_period() {
        let (mut old, old_secret) = ApiKey::issue(grant(), &[1; KEY_ENTROPY], NOW);
        let (new, new_secret) = old.rotate(60_000, &[2; KEY_ENTROPY], NOW).unwrap();
        assert_ne!(old_secret, new_secret);
        assert_eq!((new.owner.as_str(), &new.scopes), ("alice", &old.scopes));
        assert_eq!(old.replaced_by.as_deref(), Some(new.id.as_str()));
        assert_eq!(old.status(EpochMillis(NOW.0 + 59_999)), KeyStatus::Rotating);
        assert!(old.is_usable(EpochMillis(NOW.0 + 59_999)));
        assert!(!old.is_usable(EpochMillis(NOW.0 + 60_000)));
        assert_eq!(new.status(EpochMillis(NOW.0 + 60_000)), KeyStatus::Active);
        // Rotated keys are not rotated again; a too-long grace period names its field.
        assert!(old.rotate(0, &[3; KEY_ENTROPY], NOW).is_err());
        let (mut other, _) = ApiKey::issue(grant(), &[4; KEY_ENTROPY], NOW);
        let e = other
            .rotate(MAX_GRACE_MS + 1, &[5; KEY_ENTROPY], NOW)
            .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("grace_period_ms"));
    }

    #[test]
    fn rotation_never_extends_an_expiry() {
        let mut g = grant();
        g.expires_at = Some(EpochMillis(NOW.0 + 10));
        let (mut old, _) = ApiKey::issue(g, &[1; KEY_ENTROPY], NOW);
        let (new, _) = old
            .rotate(DEFAULT_GRACE_MS, &[2; KEY_ENTROPY], NOW)
            .unwrap();
        assert_eq!(old.expires_at, Some(EpochMillis(NOW.0 + 10)));
        assert_eq!(new.expires_at, Some(EpochMillis(NOW.0 + 10)));
    }

    proptest! {
        #[test]
        fn every_issued_key_parses_and_matches_only_itself(a in any::<[u8; 32]>(), b in any::<[u8; 32]>()) {
            let mut ea = [0u8; KEY_ENTROPY];
            ea[..32].copy_from_slice(&a);
            let mut eb = [0u8; KEY_ENTROPY];
            eb[6..].copy_from_slice(&b);
            let (ka, sa) = ApiKey::issue(grant(), &ea, NOW);
            let (kb, sb) = ApiKey::issue(grant(), &eb, NOW);
            prop_assert_eq!(key_id(&sa), Some(ka.id.as_str()));
            prop_assert_eq!(key_id(&sb), Some(kb.id.as_str()));
            prop_assert!(ka.matches(&sa) && kb.matches(&sb));
            prop_assert_eq!(ka.matches(&sb), sa == sb);
        }
    }
}
