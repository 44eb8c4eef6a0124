//! What the bench needs to know about a server message, read without building the whole envelope.

use serde::Deserialize;
use synq_core::ot::Insert;
use synq_core::protocol::{Envelope, MessageType, Operation, UserInfo};
use synq_core::{EpochMillis, Revision};

/// The content every bench edit inserts at position 0.
pub(crate) const EDIT_CONTENT: &str = "h q[0];\n";

/// A server message as the bench sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Incoming {
    /// The greeting every socket gets first (`sync` / `full_sync`).
    FullSync,
    /// `sync` / `ack` of the sender's edit.
    Ack {
        /// The sender's id for the edit.
        operation_id: String,
    },
    /// An `edit` with its author's operation id (a broadcast, or the floor's echo).
    Edit {
        /// The author's id for the edit.
        operation_id: String,
    },
    /// A `presence` / `user_info` whose name is a bench message id (a relay, or the floor's echo).
    Presence {
        /// The id the writer put in the name.
        id: String,
    },
    /// An `error` from the server.
    Error {
        /// Its code (e.g. `RATE_LIMITED`), or `?` when missing.
        code: String,
    },
    /// Anything else (presence, `caught_up`, an edit without an id, unparseable text).
    Other,
}

#[derive(Deserialize)]
struct Probe {
    #[serde(rename = "type")]
    kind: String,
    data: ProbeData,
}

#[derive(Deserialize)]
struct ProbeData {
    operation: ProbeOperation,
    #[serde(default)]
    metadata: ProbeMetadata,
}

#[derive(Deserialize)]
struct ProbeOperation {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    operation_id: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize, Default)]
struct ProbeMetadata {
    #[serde(default)]
    operation_id: Option<String>,
}

/// Classifies one server message by its `type`, `data.operation.type` and operation id.
pub(crate) fn classify(raw: &str) -> Incoming {
    let Ok(probe) = serde_json::from_str::<Probe>(raw) else {
        return Incoming::Other;
    };
    let op = probe.data.operation;
    match (probe.kind.as_str(), op.kind.as_str()) {
        (_, "full_sync") => Incoming::FullSync,
        (_, "ack") => match op.operation_id {
            Some(operation_id) => Incoming::Ack { operation_id },
            None => Incoming::Other,
        },
        ("error", _) | (_, "error") => Incoming::Error {
            code: op.code.unwrap_or_else(|| "?".to_owned()),
        },
        ("edit", _) => match probe.data.metadata.operation_id {
            Some(operation_id) => Incoming::Edit { operation_id },
            None => Incoming::Other,
        },
        ("presence", "user_info") => match op.name {
            Some(id) => Incoming::Presence { id },
            None => Incoming::Other,
        },
        _ => Incoming::Other,
    }
}

/// A presence update whose `user_info` name carries the message id `{user_id}-{seq}` (what the presence
/// fan-out measures: SynQ relays it to the others, the floor echoes it to everyone).
pub(crate) fn presence_update(
    session_id: &str,
    user_id: &str,
    seq: u64,
    now: EpochMillis,
) -> (String, String) {
    let id = format!("{user_id}-{seq}");
    let info = UserInfo {
        name: id.clone(),
        color: "#3366aa".to_owned(),
    };
    let message = Envelope::new(
        MessageType::Presence,
        session_id,
        user_id,
        now,
        Operation::UserInfo(info),
        None,
    )
    .to_json();
    (id, message)
}

/// The floor writer's edit: the same envelope a SynQ client sends, with a unique operation id.
pub(crate) fn floor_edit(
    session_id: &str,
    user_id: &str,
    seq: u64,
    now: EpochMillis,
) -> (String, String) {
    let operation_id = format!("{user_id}-{seq}");
    let message = Envelope::new(
        MessageType::Edit,
        session_id,
        user_id,
        now,
        Operation::Insert(Insert {
            position: 0,
            content: EDIT_CONTENT.to_owned(),
        }),
        Some(Revision(seq)),
    )
    .with_operation_id(Some(operation_id.clone()))
    .to_json();
    (operation_id, message)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use synq_core::client::ClientSession;
    use synq_core::ot::Step;
    use synq_core::protocol::LineCol;

    fn server(kind: MessageType, operation: Operation, operation_id: Option<&str>) -> String {
        Envelope::new(kind, "s", "u", EpochMillis(1), operation, Some(Revision(3)))
            .with_operation_id(operation_id.map(str::to_owned))
            .to_json()
    }

    #[test]
    fn reads_full_sync_ack_edit_and_error() {
        let full_sync = Operation::FullSync {
            content: "x".into(),
            version: Revision(3),
        };
        assert_eq!(
            classify(&server(MessageType::Sync, full_sync, None)),
            Incoming::FullSync
        );

        let ack = Operation::Ack {
            operation_id: "w-7".into(),
            version: Revision(3),
            duplicate: false,
        };
        assert_eq!(
            classify(&server(MessageType::Sync, ack, None)),
            Incoming::Ack {
                operation_id: "w-7".into()
            }
        );

        let insert = Operation::Insert(Insert {
            position: 0,
            content: "a".into(),
        });
        assert_eq!(
            classify(&server(MessageType::Edit, insert.clone(), Some("w-8"))),
            Incoming::Edit {
                operation_id: "w-8".into()
            }
        );
        assert_eq!(
            classify(&server(MessageType::Edit, insert, None)),
            Incoming::Other
        );

        let error = Operation::Error {
            code: synq_core::ErrorCode::RateLimited,
            message: "slow down".into(),
            retry_after_ms: Some(10),
            operation_id: None,
        };
        assert_eq!(
            classify(&server(MessageType::Error, error, None)),
            Incoming::Error {
                code: "RATE_LIMITED".into()
            }
        );
    }

    #[test]
    fn ignores_junk_and_presence() {
        assert_eq!(classify("not json"), Incoming::Other);
        let (id, presence) = presence_update("s", "w", 7, EpochMillis(1));
        assert_eq!(id, "w-7");
        assert_eq!(classify(&presence), Incoming::Presence { id });
        assert_eq!(classify(r#"{"type":"edit"}"#), Incoming::Other);
        let cursor = Operation::Cursor(LineCol { line: 1, column: 2 });
        assert_eq!(
            classify(&server(MessageType::Presence, cursor, None)),
            Incoming::Other
        );
    }

    #[test]
    fn the_client_state_machine_edit_carries_its_operation_id() {
        let mut client = ClientSession::new("s", "writer", "w");
        let sync = server(
            MessageType::Sync,
            Operation::FullSync {
                content: String::new(),
                version: Revision(0),
            },
            None,
        );
        client
            .receive(&sync, EpochMillis(0))
            .expect("full_sync is accepted");
        let step = Step::insert(0, EDIT_CONTENT);
        let sent = client
            .edit(vec![step], EpochMillis(1))
            .expect("edit applies");
        let sent = sent.expect("nothing in flight, so it is sent at once");
        assert_eq!(
            classify(&sent),
            Incoming::Edit {
                operation_id: "w-1".into()
            }
        );
    }

    #[test]
    fn the_floor_echo_is_identified_by_its_operation_id() {
        let (id, message) = floor_edit("s", "bench-writer", 42, EpochMillis(5));
        assert_eq!(id, "bench-writer-42");
        assert_eq!(classify(&message), Incoming::Edit { operation_id: id });
        // The same shape as a real client edit.
        let parsed = Envelope::parse(&message).expect("a valid synq envelope");
        assert_eq!(parsed.version, Some(Revision(42)));
    }
}
