//! Reads the token from the request and the keys from the environment; verification is the core's.

use synq_core::auth::{Authenticated, Hs256Secret, TokenVerifier};
use synq_core::{ApiError, EpochMillis, ErrorCode};
use synq_gateway::{AuthConfig, Principal};
use worker::{Date, Env, Request};

/// HS256 shared secret (a secret, or a var under `wrangler dev --var`).
const SECRET_VAR: &str = "JWT_SECRET";
/// Optional Ed25519 public key (32 bytes, base64url) to also accept EdDSA tokens.
const ED25519_VAR: &str = "JWT_ED25519_PUBLIC_KEY";
/// Comma-separated user ids who hold the gateway's `admin` scope.
const ADMINS_VAR: &str = "SYNQ_GATEWAY_ADMINS";

fn env_string(env: &Env, name: &str) -> Option<String> {
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

/// The token from `Authorization: Bearer …`, else from `?token=` (browsers cannot set WebSocket headers).
fn token(req: &Request) -> Option<String> {
    let header = req.headers().get("authorization").ok().flatten();
    // The auth scheme is case-insensitive (RFC 9110 §11.1).
    if let Some((scheme, credentials)) = header.as_deref().and_then(|h| h.split_once(' '))
        && scheme.eq_ignore_ascii_case("bearer")
    {
        return Some(credentials.trim().to_owned());
    }
    let url = req.url().ok()?;
    url.query_pairs()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
}

/// Verifies the caller's token now.
pub(crate) fn authenticate(req: &Request, env: &Env) -> Result<Authenticated, ApiError> {
    let token = token(req).unwrap_or_default();
    Ok(verifier(env)?.verify(&token, EpochMillis(Date::now().as_millis()))?)
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

/// The caller as the gateway sees them (a user by JWT, with their scopes).
pub(crate) fn principal(req: &Request, env: &Env) -> Result<Principal, ApiError> {
    let config = auth_config(env)?;
    let user = authenticate(req, env)?.claims.sub;
    Ok(Principal {
        scopes: config.user_scopes(&user),
        user,
        key: None,
    })
}
