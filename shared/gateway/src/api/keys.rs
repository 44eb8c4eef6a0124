//! Key endpoints: create (the secret is in this answer only), list (metadata), revoke, rotate.

use serde::{Deserialize, Serialize};
use synq_core::{ApiError, EpochMillis, ErrorCode};

use super::{Context, RateCounters, Reply, not_found};
use crate::decode::decode_json;
use crate::keys::{ApiKey, DEFAULT_GRACE_MS, IssuedKey, KeyGrant, KeyView};
use crate::principal::Principal;
use crate::scope::{Scope, Scopes};
use crate::store::{GatewayStore, StoreError};

/// `POST keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateKeyRequest {
    /// A label, 1–100 characters.
    pub name: String,
    /// Scopes, at most the caller's own (default `["read"]`).
    #[serde(default = "read_only")]
    pub scopes: Vec<Scope>,
    /// When the key stops working (epoch ms, in the future), if ever.
    #[serde(default)]
    pub expires_at: Option<EpochMillis>,
}

fn read_only() -> Vec<Scope> {
    vec![Scope::Read]
}

/// `POST keys/{id}/rotate`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RotateKeyRequest {
    /// How long the old key keeps working (default a day, at most 7 days).
    #[serde(default)]
    pub grace_period_ms: Option<u64>,
}

/// `POST keys/{id}/rotate`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RotatedKey {
    /// The new key, with its secret (shown once).
    #[serde(flatten)]
    pub issued: IssuedKey,
    /// The old key, now rotating until its `expires_at`.
    pub previous: KeyView,
}

/// `GET keys`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyList {
    /// The caller's keys, oldest first.
    pub keys: Vec<KeyView>,
}

/// Managing keys needs `write`; through an API key it needs `admin`, so that a leaked key cannot mint
/// itself successors.
fn may_manage_keys(principal: &Principal) -> Result<(), ApiError> {
    principal.require(if principal.key.is_some() {
        Scope::Admin
    } else {
        Scope::Write
    })
}

pub(super) async fn create<S: GatewayStore, C: RateCounters>(
    cx: &Context<'_, S, C>,
    body: &[u8],
) -> Result<Reply, ApiError> {
    let principal = cx.principal()?;
    may_manage_keys(principal)?;
    let request: CreateKeyRequest = decode_json(body)?;
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::new(
            ErrorCode::InvalidMessage,
            "a key's name is 1 to 100 characters",
        )
        .with_field("name"));
    }
    let scopes = Scopes::new(request.scopes);
    if scopes.as_slice().is_empty() {
        return Err(
            ApiError::new(ErrorCode::InvalidMessage, "list at least one scope")
                .with_field("scopes"),
        );
    }
    if !principal.scopes.covers(&scopes) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "a key cannot have scopes its creator does not hold",
        )
        .with_field("scopes"));
    }
    if request.expires_at.is_some_and(|at| at <= cx.now) {
        return Err(ApiError::new(
            ErrorCode::InvalidMessage,
            "`expires_at` must be in the future",
        )
        .with_field("expires_at"));
    }
    let grant = KeyGrant {
        owner: principal.user.clone(),
        name: name.to_owned(),
        scopes,
        expires_at: request.expires_at,
    };
    let (key, secret) = ApiKey::issue(grant, &cx.entropy, cx.now);
    cx.store.insert_key(&key).await.map_err(id_taken)?;
    Reply::created(IssuedKey {
        secret,
        key: key.view(cx.now),
    })
}

/// 48 random bits collide about once in 16 million keys; the caller may simply retry.
fn id_taken(e: StoreError) -> ApiError {
    match e {
        StoreError::Conflict(_) => ApiError::new(
            ErrorCode::Internal,
            "the new key's random id is taken; try again",
        ),
        other => other.into(),
    }
}

pub(super) async fn list<S: GatewayStore, C: RateCounters>(
    cx: &Context<'_, S, C>,
) -> Result<Reply, ApiError> {
    let principal = cx.principal()?;
    principal.require(Scope::Read)?;
    let keys = cx.store.keys_of(&principal.user).await?;
    Reply::ok(KeyList {
        keys: keys.iter().map(|k| k.view(cx.now)).collect(),
    })
}

/// The key `id` if the caller may change it: its owner, or an admin. Others get `404` (whether a key
/// exists is not theirs to know).
async fn owned_key<S: GatewayStore, C: RateCounters>(
    cx: &Context<'_, S, C>,
    id: &str,
) -> Result<ApiKey, ApiError> {
    let principal = cx.principal()?;
    cx.store
        .key(id)
        .await?
        .filter(|k| k.owner == principal.user || principal.is_admin())
        .ok_or_else(|| not_found("API key", id))
}

/// A rotation answers with the new key's secret, and the new key acts as its owner: only the owner may
/// rotate. An admin may revoke anyone's key (and the owner then makes a new one), but may not obtain a
/// working secret that acts as someone else.
fn may_rotate(principal: &Principal, key: &ApiKey) -> Result<(), ApiError> {
    if key.owner == principal.user {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::Forbidden,
            format!(
                "only its owner may rotate key `{}` (a rotation returns the new secret); an admin may revoke it",
                key.id
            ),
        ))
    }
}

pub(super) async fn revoke<S: GatewayStore, C: RateCounters>(
    cx: &Context<'_, S, C>,
    id: &str,
) -> Result<Reply, ApiError> {
    let principal = cx.principal()?;
    principal.require(Scope::Write)?;
    owned_key(cx, id).await?;
    // Written as one conditional statement: a rotation committed since the read above is kept.
    let key = cx
        .store
        .revoke_key(id, cx.now)
        .await?
        .ok_or_else(|| not_found("API key", id))?;
    Reply::ok(key.view(cx.now))
}

pub(super) async fn rotate<S: GatewayStore, C: RateCounters>(
    cx: &Context<'_, S, C>,
    id: &str,
    body: &[u8],
) -> Result<Reply, ApiError> {
    let principal = cx.principal()?;
    may_manage_keys(principal)?;
    let request: RotateKeyRequest = if body.iter().all(u8::is_ascii_whitespace) {
        RotateKeyRequest::default()
    } else {
        decode_json(body)?
    };
    let mut old = owned_key(cx, id).await?;
    may_rotate(principal, &old)?;
    let grace = request.grace_period_ms.unwrap_or(DEFAULT_GRACE_MS);
    let (new, secret) = old.rotate(grace, &cx.entropy, cx.now)?;
    cx.store.rotate_key(&old, &new).await.map_err(id_taken)?;
    Reply::created(RotatedKey {
        issued: IssuedKey {
            secret,
            key: new.view(cx.now),
        },
        previous: old.view(cx.now),
    })
}
