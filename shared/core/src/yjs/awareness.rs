//! Yjs awareness ⇄ synq presence. A Yjs client's awareness state is JSON; the conventions of the
//! CodeMirror and Monaco bindings are read: `user: {name, color}` and `cursor: {anchor, head}` (Yjs relative
//! positions). A synq connection's presence is written the same way, under a client id derived from its
//! connection id, with `synq: {user_id, connection_id}` added. Who a state says it is (`user`, `synq`) is
//! always written by the server from the authenticated identity, for Yjs clients' states as for synq
//! connections'.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::text::SharedText;
use crate::protocol::UserInfo;
use crate::units::Utf16Pos;

/// A connection's entry in the Yjs awareness, kept with its presence (so in the socket attachment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwarenessSlot {
    /// The Yjs client id the entry is under (the client's own, or derived for a synq connection).
    pub client_id: u64,
    /// The entry's clock: receivers take an entry only with a higher clock than they have.
    pub clock: u32,
    /// A Yjs client's latest state as it sent it (kept for newcomers); `None` for synq connections
    /// (their state is written from their presence) and once the client cleared it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

/// The awareness states larger than this are relayed but not kept (a socket attachment holds 2 KiB).
pub const MAX_KEPT_STATE_BYTES: usize = 1024;

/// What a Yjs awareness state says in synq terms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwarenessView {
    /// `user.name` and `user.color`.
    pub user_info: Option<UserInfo>,
    /// `cursor.anchor` and `cursor.head` as offsets into the current text.
    pub cursor: Option<(Utf16Pos, Utf16Pos)>,
}

/// Reads a client's state; fields it lacks or that do not resolve are `None`.
pub fn read_state(state: &str, text: &SharedText) -> AwarenessView {
    let Ok(state) = serde_json::from_str::<Value>(state) else {
        return AwarenessView::default();
    };
    let user = &state["user"];
    // A name or colour over the limits is not shown to synq clients (the awareness itself still relays).
    let user_info = user["name"]
        .as_str()
        .map(|name| UserInfo {
            name: name.to_owned(),
            color: user["color"].as_str().unwrap_or_default().to_owned(),
        })
        .filter(|info| info.check().is_ok());
    let cursor = &state["cursor"];
    let anchor = text.offset_of_sticky(&cursor["anchor"]);
    let head = text.offset_of_sticky(&cursor["head"]);
    let cursor = match (anchor, head) {
        (Some(anchor), Some(head)) => Some((anchor, head)),
        (None, Some(at)) | (Some(at), None) => Some((at, at)),
        (None, None) => None,
    };
    AwarenessView { user_info, cursor }
}

/// Colours Yjs peers show users in, picked by user id: the same user always gets the same one.
const COLORS: [&str; 12] = [
    "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#0f9d9a", "#f032e6", "#9a6324",
    "#469990", "#800000", "#808000", "#000075",
];

/// Who a connection is, as authenticated: what Yjs peers are shown in its awareness state, whatever the
/// client wrote there.
#[derive(Debug, Clone, Copy)]
pub struct Identity<'a> {
    /// The authenticated user id.
    pub user_id: &'a str,
    /// The connection.
    pub connection_id: &'a str,
    /// The display name from the token, if it had one (else the user id is shown).
    pub name: Option<&'a str>,
}

impl Identity<'_> {
    /// The colour Yjs peers show this user in.
    pub fn color(&self) -> &'static str {
        COLORS[fnv1a(self.user_id) as usize % COLORS.len()]
    }

    /// Writes the fields that say who this is — `user` (`name`, `color`) and `synq` (`user_id`,
    /// `connection_id`) — into `state`, replacing what was there.
    fn stamp(&self, state: &mut serde_json::Map<String, Value>) {
        let name = self.name.unwrap_or(self.user_id);
        state.insert(
            "user".to_owned(),
            json!({"name": name, "color": self.color()}),
        );
        state.insert(
            "synq".to_owned(),
            json!({"user_id": self.user_id, "connection_id": self.connection_id}),
        );
    }
}

/// A Yjs client's awareness state with the fields that say who it is written from its authenticated
/// identity, so that no client can pass itself off as another user to its peers; everything else (its
/// cursor above all) stays as it wrote it. `None` when the state is not a JSON object (`null` clears
/// it; anything else carries no identity to correct).
pub fn with_identity(state: &str, identity: &Identity<'_>) -> Option<String> {
    let Ok(Value::Object(mut state)) = serde_json::from_str::<Value>(state) else {
        return None;
    };
    identity.stamp(&mut state);
    Some(Value::Object(state).to_string())
}

/// Writes a synq connection's presence as an awareness state: its identity (as for Yjs clients) and
/// its cursor.
pub fn write_state(identity: &Identity<'_>, view: &AwarenessView, text: &SharedText) -> String {
    let mut state = serde_json::Map::new();
    identity.stamp(&mut state);
    let mut state = Value::Object(state);
    if let Some((anchor, head)) = view.cursor
        && let (Some(anchor), Some(head)) = (text.sticky_json(anchor), text.sticky_json(head))
    {
        state["cursor"] = json!({"anchor": anchor, "head": head});
    }
    state.to_string()
}

/// The Yjs client id a synq connection's presence goes under: FNV-1a of its connection id, in the
/// 32 bits Yjs clients draw their own ids from (never 0).
pub fn synthetic_client_id(connection_id: &str) -> u64 {
    u64::from(fnv1a(connection_id).max(1))
}

/// 32-bit FNV-1a.
fn fnv1a(s: &str) -> u32 {
    s.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::ot::Step;

    #[test]
    fn presence_written_as_awareness_reads_back() {
        let text = SharedText::new(7);
        text.apply_steps(&[Step::insert(0, "qreg q[2];\n😀h q[0];\n")])
            .unwrap();
        let view = AwarenessView {
            user_info: Some(UserInfo {
                name: "Ann".to_owned(),
                color: "#f80".to_owned(),
            }),
            cursor: Some((11, 13)),
        };
        let ann = Identity {
            user_id: "ann",
            connection_id: "c1",
            name: Some("Ann"),
        };
        let state = write_state(&ann, &view, &text);
        let read = read_state(&state, &text);
        assert_eq!(read.cursor, view.cursor);
        assert_eq!(
            read.user_info,
            Some(UserInfo {
                name: "Ann".to_owned(),
                color: ann.color().to_owned(),
            })
        );
        let parsed: Value = serde_json::from_str(&state).unwrap();
        assert_eq!(parsed["synq"]["user_id"], "ann");
        assert!(parsed["cursor"]["head"]["item"]["client"].is_u64());
    }

    #[test]
    fn a_state_says_who_the_connection_is_and_keeps_the_rest() {
        let mallory = Identity {
            user_id: "mallory",
            connection_id: "m1",
            name: None,
        };
        let spoofed = json!({
            "user": {"name": "alice", "color": "#f00", "id": "alice"},
            "synq": {"user_id": "alice", "connection_id": "a1"},
            "cursor": {"anchor": {"type": null, "tname": "content", "item": null, "assoc": 0}, "head": 5},
            "extra": [1, 2],
        });
        let stamped: Value =
            serde_json::from_str(&with_identity(&spoofed.to_string(), &mallory).unwrap()).unwrap();
        assert_eq!(
            stamped["user"],
            json!({"name": "mallory", "color": mallory.color()})
        );
        assert_eq!(
            stamped["synq"],
            json!({"user_id": "mallory", "connection_id": "m1"})
        );
        assert_eq!(stamped["cursor"], spoofed["cursor"]);
        assert_eq!(stamped["extra"], spoofed["extra"]);
        assert_eq!(with_identity("null", &mallory), None);
        assert_eq!(with_identity("[1]", &mallory), None);
    }

    #[test]
    fn missing_or_odd_fields_read_as_none() {
        let text = SharedText::new(7);
        assert_eq!(read_state("not json", &text), AwarenessView::default());
        let view = read_state(r#"{"user":{"name":"Bo"},"cursor":null}"#, &text);
        assert_eq!(view.user_info.unwrap().name, "Bo");
        assert_eq!(view.cursor, None);
        assert_ne!(synthetic_client_id("a"), synthetic_client_id("b"));
    }
}
