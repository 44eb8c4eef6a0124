//! Reads the credential from the request and the keys from the environment; verification is the gateway
//! core's (`synq_gateway::authenticate`: a JWT, or an API key looked up in the control-plane store through
//! this isolate's key cache, so that a busy isolate does not read D1 on every request; see
//! `synq_gateway::KEY_CACHE_TTL_MS` for the revocation lag).

use std::cell::RefCell;
use std::rc::Rc;

use synq_core::auth::{Hs256Secret, TokenVerifier};
use synq_core::{ApiError, EpochMillis, ErrorCode};
use synq_gateway::{AuthConfig, CachedKeys, Caller, Credential, KeyCache, authenticate};
use worker::{Date, Env, Request};

use crate::d1_gateway::D1Gateway;

/// HS256 shared secret (a secret, or a var under `wrangler dev --var`).
const SECRET_VAR: &str = "JWT_SECRET";
/// Optional Ed25519 public key (32 bytes, base64url) to also accept EdDSA tokens.
const ED25519_VAR: &str = "JWT_ED25519_PUBLIC_KEY";
/// Comma-separated user ids who hold the gateway's `admin` scope.
const ADMINS_VAR: &str = "SYNQ_GATEWAY_ADMINS";

thread_local! {
    /// The isolate's copies of key records.
    static KEYS: Rc<RefCell<KeyCache>> = Rc::default();
}

/// Drops this isolate's copy of key `id`, after this isolate revoked or rotated it: no lag here.
pub(crate) fn forget_key(id: &str) {
    KEYS.with(|keys| keys.borrow_mut().forget(id));
}

pub(crate) fn env_string(env: &Env, name: &str) -> Option<String> {
    env.secret(name)
        .map(|s| s.to_string())
        .or_else(|_| env.var(name).map(|v| v.to_string()))
        .ok()
        .filter(|s| !s.is_empty())
}

fn verifier(env: &Env) -> Result<TokenVerifier, ApiError> {
    let mut verifier = TokenVerifier::default();
    let secret = env_string(env, SECRET_VAR);
    if let Some(secret) = &secret {
        verifier = verifier.with_hs256(Hs256Secret::new(secret.as_bytes()));
    }
    let public_key = env_string(env, ED25519_VAR);
    if let Some(key) = &public_key {
        verifier = verifier
            .with_ed25519_base64url(key)
            .map_err(|e| ApiError::new(ErrorCode::Internal, format!("{ED25519_VAR}: {e}")))?;
    }
    if secret.is_none() && public_key.is_none() {
        return Err(ApiError::new(
            ErrorCode::Internal,
            format!("no {SECRET_VAR} or {ED25519_VAR} is configured"),
        ));
    }
    Ok(verifier)
}

/// Who may do what: the JWT keys and the gateway admins.
fn auth_config(env: &Env) -> Result<AuthConfig, ApiError> {
    let admins = env_string(env, ADMINS_VAR).unwrap_or_default();
    Ok(AuthConfig {
        verifier: verifier(env)?,
        admins: admins
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

/// The request's credential: `Authorization: Bearer <jwt or key>`, `X-API-Key`, or `?token=` (browsers
/// cannot set headers on WebSockets).
pub(crate) fn credential(req: &Request) -> Credential {
    let query_token = req.url().ok().and_then(|url| {
        url.query_pairs()
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v.into_owned())
    });
    Credential::from_request(
        header(req, "authorization").as_deref(),
        header(req, "x-api-key").as_deref(),
        query_token.as_deref(),
    )
}

/// Verifies the caller's credential now.
pub(crate) async fn caller(
    req: &Request,
    env: &Env,
    store: &D1Gateway,
) -> Result<Caller, ApiError> {
    let now = EpochMillis(Date::now().as_millis());
    let cache = KEYS.with(Rc::clone);
    let keys = CachedKeys {
        store,
        cache: &cache,
        now,
    };
    authenticate(&credential(req), &auth_config(env)?, &keys, now).await
}
