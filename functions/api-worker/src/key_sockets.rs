//! The WebSockets opened with an API key: noted (which session) when one opens, and told about it when the
//! key is revoked or rotated (`synq_gateway::key_sockets`), so that a revoked key's sockets close at once
//! and a rotated key's end with its grace period. Sockets of other credentials are untouched.

use synq_core::{ApiError, EpochMillis, ErrorCode};
use synq_gateway::GatewayStore;
use synq_gateway::key_sockets::KeySocketChange;
use worker::wasm_bindgen::JsValue;
use worker::{Date, Env, Method, Request, RequestInit, console_warn};

use crate::d1_gateway::D1Gateway;
use crate::session_stub;

/// Notes that key `key_id` opens a socket on `session_id`; refused if it cannot be noted, since its
/// revocation could then not reach the socket.
pub(crate) async fn note(
    store: &D1Gateway,
    key_id: &str,
    session_id: &str,
) -> Result<(), ApiError> {
    let now = EpochMillis(Date::now().as_millis());
    Ok(store.note_key_socket(key_id, session_id, now).await?)
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
        for session in store.key_sockets(key_id).await? {
            if let Err(e) = post(env, &session, &body).await {
                console_warn!(
                    "key sockets: telling session `{session}` failed: {}",
                    e.message
                );
            }
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
