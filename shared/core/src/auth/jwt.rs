use std::collections::HashMap;

use base64ct::{Base64UrlUnpadded, Encoding};
use chrono::{DateTime, Utc};
use jwt_compact::alg::{Ed25519, Hs256, Hs256Key, VerifyingKey};
use jwt_compact::{Algorithm, AlgorithmExt, Claims, Header, UntrustedToken, ValidationError};

type Ed25519Key = <Ed25519 as Algorithm>::VerifyingKey;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::role::Role;
use crate::error::{ApiError, ErrorCode};
use crate::units::EpochMillis;

/// Allowed clock skew between the token issuer and us.
const LEEWAY_MS: u64 = 30_000;

/// The claims SynQ reads besides `exp`/`nbf`/`iat`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    /// The user id.
    pub sub: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Role per session id; the key `*` applies to every session not listed.
    #[serde(default)]
    pub roles: HashMap<String, Role>,
}

impl SessionClaims {
    /// The role this user has in `session_id`, if any.
    pub fn role_in(&self, session_id: &str) -> Option<Role> {
        self.roles
            .get(session_id)
            .or_else(|| self.roles.get("*"))
            .copied()
    }
}

/// A verified caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    /// The verified claims.
    pub claims: SessionClaims,
    /// Until when the token is honoured (its `exp` plus the clock-skew leeway): an open connection ends then.
    pub valid_until: EpochMillis,
}

/// Why a token was refused.
#[derive(Debug, Error)]
pub enum AuthError {
    /// No token in the request.
    #[error("no token: send `Authorization: Bearer <jwt>` or `?token=<jwt>`")]
    Missing,
    /// The token is not a well-formed JWT.
    #[error("malformed token: {0}")]
    Malformed(#[from] jwt_compact::ParseError),
    /// The token's algorithm is not one this server accepts (`none` never is).
    #[error("algorithm `{0}` is not accepted")]
    Algorithm(String),
    /// The signature or the claims do not verify.
    #[error("token does not verify: {0}")]
    Invalid(#[from] ValidationError),
    /// `exp` is missing; every token must expire.
    #[error("token has no `exp` claim")]
    NoExpiry,
    /// `exp` is in the past.
    #[error("token expired")]
    Expired,
    /// `nbf` is in the future.
    #[error("token not valid yet")]
    NotYetValid,
    /// `sub` is empty.
    #[error("token has no subject (`sub`)")]
    NoSubject,
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        let code = match e {
            AuthError::Expired | AuthError::NotYetValid => ErrorCode::TokenExpired,
            _ => ErrorCode::Unauthorized,
        };
        ApiError::new(code, e.to_string())
    }
}

/// An HS256 shared secret.
#[derive(Clone)]
pub struct Hs256Secret(Hs256Key);

impl Hs256Secret {
    /// The secret's bytes (e.g. the `JWT_SECRET` variable).
    pub fn new(secret: &[u8]) -> Self {
        Hs256Secret(Hs256Key::new(secret))
    }
}

/// Verifies tokens with the keys the deployment configured.
#[derive(Clone, Default)]
pub struct TokenVerifier {
    hs256: Option<Hs256Secret>,
    ed25519: Option<Ed25519Key>,
}

fn to_datetime(now: EpochMillis) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(i64::try_from(now.0).unwrap_or(i64::MAX)).unwrap_or_default()
}

impl TokenVerifier {
    /// A verifier that accepts HS256 tokens signed with `secret`.
    pub fn with_hs256(mut self, secret: Hs256Secret) -> Self {
        self.hs256 = Some(secret);
        self
    }

    /// Also accepts EdDSA (Ed25519) tokens; the key is 32 bytes in unpadded base64url.
    pub fn with_ed25519_base64url(mut self, public_key: &str) -> Result<Self, String> {
        let bytes = Base64UrlUnpadded::decode_vec(public_key.trim())
            .map_err(|e| format!("Ed25519 public key is not base64url: {e}"))?;
        let key = <Ed25519Key as VerifyingKey<Ed25519>>::from_slice(&bytes)
            .map_err(|e| format!("not an Ed25519 public key: {e}"))?;
        self.ed25519 = Some(key);
        Ok(self)
    }

    /// Checks signature, algorithm, `exp` (required) and `nbf` at `now`.
    pub fn verify(&self, token: &str, now: EpochMillis) -> Result<Authenticated, AuthError> {
        if token.is_empty() {
            return Err(AuthError::Missing);
        }
        let untrusted = UntrustedToken::new(token)?;
        let verified = match (untrusted.algorithm(), &self.hs256, &self.ed25519) {
            ("HS256", Some(secret), _) => Hs256
                .validator::<SessionClaims>(&secret.0)
                .validate(&untrusted)?,
            ("EdDSA", _, Some(key)) => Ed25519
                .validator::<SessionClaims>(key)
                .validate(&untrusted)?,
            (alg, _, _) => return Err(AuthError::Algorithm(alg.to_owned())),
        };
        let claims = verified.claims();
        let now_ms = i64::try_from(now.0).unwrap_or(i64::MAX);
        let leeway = i64::try_from(LEEWAY_MS).unwrap_or(0);
        let expiry = claims.expiration.ok_or(AuthError::NoExpiry)?;
        if now_ms > expiry.timestamp_millis().saturating_add(leeway) {
            return Err(AuthError::Expired);
        }
        if let Some(nbf) = claims.not_before
            && now_ms < nbf.timestamp_millis().saturating_sub(leeway)
        {
            return Err(AuthError::NotYetValid);
        }
        if claims.custom.sub.is_empty() {
            return Err(AuthError::NoSubject);
        }
        Ok(Authenticated {
            claims: claims.custom.clone(),
            valid_until: EpochMillis(
                u64::try_from(expiry.timestamp_millis().saturating_add(leeway)).unwrap_or(0),
            ),
        })
    }
}

/// Signs an HS256 token valid from `now` for `ttl_ms` (for tests, benches and local tooling).
pub fn issue_hs256(
    secret: &Hs256Secret,
    claims: SessionClaims,
    now: EpochMillis,
    ttl_ms: u64,
) -> Result<String, jwt_compact::CreationError> {
    let mut full = Claims::new(claims);
    full.issued_at = Some(to_datetime(now));
    full.expiration = Some(to_datetime(EpochMillis(now.0.saturating_add(ttl_ms))));
    Hs256.token(&Header::empty(), &full, &secret.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: EpochMillis = EpochMillis(1_790_000_000_000);

    fn claims() -> SessionClaims {
        SessionClaims {
            sub: "alice".into(),
            name: Some("Alice".into()),
            roles: HashMap::from([
                ("demo".to_owned(), Role::Editor),
                ("*".to_owned(), Role::Guest),
            ]),
        }
    }

    fn verifier() -> TokenVerifier {
        TokenVerifier::default().with_hs256(Hs256Secret::new(b"test-secret"))
    }

    #[test]
    fn accepts_a_valid_token_and_reads_roles() {
        let token = issue_hs256(&Hs256Secret::new(b"test-secret"), claims(), NOW, 60_000).unwrap();
        let auth = verifier().verify(&token, NOW).unwrap();
        assert_eq!(auth.claims.sub, "alice");
        assert_eq!(auth.valid_until, EpochMillis(NOW.0 + 60_000 + LEEWAY_MS));
        assert_eq!(auth.claims.role_in("demo"), Some(Role::Editor));
        assert_eq!(auth.claims.role_in("other"), Some(Role::Guest));
    }

    #[test]
    fn refuses_expired_forged_and_unsigned_tokens() {
        let token = issue_hs256(&Hs256Secret::new(b"test-secret"), claims(), NOW, 60_000).unwrap();
        let later = EpochMillis(NOW.0 + 60_000 + LEEWAY_MS + 1);
        assert!(matches!(
            verifier().verify(&token, later),
            Err(AuthError::Expired)
        ));

        let forged =
            issue_hs256(&Hs256Secret::new(b"other-secret"), claims(), NOW, 60_000).unwrap();
        assert!(matches!(
            verifier().verify(&forged, NOW),
            Err(AuthError::Invalid(_))
        ));

        // alg "none": header {"alg":"none"}, the same claims, no signature.
        let parts: Vec<&str> = token.split('.').collect();
        let none_header = Base64UrlUnpadded::encode_string(br#"{"alg":"none","typ":"JWT"}"#);
        let unsigned = format!("{none_header}.{}.", parts[1]);
        let err = verifier().verify(&unsigned, NOW).unwrap_err();
        assert!(
            matches!(err, AuthError::Algorithm(ref a) if a == "none"),
            "{err:?}"
        );
        assert_eq!(ApiError::from(err).code, ErrorCode::Unauthorized);

        assert!(matches!(
            verifier().verify("not.a.jwt", NOW),
            Err(AuthError::Malformed(_))
        ));
        assert!(matches!(
            verifier().verify("", NOW),
            Err(AuthError::Missing)
        ));
    }

    #[test]
    fn accepts_eddsa_tokens_when_a_public_key_is_configured() {
        let pair = ed25519_compact::KeyPair::from_seed(ed25519_compact::Seed::new([7; 32]));
        let mut full = Claims::new(claims());
        full.expiration = Some(to_datetime(EpochMillis(NOW.0 + 60_000)));
        let token = Ed25519.token(&Header::empty(), &full, &pair.sk).unwrap();
        let public = Base64UrlUnpadded::encode_string(pair.pk.as_ref());

        let both = verifier().with_ed25519_base64url(&public).unwrap();
        assert_eq!(both.verify(&token, NOW).unwrap().claims.sub, "alice");
        // Without the key, EdDSA is not an accepted algorithm.
        assert!(
            matches!(verifier().verify(&token, NOW), Err(AuthError::Algorithm(a)) if a == "EdDSA")
        );
        // Another key does not verify it.
        let other = ed25519_compact::KeyPair::from_seed(ed25519_compact::Seed::new([8; 32]));
        let wrong = verifier()
            .with_ed25519_base64url(&Base64UrlUnpadded::encode_string(other.pk.as_ref()))
            .unwrap();
        assert!(matches!(
            wrong.verify(&token, NOW),
            Err(AuthError::Invalid(_))
        ));
        assert!(verifier().with_ed25519_base64url("not base64!").is_err());
    }

    #[test]
    fn refuses_tokens_without_expiry() {
        let mut full = Claims::new(claims());
        full.issued_at = Some(to_datetime(NOW));
        let token = Hs256
            .token(&Header::empty(), &full, &Hs256Key::new(b"test-secret"))
            .unwrap();
        assert!(matches!(
            verifier().verify(&token, NOW),
            Err(AuthError::NoExpiry)
        ));
    }
}
