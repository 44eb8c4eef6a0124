//! The session's internal route for API key changes: the API Worker, having revoked or rotated a key,
//! posts a `synq_gateway::key_sockets::KeySocketChange` to `/keys` on each session the key opened sockets
//! on. Connections opened with that key are closed (revoked: the engine lets them go first, so the others
//! are told) or get the key's new expiry; every other connection is untouched. Answers
//! `{"closed": n, "updated": n}`.

use synq_core::{ApiError, ErrorCode};
use synq_gateway::key_sockets::{KeySocketChange, SocketAction};
use worker::{Request, Response, Result, console_warn};

use super::Session;
use crate::error_response;

/// The internal path.
pub(super) const PATH: &str = "/keys";

impl Session {
    pub(super) async fn serve_key_change(&self, mut req: Request) -> Result<Response> {
        let change: KeySocketChange = match req.json().await {
            Ok(change) => change,
            Err(e) => {
                let error =
                    ApiError::new(ErrorCode::InvalidMessage, format!("not a key change: {e}"));
                return error_response(&error);
            }
        };
        let (mut closed, mut updated) = (0u32, 0u32);
        for ws in self.state.get_websockets() {
            let Ok(Some(mut connection)) = self.sockets.get(&ws) else {
                continue;
            };
            let expires_at = connection.participant.expires_at;
            match change.action(connection.key.as_deref(), expires_at) {
                None => {}
                Some(SocketAction::Close(code, reason)) => {
                    self.forget(&ws).await;
                    if let Err(e) = ws.close(Some(code), Some(reason)) {
                        console_warn!("session: closing a revoked key's socket failed: {e}");
                    }
                    closed += 1;
                }
                Some(SocketAction::ExpireAt(at)) => {
                    connection.participant.expires_at = Some(at);
                    if let Err(e) = self.sockets.keep(&ws, &connection) {
                        console_warn!("session: re-dating a rotated key's socket failed: {e}");
                    }
                    updated += 1;
                }
            }
        }
        Response::from_json(&serde_json::json!({ "closed": closed, "updated": updated }))
    }
}
