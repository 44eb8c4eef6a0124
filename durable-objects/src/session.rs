//! The Session Durable Object: accepts WebSockets with the hibernation API, and for every message runs
//! the core's session engine, writes what it asks to persist, and only then sends replies and broadcasts.

use std::cell::RefCell;

use synq_core::auth::Role;
use synq_core::protocol::{Envelope, HEARTBEAT_PING, HEARTBEAT_PONG};
use synq_core::session::{Effect, Notice, SessionConfig, SessionEngine, SessionStore};
use synq_core::yjs::wire;
use synq_core::{ApiError, EpochMillis, ErrorCode};
use worker::js_sys::{Date, Function, Reflect, Uint8Array};
use worker::wasm_bindgen::JsValue;
use worker::worker_sys::WebSocketRequestResponsePair;
use worker::{
    DurableObject, Env, Request, Response, Result, State, WebSocket, WebSocketPair, console_error,
    console_warn, durable_object, wasm_bindgen,
};

use crate::connection::{Connection, Kind};
use crate::error_response;
use crate::sql_store::SqlSessionStore;
use sockets::Sockets;

mod keys;
mod rest;
mod sockets;
mod websocket;

/// One collaboration session. `#[durable_object(alarm)]` binds the constructor, `fetch` and `alarm`; the
/// WebSocket handlers are bound below by hand, synchronously.
#[durable_object(alarm)]
pub struct Session {
    state: State,
    /// `None` if the schema could not be created; every connection then gets `INTERNAL`.
    store: Option<SqlSessionStore>,
    /// Loaded from storage on first use (again after a wake from hibernation, or after a failed write).
    engine: RefCell<Option<SessionEngine>>,
    /// Limits: the defaults, with any `SYNQ_*` overrides from the environment.
    config: SessionConfig,
    /// Who is on each socket (its attachment, remembered).
    sockets: Sockets,
}

/// The session limits, with `SYNQ_MESSAGES_PER_MINUTE`, `SYNQ_EDITS_PER_MINUTE`, the Yjs budget's
/// `SYNQ_YJS_UPDATES_PER_MINUTE`, `SYNQ_YJS_UPDATE_BURST`, `SYNQ_YJS_UPDATE_BYTES_PER_MINUTE`,
/// `SYNQ_YJS_AWARENESS_PER_MINUTE` and `SYNQ_YJS_AWARENESS_BURST`, `SYNQ_MAX_CONNECTIONS`,
/// `SYNQ_MAX_CONNECTIONS_PER_USER`, `SYNQ_IDLE_TIMEOUT_MS` and `SYNQ_ARCHIVE_AFTER_MS` (wrangler vars)
/// overriding the defaults when set to a number.
fn session_config(env: &Env) -> SessionConfig {
    let var = |name: &str| {
        env.var(name)
            .ok()
            .and_then(|v| v.to_string().trim().parse::<u64>().ok())
    };
    let rate = |name: &str, value: &mut u32| {
        if let Some(n) = var(name) {
            *value = u32::try_from(n).unwrap_or(u32::MAX);
        }
    };
    let mut config = SessionConfig::default();
    rate("SYNQ_MESSAGES_PER_MINUTE", &mut config.messages_per_minute);
    rate("SYNQ_EDITS_PER_MINUTE", &mut config.edits_per_minute);
    let yjs = &mut config.yjs;
    rate("SYNQ_YJS_UPDATES_PER_MINUTE", &mut yjs.updates_per_minute);
    rate("SYNQ_YJS_UPDATE_BURST", &mut yjs.update_burst);
    rate(
        "SYNQ_YJS_UPDATE_BYTES_PER_MINUTE",
        &mut yjs.update_bytes_per_minute,
    );
    rate(
        "SYNQ_YJS_AWARENESS_PER_MINUTE",
        &mut yjs.awareness_per_minute,
    );
    rate("SYNQ_YJS_AWARENESS_BURST", &mut yjs.awareness_burst);
    if let Some(n) = var("SYNQ_MAX_CONNECTIONS") {
        config.max_connections = usize::try_from(n).unwrap_or(usize::MAX);
    }
    if let Some(n) = var("SYNQ_MAX_CONNECTIONS_PER_USER") {
        config.max_connections_per_user = usize::try_from(n).unwrap_or(usize::MAX);
    }
    if let Some(n) = var("SYNQ_IDLE_TIMEOUT_MS") {
        config.idle_timeout_ms = n;
    }
    if let Some(n) = var("SYNQ_ARCHIVE_AFTER_MS") {
        config.archive_after_ms = n;
    }
    config
}

fn now() -> EpochMillis {
    // `Date.now()`, not `new Date()`: no object per message.
    EpochMillis(Date::now() as u64)
}

fn send(ws: &WebSocket, message: &str) {
    if let Err(e) = ws.send_with_str(message) {
        // The peer is going away; the rest of the session carries on.
        console_warn!("session: send failed: {e}");
    }
}

fn send_bytes(ws: &WebSocket, frame: &[u8]) {
    if let Err(e) = ws.send_with_bytes(frame) {
        console_warn!("session: send failed: {e}");
    }
}

/// Tells a socket what went wrong, in its own protocol: an `error` message, or for a Yjs socket a
/// permission-denied message.
fn send_error(ws: &WebSocket, connection: Option<&Connection>, error: ApiError) {
    if connection.is_some_and(|c| c.kind == Kind::Yjs) {
        send_bytes(ws, &wire::refusal(&error));
        return;
    }
    let (session, user) = connection
        .map(|c| (c.session_id.as_str(), c.participant.user_id.as_str()))
        .unwrap_or_default();
    send(
        ws,
        &Envelope::error(session, user, now(), error, None, None).to_json(),
    );
}

impl DurableObject for Session {
    fn new(state: State, env: Env) -> Self {
        let config = session_config(&env);
        let reload_window = u64::try_from(config.history_limit).unwrap_or(u64::MAX);
        let store = SqlSessionStore::open(state.storage().sql(), reload_window)
            .inspect_err(|e| console_error!("session: opening storage failed: {e}"))
            .ok();
        // Heartbeats are answered by the runtime, so they never wake a hibernating session.
        match WebSocketRequestResponsePair::new(HEARTBEAT_PING, HEARTBEAT_PONG) {
            Ok(pair) => state.set_websocket_auto_response(&pair),
            Err(e) => console_error!("session: no heartbeat auto-response: {e:?}"),
        }
        Session {
            state,
            store,
            engine: RefCell::new(None),
            config,
            sockets: Sockets::new(),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        if req.path() == rest::PATH {
            return self.serve_rest(req).await;
        }
        if req.path() == keys::PATH {
            return self.serve_key_change(req).await;
        }
        let upgrade = req.headers().get("upgrade")?.unwrap_or_default();
        if !upgrade.eq_ignore_ascii_case("websocket") {
            return error_response(&ApiError::new(
                ErrorCode::UpgradeRequired,
                "expected a WebSocket upgrade",
            ));
        }
        let kind = Kind::from_path(&req.path());
        let Some(mut connection) = Connection::from_headers(req.headers(), kind) else {
            return error_response(&ApiError::new(
                ErrorCode::Unauthorized,
                "the session is reached through the API Worker, which authenticates the caller",
            ));
        };
        if let Err(error) = self.admit_key_join(&mut connection) {
            return error_response(&error);
        }
        // The socket and its attachment first, then the join: a connection the engine counts always
        // has a socket that will report its close. The engine loads before anything is accepted, so a
        // storage failure never leaves a half-open socket.
        let internal = |e: worker::Error| ApiError::new(ErrorCode::Internal, e.to_string());
        let pair = match WebSocketPair::new().and_then(|pair| {
            self.sockets.keep(&pair.server, &connection)?;
            Ok(pair)
        }) {
            Ok(pair) => pair,
            Err(e) => return error_response(&internal(e)),
        };
        let greeting = match self.with_engine(&connection.session_id, |engine| match kind {
            Kind::Synq => engine.join(&connection.participant, now()),
            Kind::Yjs => engine.join_yjs(&connection.participant, now()),
        }) {
            Ok(Ok(effects)) => effects,
            Ok(Err(error)) | Err(error) => return error_response(&error),
        };
        self.state
            .accept_websocket_with_tags(&pair.server, &[kind.tag()]);
        let mut wake = self.carry_out(Some(&pair.server), greeting);
        keys::watch_key_expiry(&connection, &mut wake);
        self.wake(wake).await;
        Response::from_websocket(pair.client)
    }

    async fn alarm(&self) -> Result<Response> {
        self.end_expired_key_sockets().await;
        // The session's id is not in storage: a socket's attachment knows it. With no socket left, the
        // engine is loaded nameless for this alarm only and dropped after it, so the next connection
        // loads it again under its id (which labels messages and seeds the server's Yjs client id).
        let known_id = self
            .state
            .get_websockets()
            .iter()
            .find_map(|ws| self.sockets.get(ws).ok().flatten())
            .map(|c| c.session_id);
        let nameless = known_id.is_none() && self.engine.borrow().is_none();
        let session_id = known_id.unwrap_or_default();
        match self.with_engine(&session_id, |engine| engine.on_alarm(now())) {
            Ok(effects) => {
                let wake = self.carry_out(None, effects);
                self.wake(wake).await;
            }
            Err(error) => console_error!("session: alarm: {}", error.message),
        }
        if nameless {
            self.engine.replace(None);
        }
        Response::empty()
    }
}

impl Session {
    /// Tells the engine a socket is gone.
    fn forget(&self, ws: &WebSocket) -> WakeBy {
        let connection = self.sockets.get(ws);
        self.sockets.forget(ws);
        match connection {
            Ok(Some(connection)) => self
                .with_engine(&connection.session_id, |engine| {
                    engine.leave(&connection.participant, now())
                })
                .map(|effects| self.carry_out(Some(ws), effects))
                .unwrap_or_default(),
            _ => WakeBy::default(),
        }
    }

    /// Sets the alarm an event's effects asked for, if any.
    async fn wake(&self, wake: WakeBy) {
        if let Some(at) = wake.at()
            && let Err(e) = self.wake_by(at).await
        {
            // Only a snapshot or an idle close is deferred; every edit is already in the op log.
            console_warn!("session: setting the alarm failed: {e}");
        }
    }

    /// Runs `f` on the session engine, loading it from storage first if needed.
    fn with_engine<T>(
        &self,
        session_id: &str,
        f: impl FnOnce(&mut SessionEngine) -> T,
    ) -> std::result::Result<T, ApiError> {
        let store = self.store()?;
        let mut slot = self.engine.borrow_mut();
        if slot.is_none() {
            let stored = store.load().map_err(storage_error)?;
            let mut engine = SessionEngine::restore(session_id, self.config.clone(), stored)
                .map_err(storage_error)?;
            for write in engine.take_startup_writes() {
                store.write(&write).map_err(storage_error)?;
            }
            // Sockets outlive the engine when the DO hibernates: take their connections back.
            for ws in self.state.get_websockets() {
                if let Ok(Some(c)) = self.sockets.get(&ws) {
                    engine.reattach(&c.participant, c.presence.unwrap_or_default(), now());
                }
            }
            *slot = Some(engine);
        }
        match slot.as_mut() {
            Some(engine) => Ok(f(engine)),
            None => Err(ApiError::new(
                ErrorCode::Internal,
                "session engine unavailable",
            )),
        }
    }

    fn store(&self) -> std::result::Result<&SqlSessionStore, ApiError> {
        self.store
            .as_ref()
            .ok_or_else(|| ApiError::new(ErrorCode::Internal, "session storage is unavailable"))
    }

    /// Writes first; a failed write drops the in-memory engine (it is ahead of storage), tells the
    /// sender, and sends nothing else: what was not persisted is never acknowledged. Synchronous: the
    /// alarm the engine asks for is returned, for the caller to set.
    fn carry_out(&self, ws: Option<&WebSocket>, effects: Vec<Effect>) -> WakeBy {
        let mut wake = WakeBy::default();
        for effect in effects {
            match effect {
                Effect::Persist(write) => {
                    let written = self
                        .store()
                        .and_then(|s| s.write(&write).map_err(storage_error));
                    if let Err(error) = written {
                        self.engine.replace(None);
                        if let Some(ws) = ws {
                            let connection = self.sockets.get(ws).ok().flatten();
                            send_error(ws, connection.as_ref(), error);
                        }
                        return wake;
                    }
                }
                Effect::Reply(message) => {
                    if let Some(ws) = ws {
                        send(ws, &message);
                    }
                }
                Effect::Broadcast(message) => {
                    self.broadcast(ws, Kind::Synq, || JsValue::from_str(&message));
                }
                Effect::ReplyYjs(frame) => {
                    if let Some(ws) = ws {
                        send_bytes(ws, &frame);
                    }
                }
                Effect::BroadcastYjs(frame) => {
                    self.broadcast(ws, Kind::Yjs, || Uint8Array::new_from_slice(&frame).into());
                }
                Effect::Disconnect {
                    connection_id,
                    code,
                    reason,
                } => self.disconnect(&connection_id, code, &reason),
                Effect::SetRole {
                    connection_id,
                    role,
                    notice,
                } => self.set_role(&connection_id, role, notice),
                Effect::Close { code, reason } => {
                    if let Some(ws) = ws
                        && let Err(e) = ws.close(Some(code), Some(reason))
                    {
                        console_warn!("session: closing failed: {e}");
                    }
                }
                Effect::KeepPresence(presence) => {
                    let Some(ws) = ws else { continue };
                    if let Ok(Some(mut connection)) = self.sockets.get(ws) {
                        connection.presence = Some(presence);
                        if let Err(e) = self.sockets.keep(ws, &connection) {
                            console_warn!("session: keeping presence failed: {e}");
                        }
                    }
                }
                Effect::ScheduleAlarm(at) => wake.by(at),
            }
        }
        wake
    }

    /// The socket of one connection, with its attachment.
    fn socket_of(&self, connection_id: &str) -> Option<(WebSocket, Connection)> {
        self.state.get_websockets().into_iter().find_map(|ws| {
            let connection = self.sockets.get(&ws).ok().flatten()?;
            (connection.participant.connection_id == connection_id).then_some((ws, connection))
        })
    }

    /// Closes the socket of one connection (the engine has already let it go).
    fn disconnect(&self, connection_id: &str, code: u16, reason: &str) {
        if let Some((ws, _)) = self.socket_of(connection_id)
            && let Err(e) = ws.close(Some(code), Some(reason))
        {
            console_warn!("session: closing a connection failed: {e}");
        }
    }

    /// Keeps a connection's new role in its attachment, so that it survives hibernation, and tells it.
    fn set_role(&self, connection_id: &str, role: Role, notice: Option<Notice>) {
        if let Some((ws, mut connection)) = self.socket_of(connection_id) {
            connection.participant.role = role;
            if let Err(e) = self.sockets.keep(&ws, &connection) {
                console_warn!("session: keeping a new role failed: {e}");
            }
            match notice {
                Some(Notice::Synq(message)) => send(&ws, &message),
                Some(Notice::Yjs(frame)) => send_bytes(&ws, &frame),
                None => {}
            }
        }
    }

    /// Sends `message` to every socket of `kind` but `sender`. The message crosses into JavaScript once
    /// (and only if someone is there to get it) and the same JS value goes to every peer: `send_with_str`
    /// would copy it out of wasm memory per peer.
    fn broadcast(&self, sender: Option<&WebSocket>, kind: Kind, message: impl FnOnce() -> JsValue) {
        let sender: Option<&JsValue> = sender.map(|ws| {
            let js: &JsValue = ws.as_ref();
            js
        });
        let sockets = self.state.get_websockets_with_tag(kind.tag());
        let mut peers = sockets
            .iter()
            .map(|peer| -> &JsValue { peer.as_ref() })
            .filter(|peer| Some(*peer) != sender)
            .peekable();
        let Some(first) = peers.peek() else {
            return;
        };
        let send_fn = match Reflect::get(first, &JsValue::from_str("send")).map(Function::from) {
            Ok(f) => f,
            Err(e) => {
                console_warn!("session: WebSocket has no send(): {e:?}");
                return;
            }
        };
        let message = message();
        for peer in peers {
            if let Err(e) = send_fn.call1(peer, &message) {
                // The peer is going away; the rest of the session carries on.
                console_warn!("session: send failed: {e:?}");
            }
        }
    }
}

/// The earliest alarm an event's effects asked for: set after they were carried out, never later than a
/// pending one (a rotated key's grace end may share it, see `keys`).
#[must_use = "the alarm the engine asked for must be set"]
#[derive(Debug, Default, Clone, Copy)]
struct WakeBy(Option<EpochMillis>);

impl WakeBy {
    fn by(&mut self, at: EpochMillis) {
        self.0 = Some(self.0.map_or(at, |earlier| earlier.min(at)));
    }

    fn at(self) -> Option<EpochMillis> {
        self.0
    }
}

fn storage_error(e: synq_core::session::StoreError) -> ApiError {
    console_error!("session: storage: {e}");
    ApiError::new(
        ErrorCode::Internal,
        "session storage failed; nothing was acknowledged, retry",
    )
}
