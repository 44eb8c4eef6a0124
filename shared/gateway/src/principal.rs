//! Who is calling: a user by JWT (`synq_core::auth`) or by one of their API keys, and what they may do.

use std::cell::RefCell;
use std::collections::BTreeSet;

use synq_core::auth::{Role, SessionClaims, TokenVerifier};
use synq_core::{ApiError, EpochMillis, ErrorCode};

use crate::cache::Expiring;
use crate::keys::{ApiKey, KeyStatus, key_id, looks_like_key};
use crate::scope::{Scope, Scopes};
use crate::store::{GatewayStore, StoreError};

/// How long a shell may use a key record it read instead of reading the store again: revoking or rotating
/// a key through another isolate takes effect in this one within this lag; the isolate that served the
/// change forgets its copy at once.
pub const KEY_CACHE_TTL_MS: u64 = 5_000;
/// Key records a shell keeps at most.
const KEY_CACHE_CAPACITY: usize = 10_000;

/// Where [`authenticate`] finds a key by its id: the store itself, or [`CachedKeys`] in front of it.
#[allow(async_fn_in_trait)]
pub trait KeyLookup {
    /// The key with this id, if any.
    async fn find_key(&self, id: &str) -> Result<Option<ApiKey>, StoreError>;
}

impl<S: GatewayStore> KeyLookup for S {
    async fn find_key(&self, id: &str) -> Result<Option<ApiKey>, StoreError> {
        self.key(id).await
    }
}

/// A shell's copies of key records read from the store (found keys only: an unknown id is read again
/// every time, so a key is usable the moment it is made).
#[derive(Debug)]
pub struct KeyCache(Expiring<String, ApiKey>);

impl Default for KeyCache {
    fn default() -> Self {
        KeyCache(Expiring::new(KEY_CACHE_TTL_MS, KEY_CACHE_CAPACITY))
    }
}

impl KeyCache {
    /// Drops the copy of key `id` (this shell just revoked or rotated it).
    pub fn forget(&mut self, id: &str) {
        self.0.forget(&id.to_owned());
    }
}

/// `store` with `cache` in front of it, at `now`. The key's status (revoked, expired) is still judged
/// on every request, from the copy: only what another isolate changed in the last
/// [`KEY_CACHE_TTL_MS`] can be missed.
pub struct CachedKeys<'a, S> {
    /// Where keys are read on a miss.
    pub store: &'a S,
    /// The copies.
    pub cache: &'a RefCell<KeyCache>,
    /// The time of the request.
    pub now: EpochMillis,
}

impl<S: GatewayStore> KeyLookup for CachedKeys<'_, S> {
    async fn find_key(&self, id: &str) -> Result<Option<ApiKey>, StoreError> {
        let id = id.to_owned();
        if let Some(key) = self.cache.borrow().0.get(&id, self.now.0) {
            return Ok(Some(key));
        }
        let key = self.store.key(&id).await?;
        if let Some(key) = &key {
            self.cache.borrow_mut().0.put(id, key.clone(), self.now.0);
        }
        Ok(key)
    }
}

/// The credential a request carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// None at all.
    None,
    /// A JWT.
    Jwt(String),
    /// An API key.
    Key(String),
}

impl Credential {
    /// From `Authorization: Bearer …` (a JWT, or a key: keys start with `synq_`), else `X-API-Key`, else
    /// `?token=` (browsers cannot set headers on WebSockets).
    pub fn from_request(
        authorization: Option<&str>,
        api_key: Option<&str>,
        query_token: Option<&str>,
    ) -> Credential {
        let bearer = authorization
            .and_then(|h| h.trim().split_once(' '))
            // The auth scheme is case-insensitive (RFC 9110 §11.1).
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, credentials)| credentials.trim());
        let api_key = api_key.map(str::trim).filter(|k| !k.is_empty());
        match bearer.or(api_key).or(query_token) {
            None | Some("") => Credential::None,
            Some(c) if looks_like_key(c) => Credential::Key(c.to_owned()),
            Some(c) => Credential::Jwt(c.to_owned()),
        }
    }
}

/// How callers are told apart.
#[derive(Clone, Default)]
pub struct AuthConfig {
    /// JWT verification.
    pub verifier: TokenVerifier,
    /// Users who hold `admin` (the `SYNQ_GATEWAY_ADMINS` list).
    pub admins: BTreeSet<String>,
}

impl AuthConfig {
    /// The scopes a user holds: `read` and `write`, and `admin` for the listed admins.
    pub fn user_scopes(&self, user: &str) -> Scopes {
        if self.admins.contains(user) {
            Scopes::new([Scope::Read, Scope::Write, Scope::Admin])
        } else {
            Scopes::new([Scope::Read, Scope::Write])
        }
    }
}

/// A verified caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The user, who owns the key if one was used.
    pub user: String,
    /// The key's id, when the request used one.
    pub key: Option<String>,
    /// What the caller may do now (a key's scopes never exceed its owner's).
    pub scopes: Scopes,
}

impl Principal {
    /// `key:<id>` or `user:<id>`: who analytics and quotas count.
    pub fn id(&self) -> String {
        match &self.key {
            Some(key) => format!("key:{key}"),
            None => user_principal(&self.user),
        }
    }

    /// Refuses with `403 FORBIDDEN` unless the caller holds `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.scopes.allows(scope) {
            Ok(())
        } else {
            Err(ApiError::new(
                ErrorCode::Forbidden,
                format!("this needs the `{}` scope", scope.as_str()),
            ))
        }
    }

    /// Whether the caller is a gateway admin.
    pub fn is_admin(&self) -> bool {
        self.scopes.allows(Scope::Admin)
    }

    /// Refuses a WebSocket into a session (`403 FORBIDDEN`, before the upgrade) unless the caller holds
    /// `read`: a socket reads the document from its first message.
    pub fn may_join(&self) -> Result<(), ApiError> {
        self.require(Scope::Read).map_err(|e| ApiError {
            message: format!("joining a session: {}", e.message),
            ..e
        })
    }

    /// Whether the caller may only read in sessions (a key without `write`), whatever its owner may do.
    pub fn reads_only(&self) -> bool {
        !self.scopes.allows(Scope::Write)
    }

    /// The role a socket gets for a user who holds `role` in the session: a guest if the caller
    /// [reads only](Self::reads_only).
    pub fn join_role(&self, role: Role) -> Role {
        if self.reads_only() { Role::Guest } else { role }
    }
}

/// A verified caller with what the rest of the API needs besides the gateway's view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Who, and with which scopes.
    pub principal: Principal,
    /// The claims sessions read roles from: the token's, or for a key its owner's id with no roles of its
    /// own (the roles owners granted in a session's index still apply; a token's `roles` claim does not
    /// travel with a key).
    pub claims: SessionClaims,
    /// Until when the credential is honoured, if it ends: a token's expiry (with leeway), a key's expiry.
    pub valid_until: Option<EpochMillis>,
}

/// The principal id of a user.
pub fn user_principal(user: &str) -> String {
    format!("user:{user}")
}

fn unauthorized(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::Unauthorized, message)
}

/// Verifies `credential` at `now`: a JWT by signature and expiry, a key (found in `keys`) by hash and
/// status.
pub async fn authenticate(
    credential: &Credential,
    config: &AuthConfig,
    keys: &impl KeyLookup,
    now: EpochMillis,
) -> Result<Caller, ApiError> {
    match credential {
        Credential::None => Err(unauthorized(
            "no credentials: send `Authorization: Bearer <jwt or API key>` or `X-API-Key: <key>`",
        )),
        Credential::Jwt(token) => {
            let verified = config.verifier.verify(token, now)?;
            let user = verified.claims.sub.clone();
            Ok(Caller {
                principal: Principal {
                    scopes: config.user_scopes(&user),
                    user,
                    key: None,
                },
                claims: verified.claims,
                valid_until: Some(verified.valid_until),
            })
        }
        Credential::Key(presented) => {
            let id = key_id(presented).ok_or_else(|| unauthorized("malformed API key"))?;
            let key = keys
                .find_key(id)
                .await?
                .filter(|k| k.matches(presented))
                .ok_or_else(|| unauthorized("unknown API key"))?;
            match key.status(now) {
                KeyStatus::Revoked => Err(unauthorized(format!("API key `{id}` was revoked"))),
                KeyStatus::Expired => Err(ApiError::new(
                    ErrorCode::TokenExpired,
                    format!("API key `{id}` has expired"),
                )),
                KeyStatus::Active | KeyStatus::Rotating => {
                    let owner = config.user_scopes(&key.owner);
                    let scopes = key.scopes.as_slice().iter().copied();
                    Ok(Caller {
                        claims: SessionClaims {
                            sub: key.owner.clone(),
                            ..SessionClaims::default()
                        },
                        valid_until: key.expires_at,
                        principal: Principal {
                            scopes: Scopes::new(scopes.filter(|s| owner.allows(*s))),
                            user: key.owner,
                            key: Some(key.id),
                        },
                    })
                }
            }
        }
    }
}
