//! SynQ Edge Durable Objects for Cloudflare Workers.
//!
//! [`Session`] is a **skeleton**: it proves the platform plumbing (WebSocket Hibernation,
//! per-connection state in the socket attachment, DO SQLite, fan-out) and is meant to have its
//! body replaced by the real session engine from `shared/`.
//!
//! The Worker crate that builds the `.wasm` must `pub use synq_durable_objects::Session;`,
//! otherwise the linker drops the class and it never reaches the generated JavaScript.

mod wire;

use serde::Deserialize;
use worker::{
    DurableObject, Env, Error, Request, Response, Result, SqlStorage, State, WebSocket,
    WebSocketIncomingMessage, WebSocketPair, console_error, console_warn, durable_object,
    wasm_bindgen,
};

pub use wire::{Connection, ErrorDetail, ServerMessage, error_body};

/// Request header carrying the authenticated user id (set by the API Worker, never by clients).
pub const USER_HEADER: &str = "x-synq-user";
/// Request header carrying the user's role in the session (set by the API Worker).
pub const ROLE_HEADER: &str = "x-synq-role";

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL DEFAULT (unixepoch('subsec') * 1000)
)";

/// One collaboration session: owns its WebSockets and its own SQLite database.
#[durable_object]
pub struct Session {
    state: State,
    sql: SqlStorage,
}

impl DurableObject for Session {
    fn new(state: State, _env: Env) -> Self {
        let sql = state.storage().sql();
        // `exec` is synchronous. The constructor cannot fail, so a schema error is logged here and
        // surfaces again as a typed error on the first query that needs the table.
        if let Err(e) = sql.exec(SCHEMA, None) {
            console_error!("session: creating schema failed: {e}");
        }
        Self { state, sql }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let upgrade = req.headers().get("upgrade")?.unwrap_or_default();
        if !upgrade.eq_ignore_ascii_case("websocket") {
            return json_error(426, "UPGRADE_REQUIRED", "expected a WebSocket upgrade");
        }
        let Some(conn) = Connection::from_headers(
            req.headers().get(USER_HEADER)?,
            req.headers().get(ROLE_HEADER)?,
        ) else {
            return json_error(400, "BAD_REQUEST", "missing x-synq-user or x-synq-role");
        };

        // Everything that can fail happens before the socket is accepted, so a failure never
        // leaves a half-open socket behind.
        let stored_messages = match self.stored_count() {
            Ok(n) => n,
            Err(e) => {
                console_error!("session: counting messages failed: {e}");
                return json_error(500, "INTERNAL", "session storage unavailable");
            }
        };
        let pair = WebSocketPair::new()?;
        // Survives hibernation; read back with `deserialize_attachment` on every event.
        pair.server.serialize_attachment(&conn)?;
        // Hibernation API: the runtime owns the socket, events arrive via `websocket_*` below.
        self.state.accept_web_socket(&pair.server);

        send(
            &pair.server,
            &ServerMessage::Welcome {
                user_id: &conn.user_id,
                role: &conn.role,
                stored_messages,
            },
        );
        Response::from_websocket(pair.client)
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> Result<()> {
        let conn = match ws.deserialize_attachment::<Connection>() {
            Ok(Some(conn)) => conn,
            Ok(None) => {
                console_warn!("session: socket without attachment");
                Connection::unknown()
            }
            Err(e) => {
                console_warn!("session: bad attachment: {e}");
                Connection::unknown()
            }
        };
        let text = match message {
            WebSocketIncomingMessage::String(text) => text,
            WebSocketIncomingMessage::Binary(_) => {
                send(
                    &ws,
                    &ServerMessage::error("UNSUPPORTED", "binary frames are not supported yet"),
                );
                return Ok(());
            }
        };

        // Persist before fan-out; the output gate holds outgoing frames until the write is durable.
        let seq = match self.store(&conn.user_id, &text) {
            Ok(seq) => seq,
            Err(e) => {
                console_error!("session: storing message failed: {e}");
                send(
                    &ws,
                    &ServerMessage::error("INTERNAL", "could not store the message"),
                );
                return Ok(());
            }
        };

        let out = ServerMessage::Message {
            seq,
            from: &conn.user_id,
            body: &text,
        };
        let frame = match serde_json::to_string(&out) {
            Ok(frame) => frame,
            Err(e) => {
                console_error!("session: encoding broadcast failed: {e}");
                return Ok(());
            }
        };
        let sender: &wasm_bindgen::JsValue = ws.as_ref();
        for peer in self.state.get_websockets() {
            let peer_js: &wasm_bindgen::JsValue = peer.as_ref();
            if peer_js == sender {
                continue;
            }
            if let Err(e) = peer.send_with_str(&frame) {
                // A peer that is closing must not stop the fan-out to the others.
                console_warn!("session: send to peer failed: {e}");
            }
        }
        Ok(())
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        code: usize,
        _reason: String,
        _was_clean: bool,
    ) -> Result<()> {
        // Complete the closing handshake. 1005/1006 are reserved and may not be sent back.
        let code = match u16::try_from(code) {
            Ok(c) if c != 1005 && c != 1006 => c,
            _ => 1000,
        };
        if let Err(e) = ws.close(Some(code), Some("closing")) {
            // Already closed (e.g. the runtime auto-replied): nothing left to do.
            console_warn!("session: close failed: {e}");
        }
        Ok(())
    }

    async fn websocket_error(&self, _ws: WebSocket, error: Error) -> Result<()> {
        console_error!("session: websocket error: {error}");
        Ok(())
    }
}

impl Session {
    /// Number of stored messages (`SELECT COUNT(*)`, read back with `one()`).
    fn stored_count(&self) -> Result<u64> {
        #[derive(Deserialize)]
        struct Row {
            n: u64,
        }
        let row: Row = self
            .sql
            .exec("SELECT COUNT(*) AS n FROM messages", None)?
            .one()?;
        Ok(row.n)
    }

    /// Inserts one message with bound parameters and returns its sequence number.
    fn store(&self, user_id: &str, body: &str) -> Result<u64> {
        #[derive(Deserialize)]
        struct Row {
            seq: u64,
        }
        let rows: Vec<Row> = self
            .sql
            .exec(
                "INSERT INTO messages (user_id, body) VALUES (?, ?) RETURNING seq",
                vec![user_id.into(), body.into()],
            )?
            .to_array()?;
        rows.first()
            .map(|r| r.seq)
            .ok_or_else(|| Error::RustError("INSERT ... RETURNING gave no row".into()))
    }
}

/// Sends one server message; a failed send is logged, never propagated (the socket stays open).
fn send(ws: &WebSocket, msg: &ServerMessage<'_>) {
    match serde_json::to_string(msg) {
        Ok(frame) => {
            if let Err(e) = ws.send_with_str(frame) {
                console_warn!("session: send failed: {e}");
            }
        }
        Err(e) => console_error!("session: encoding message failed: {e}"),
    }
}

fn json_error(status: u16, code: &str, message: &str) -> Result<Response> {
    Ok(Response::from_json(&error_body(code, message))?.with_status(status))
}
