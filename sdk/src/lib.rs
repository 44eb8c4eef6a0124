//! The `synq` client for JavaScript: the core's OT client state machine behind `wasm-bindgen`, so browser
//! editors, the end-to-end tests and the Rust bench all run the same client logic.
//!
//! It does no I/O: the caller owns the WebSocket, passes every server message to `receive` and sends
//! whatever `insert`, `delete` and `receive` return. Every `heartbeatIntervalMs()` it sends
//! `heartbeatPing()` as a text frame; the server's `pong` may be passed to `receive` like anything else.

use synq_core::EpochMillis;
use synq_core::client::{ClientError, ClientSession};
use synq_core::ot::Step;
use wasm_bindgen::prelude::*;

/// The heartbeat text frame a client sends.
#[wasm_bindgen(js_name = heartbeatPing)]
pub fn heartbeat_ping() -> String {
    synq_core::protocol::HEARTBEAT_PING.to_owned()
}

/// How often to send the heartbeat, in milliseconds.
#[wasm_bindgen(js_name = heartbeatIntervalMs)]
pub fn heartbeat_interval_ms() -> f64 {
    synq_core::protocol::HEARTBEAT_INTERVAL_MS as f64
}

/// One client's view of a session document.
#[wasm_bindgen]
pub struct SynqClient {
    inner: ClientSession,
}

fn millis(now: f64) -> EpochMillis {
    // JS time is a float of milliseconds; negative or NaN clocks count as 0.
    EpochMillis(if now.is_finite() && now > 0.0 {
        now as u64
    } else {
        0
    })
}

fn js_error(error: ClientError) -> JsError {
    match error {
        ClientError::Server(e) => JsError::new(&format!("{:?}: {}", e.code, e.message)),
        other => JsError::new(&other.to_string()),
    }
}

#[wasm_bindgen]
impl SynqClient {
    /// A client of `sessionId` acting as `userId`; `idPrefix` must be unique per client instance.
    #[wasm_bindgen(constructor)]
    pub fn new(session_id: &str, user_id: &str, id_prefix: &str) -> SynqClient {
        SynqClient {
            inner: ClientSession::new(session_id, user_id, id_prefix),
        }
    }

    /// The local text.
    pub fn text(&self) -> String {
        self.inner.text()
    }

    /// The last server revision seen.
    pub fn revision(&self) -> f64 {
        self.inner.revision().0 as f64
    }

    /// Length of the local text in UTF-16 units (JavaScript's `string.length`).
    #[wasm_bindgen(js_name = lengthUtf16)]
    pub fn length_utf16(&self) -> usize {
        self.inner.len_utf16()
    }

    /// Whether the first full sync arrived.
    #[wasm_bindgen(js_name = isSynced)]
    pub fn is_synced(&self) -> bool {
        self.inner.is_synced()
    }

    /// Whether local edits wait for the server's acknowledgement.
    #[wasm_bindgen(js_name = hasUnconfirmed)]
    pub fn has_unconfirmed(&self) -> bool {
        self.inner.has_unconfirmed()
    }

    /// Inserts locally; returns the message to send now, if any.
    pub fn insert(
        &mut self,
        position: u32,
        content: &str,
        now: f64,
    ) -> Result<Option<String>, JsError> {
        let step = Step::insert(position, content);
        self.inner.edit(vec![step], millis(now)).map_err(js_error)
    }

    /// Deletes locally; returns the message to send now, if any.
    pub fn delete(
        &mut self,
        position: u32,
        length: u32,
        now: f64,
    ) -> Result<Option<String>, JsError> {
        let step = Step::delete(position, length);
        self.inner.edit(vec![step], millis(now)).map_err(js_error)
    }

    /// Takes a server message; returns the messages to send in reply.
    pub fn receive(&mut self, message: &str, now: f64) -> Result<Vec<String>, JsError> {
        self.inner.receive(message, millis(now)).map_err(js_error)
    }

    /// After `RATE_LIMITED` or `INTERNAL` for the in-flight edit (wait `retry_after_ms`): the same edit
    /// again, or nothing.
    #[wasm_bindgen(js_name = retryPending)]
    pub fn retry_pending(&mut self, now: f64) -> Option<String> {
        self.inner.retry_pending(millis(now))
    }

    /// The message that undoes this user's last edit; the server answers with an ordinary edit.
    pub fn undo(&mut self, now: f64) -> String {
        self.inner.undo_request(millis(now))
    }

    /// The message that redoes this user's last undo.
    pub fn redo(&mut self, now: f64) -> String {
        self.inner.redo_request(millis(now))
    }

    /// The socket closed: unacknowledged edits are resent after the next connection catches up.
    pub fn disconnected(&mut self) {
        self.inner.disconnected();
    }

    /// A request for a fresh full sync (after an error dropped local edits).
    #[wasm_bindgen(js_name = fullSyncRequest)]
    pub fn full_sync_request(&self, now: f64) -> String {
        self.inner.full_sync_request(millis(now))
    }
}
