//! The WebSockets opened with an API key: noted (which session) when one opens, and told about it when the
//! key is revoked or rotated (`synq_gateway::key_sockets`), so that a revoked key's sockets close at once
//! and a rotated key's end with its grace period. Sockets of other credentials are untouched. The sessions
//! are told concurrently (at most `CONCURRENT_TELLS` at once). Notes are pruned: a revoked key's once
//! every session was told, and those of keys revoked or expired `KEY_SOCKET_RETENTION_MS` ago whenever
//! a key socket is noted (`synq_gateway::store`).

use futures_util::{StreamExt, stream};
use synq_core::{ApiError, EpochMillis, ErrorCode};
use synq_gateway::GatewayStore;
use synq_gateway::key_sockets::KeySocketChange;
use worker::wasm_bindgen::JsValue;
use worker::{Date, Env, Method, Request, RequestInit, console_warn};

use crate::d1_gateway::D1Gateway;
use crate::session_stub;

/// Sessions told about one key change at once.
const CONCURRENT_TELLS: usize = 8;

/// Notes that key `key_id` opens a socket on `session_id`; refused if it cannot be noted, since its
/// revocation could then not reach the socket, and if the stored key is no longer usable (this isolate's
/// copy of it is older than a revocation).
pub(crate) async fn note(
    store: &D1Gateway,
    key_id: &str,
    session_id: &str,
) -> Result<(), ApiError> {
    let now = EpochMillis(Date::now().as_millis());
    if store.note_key_socket(key_id, session_id, now).await? {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::Unauthorized,
            format!("API key `{key_id}` was revoked or has expired"),
        ))
    }
}

/// Tells every session key `key_id` opened sockets on what its stored state now asks for (nothing for an
/// active key). Failures are logged: the key's HTTP use is already refused or re-dated in the store.
pub(crate) async fn tell_sessions(env: &Env, store: &D1Gateway, key_id: &str) {
    let told = async {
        let Some(change) = store
            .key(key_id)
            .await?
            .as_ref()
            .and_then(KeySocketChange::of)
        else {
            return Ok(());
        };
        let body = serde_json::to_string(&change)
            .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
        let sessions = store.key_sockets(key_id).await?;
        let body = body.as_str();
        let told = stream::iter(&sessions)
            .map(|session| async move { (session, post(env, session, body).await) })
            .buffer_unordered(CONCURRENT_TELLS);
        let failed = told
            .filter_map(|(session, result)| async move { result.err().map(|e| (session, e)) })
            .collect::<Vec<_>>()
            .await;
        for (session, e) in &failed {
            console_warn!(
                "key sockets: telling session `{session}` failed: {}",
                e.message
            );
        }
        // A revoked key opens no more sockets and those it had are closed: its notes can go (kept if a
        // session could not be told, for a retry by revoking again).
        if matches!(change, KeySocketChange::Revoked { .. }) && failed.is_empty() {
            store.forget_key_sockets(key_id).await?;
        }
        Ok::<(), ApiError>(())
    };
    if let Err(e) = told.await {
        console_warn!("key sockets: key `{key_id}`: {}", e.message);
    }
}

async fn post(env: &Env, session: &str, body: &str) -> Result<(), ApiError> {
    let internal = |e: worker::Error| ApiError::new(ErrorCode::Internal, e.to_string());
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_body(Some(JsValue::from_str(body)));
    // The DO reads the path and the body; the URL must merely be absolute.
    let req = Request::new_with_init("https://session.internal/keys", &init).map_err(internal)?;
    let mut response = session_stub(env, session)?
        .fetch_with_request(req)
        .await
        .map_err(internal)?;
    if response.status_code() != 200 {
        let text = response.text().await.unwrap_or_default();
        return Err(ApiError::new(ErrorCode::Internal, text));
    }
    Ok(())
}
