//! The session's internal route for the REST API: the API Worker (which authenticated and authorised
//! the caller) posts a `synq_collab::DocCall` to `/rest` on the session's stub; the session serves it
//! with `synq_collab::serve`, writes what it must, tells its sockets, and answers the `DocResponse` (or
//! the one error shape). Nothing outside the Worker reaches a Durable Object.

use synq_collab::DocCall;
use synq_core::session::{Effect, SessionStore};
use synq_core::{ApiError, ErrorCode};
use worker::{Request, Response, Result};

use super::{Session, now, storage_error};
use crate::error_response;

/// The internal path.
pub(super) const PATH: &str = "/rest";

impl Session {
    pub(super) async fn serve_rest(&self, mut req: Request) -> Result<Response> {
        let call: DocCall = match req.json().await {
            Ok(call) => call,
            Err(e) => {
                let error = ApiError::new(
                    ErrorCode::InvalidMessage,
                    format!("not a session call: {e}"),
                );
                return error_response(&error);
            }
        };
        let store = match self.store() {
            Ok(store) => store,
            Err(error) => return error_response(&error),
        };
        let served = self.with_engine(&call.session_id, |engine| {
            synq_collab::serve(engine, store, &call.actor, call.request, now())
        });
        let (response, effects) = match served {
            Ok(Ok(served)) => served,
            Ok(Err(error)) | Err(error) => {
                // Refusals come before any change; an internal failure may come after one, so the
                // engine could be ahead of storage: reload it on the next call.
                if error.code == ErrorCode::Internal {
                    self.engine.replace(None);
                }
                return error_response(&error);
            }
        };
        // Writes first, all of them: what was not persisted is never answered as done.
        let (writes, sends): (Vec<Effect>, Vec<Effect>) = effects
            .into_iter()
            .partition(|e| matches!(e, Effect::Persist(_)));
        for effect in writes {
            if let Effect::Persist(write) = effect
                && let Err(e) = store.write(&write)
            {
                // The engine is ahead of storage: reload it on the next call.
                self.engine.replace(None);
                return error_response(&storage_error(e));
            }
        }
        let wake = self.carry_out(None, sends);
        self.wake(wake).await;
        Response::from_json(&response)
    }
}
