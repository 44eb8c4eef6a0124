//! Who is on each live socket, remembered for the isolate's life.
//!
//! The attachment is the record that survives hibernation, but reading it is a structured-clone copy
//! turned into Rust field by field: a CPU profile of a Yjs fan-out under `wrangler dev` showed it as
//! the costliest step of a message after the engine. So every socket's connection is also kept here,
//! found through a `WeakMap` keyed by the socket's JavaScript object. Every change to a connection goes
//! through [`Sockets::keep`], which writes both, so they never disagree; after a wake from hibernation
//! the map is empty and the attachment is read once per socket.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use worker::WebSocket;
use worker::js_sys::WeakMap;
use worker::wasm_bindgen::JsValue;

use crate::connection::Connection;

pub(super) struct Sockets {
    /// Socket → its handle (a number: no string crosses into Rust on a lookup).
    handles: WeakMap,
    /// Handle → the connection, as in the socket's attachment.
    connections: RefCell<HashMap<u32, Connection>>,
    /// The next handle to give out.
    next: Cell<u32>,
}

impl Sockets {
    pub(super) fn new() -> Self {
        Sockets {
            handles: WeakMap::new(),
            connections: RefCell::new(HashMap::new()),
            next: Cell::new(0),
        }
    }

    /// Who is on `ws`: remembered, or read from its attachment. An error says why the attachment
    /// could not be read; `Ok(None)` means the socket has none.
    pub(super) fn get(&self, ws: &WebSocket) -> worker::Result<Option<Connection>> {
        let remembered = self.handle(ws).and_then(|handle| {
            let connections = self.connections.borrow();
            connections.get(&handle).cloned()
        });
        if remembered.is_some() {
            return Ok(remembered);
        }
        let read = ws.deserialize_attachment::<Connection>()?;
        if let Some(connection) = &read {
            self.remember(ws, connection);
        }
        Ok(read)
    }

    /// Stores `connection` as the attachment of `ws`, and remembers it.
    pub(super) fn keep(&self, ws: &WebSocket, connection: &Connection) -> worker::Result<()> {
        ws.serialize_attachment(connection)?;
        self.remember(ws, connection);
        Ok(())
    }

    /// Forgets a socket that is gone.
    pub(super) fn forget(&self, ws: &WebSocket) {
        if let Some(handle) = self.handle(ws) {
            self.connections.borrow_mut().remove(&handle);
        }
        self.handles.delete(ws.as_ref());
    }

    fn handle(&self, ws: &WebSocket) -> Option<u32> {
        // Handles are whole numbers below 2^32, so the conversion back is exact.
        self.handles
            .get(ws.as_ref())
            .as_f64()
            .map(|handle| handle as u32)
    }

    fn remember(&self, ws: &WebSocket, connection: &Connection) {
        let handle = self.handle(ws).unwrap_or_else(|| {
            let handle = self.next.get();
            self.next.set(handle.wrapping_add(1));
            self.handles.set(ws.as_ref(), &JsValue::from(handle));
            handle
        });
        self.connections
            .borrow_mut()
            .insert(handle, connection.clone());
    }
}
