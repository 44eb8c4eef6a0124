//! The session's WebSocket event handlers, bound to JavaScript by hand instead of through
//! `#[durable_object]`, because they are synchronous. Everything a message does is synchronous (the
//! engine, SQL writes, sends); the macro's binding would still wrap each event in a Promise, a spawned
//! task and a microtask, which was a quarter of a Yjs message's handler time in profiles. The one step
//! that awaits, setting the alarm, is rare on this path: only then does a handler return a Promise.

use synq_core::{ApiError, ErrorCode};
use worker::js_sys::Uint8Array;
use worker::wasm_bindgen::JsValue;
use worker::wasm_bindgen::prelude::wasm_bindgen;
use worker::wasm_bindgen_futures::future_to_promise;
use worker::worker_sys::web_sys;
use worker::{WebSocket, console_error, console_warn};

use super::{Session, WakeBy, now, send_error};
use crate::connection::Kind;

#[wasm_bindgen(wasm_bindgen = ::worker::wasm_bindgen)]
impl Session {
    /// A frame from a socket: text for the synq protocol, binary for Yjs.
    #[wasm_bindgen(js_name = webSocketMessage)]
    pub fn on_websocket_message(&self, ws: web_sys::WebSocket, message: JsValue) -> JsValue {
        let ws = WebSocket::from(ws);
        let wake = self.take_frame(&ws, message);
        self.wake_later(wake)
    }

    /// A socket closed: the engine lets its connection go, then the closing handshake is completed.
    #[wasm_bindgen(js_name = webSocketClose)]
    pub fn on_websocket_close(
        &self,
        ws: web_sys::WebSocket,
        code: usize,
        _reason: String,
        _was_clean: bool,
    ) -> JsValue {
        let ws = WebSocket::from(ws);
        let wake = self.forget(&ws);
        // 1005/1006 are reserved and may not be sent back.
        let code = u16::try_from(code)
            .ok()
            .filter(|c| *c != 1005 && *c != 1006)
            .unwrap_or(1000);
        if let Err(e) = ws.close(Some(code), Some("closing")) {
            console_warn!("session: close failed: {e}");
        }
        self.wake_later(wake)
    }

    /// A socket failed: it is gone, so it is forgotten as on close (a later close report is a no-op).
    #[wasm_bindgen(js_name = webSocketError)]
    pub fn on_websocket_error(&self, ws: web_sys::WebSocket, error: JsValue) -> JsValue {
        console_warn!("session: websocket error: {error:?}");
        let wake = self.forget(&WebSocket::from(ws));
        self.wake_later(wake)
    }
}

impl Session {
    fn take_frame(&self, ws: &WebSocket, message: JsValue) -> WakeBy {
        let connection = match self.sockets.get(ws) {
            Ok(Some(connection)) => connection,
            other => {
                console_error!(
                    "session: socket without a readable attachment: {:?}",
                    other.err()
                );
                let error = ApiError::new(
                    ErrorCode::Internal,
                    "this connection lost its identity; reconnect",
                );
                send_error(ws, None, error);
                return WakeBy::default();
            }
        };
        let who = &connection.participant;
        let handled = match (connection.kind, message.as_string()) {
            (Kind::Synq, Some(text)) => self.with_engine(&connection.session_id, |engine| {
                engine.handle_message(who, &text, now())
            }),
            (Kind::Yjs, None) => {
                let frame = Uint8Array::new(&message).to_vec();
                self.with_engine(&connection.session_id, |engine| {
                    engine.handle_yjs(who, &frame, now())
                })
            }
            (Kind::Synq, None) => Err(ApiError::new(
                ErrorCode::Unsupported,
                "binary frames are not accepted on the synq protocol",
            )),
            (Kind::Yjs, Some(_)) => Err(ApiError::new(
                ErrorCode::Unsupported,
                "text frames are not accepted on the Yjs protocol",
            )),
        };
        match handled {
            Ok(effects) => self.carry_out(Some(ws), effects),
            Err(error) => {
                send_error(ws, Some(&connection), error);
                WakeBy::default()
            }
        }
    }

    /// `undefined` when there is no alarm to set; else the Promise that sets it, which the event then
    /// waits for.
    fn wake_later(&self, wake: WakeBy) -> JsValue {
        let Some(at) = wake.at() else {
            return JsValue::UNDEFINED;
        };
        let storage = self.state.storage();
        future_to_promise(async move {
            if let Err(e) = super::keys::wake_storage_by(&storage, at).await {
                // Only a snapshot or an idle close is deferred; every edit is already in the op log.
                console_warn!("session: setting the alarm failed: {e}");
            }
            Ok(JsValue::UNDEFINED)
        })
        .into()
    }
}
