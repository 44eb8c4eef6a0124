//! Test helpers: run a session engine against a store the way a shell does.
#![allow(dead_code, unreachable_pub)]

use synq_core::auth::Role;
use synq_core::session::{Effect, MemoryStore, Participant, SessionEngine, SessionStore};

/// Replies and broadcasts of one handled message, after its writes went to the store.
#[derive(Debug, Default)]
pub struct Outcome {
    pub replies: Vec<String>,
    pub broadcasts: Vec<String>,
    pub alarms: Vec<synq_core::EpochMillis>,
    pub kept: Vec<synq_core::session::Presence>,
    pub closed: Option<u16>,
    /// Other connections the engine closed, with the close code.
    pub disconnected: Vec<(String, u16)>,
    /// Other connections given a new role.
    pub roles: Vec<(String, Role)>,
    /// What those connections are told of it.
    pub notices: Vec<(String, synq_core::session::Notice)>,
    /// Binary frames for the Yjs sender / the other Yjs connections.
    pub yjs_replies: Vec<Vec<u8>>,
    pub yjs_broadcasts: Vec<Vec<u8>>,
}

/// Carries effects out as a shell must: all writes first, then the messages.
pub fn pump(store: &dyn SessionStore, effects: Vec<Effect>) -> Outcome {
    let mut out = Outcome::default();
    for effect in effects {
        match effect {
            Effect::Persist(write) => store.write(&write).expect("memory store never fails"),
            Effect::Reply(m) => out.replies.push(m),
            Effect::Broadcast(m) => out.broadcasts.push(m),
            Effect::ReplyYjs(m) => out.yjs_replies.push(m),
            Effect::BroadcastYjs(m) => out.yjs_broadcasts.push(m),
            Effect::ScheduleAlarm(at) => out.alarms.push(at),
            Effect::KeepPresence(p) => out.kept.push(p),
            Effect::Close { code, .. } => out.closed = Some(code),
            Effect::Disconnect {
                connection_id,
                code,
                ..
            } => out.disconnected.push((connection_id, code)),
            Effect::SetRole {
                connection_id,
                role,
                notice,
            } => {
                out.roles.push((connection_id.clone(), role));
                if let Some(notice) = notice {
                    out.notices.push((connection_id, notice));
                }
            }
        }
    }
    out
}

pub fn participant(user: &str, role: Role) -> Participant {
    Participant {
        user_id: user.to_owned(),
        role,
        name: None,
        connection_id: format!("{user}-conn"),
        expires_at: None,
        token_role: None,
        read_only: false,
    }
}

/// An engine with its store.
pub struct Hosted {
    pub engine: SessionEngine,
    pub store: MemoryStore,
}

impl Hosted {
    pub fn new(config: synq_core::session::SessionConfig) -> Self {
        Hosted {
            engine: SessionEngine::new("s", config),
            store: MemoryStore::default(),
        }
    }

    pub fn handle(&mut self, who: &Participant, raw: &str) -> Outcome {
        let effects = self
            .engine
            .handle_message(who, raw, synq_core::EpochMillis(0));
        pump(&self.store, effects)
    }
}

/// The `data.operation` of a server message, as JSON.
pub fn operation(raw: &str) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(raw).expect("server sends JSON");
    v["data"]["operation"].clone()
}

/// An `edit` message with `op` made against `version`.
pub fn edit(op: serde_json::Value, id: &str, version: u64) -> String {
    serde_json::json!({"type": "edit", "data": {"operation": op, "metadata": {"operation_id": id}}, "version": version})
        .to_string()
}

/// The error code of a server reply, or "" if the reply is not an error.
pub fn error_code(raw: &str) -> String {
    let op = operation(raw);
    if op["type"] != "error" {
        return String::new();
    }
    op["code"].as_str().unwrap_or_default().to_owned()
}
