//! Yjs awareness ⇄ synq presence. A Yjs client's awareness state is JSON; the conventions of the
//! CodeMirror and Monaco bindings are read: `user: {name, color}` and `cursor: {anchor, head}` (Yjs relative
//! positions). A synq connection's presence is written the same way, under a client id derived from its
//! connection id, with `synq: {user_id, connection_id}` added.

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

/// Writes a synq connection's presence as an awareness state.
pub fn write_state(
    user_id: &str,
    connection_id: &str,
    name: Option<&str>,
    view: &AwarenessView,
    text: &SharedText,
) -> String {
    let user = match &view.user_info {
        Some(info) => json!({"name": info.name, "color": info.color}),
        None => json!({"name": name.unwrap_or(user_id)}),
    };
    let mut state = json!({
        "user": user,
        "synq": {"user_id": user_id, "connection_id": connection_id},
    });
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
    let hash = connection_id.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    });
    u64::from(hash.max(1))
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
        let state = write_state("ann", "c1", None, &view, &text);
        assert_eq!(read_state(&state, &text), view);
        let parsed: Value = serde_json::from_str(&state).unwrap();
        assert_eq!(parsed["synq"]["user_id"], "ann");
        assert!(parsed["cursor"]["head"]["item"]["client"].is_u64());
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
