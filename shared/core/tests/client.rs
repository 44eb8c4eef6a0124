//! The client state machine on its own: what it keeps and resends when the server refuses its edit.

#![allow(clippy::unwrap_used)] // tests fail loudly by design

use serde_json::json;
use synq_core::EpochMillis;
use synq_core::client::{ClientError, ClientSession};
use synq_core::ot::Step;

fn synced() -> ClientSession {
    let mut client = ClientSession::new("s", "amy", "t");
    let sync = json!({"type": "sync", "data": {"operation": {"type": "full_sync", "content": "ab", "version": 4}}, "version": 4});
    assert!(
        client
            .receive(&sync.to_string(), EpochMillis(0))
            .unwrap()
            .is_empty()
    );
    client
}

fn refusal(code: &str, operation_id: &str) -> String {
    json!({"type": "error", "data": {"operation": {"type": "error", "code": code, "message": "no",
        "operation_id": operation_id, "retry_after_ms": 250}}, "version": 4})
    .to_string()
}

#[test]
fn a_rate_limited_edit_is_kept_and_resent_under_the_same_id() {
    let mut client = synced();
    let sent = client
        .edit(vec![Step::insert(2, "c")], EpochMillis(0))
        .unwrap()
        .unwrap();
    assert!(
        client
            .edit(vec![Step::insert(3, "d")], EpochMillis(0))
            .unwrap()
            .is_none(),
        "buffered"
    );
    let err = client
        .receive(&refusal("RATE_LIMITED", "t-1"), EpochMillis(0))
        .unwrap_err();
    assert!(matches!(err, ClientError::Server(e) if e.retry_after_ms == Some(250)));
    assert_eq!(client.text(), "abcd");
    assert!(client.has_unconfirmed());
    let again = client.retry_pending(EpochMillis(300)).unwrap();
    let (a, b): (serde_json::Value, serde_json::Value) = (
        serde_json::from_str(&sent).unwrap(),
        serde_json::from_str(&again).unwrap(),
    );
    assert_eq!(
        a["data"], b["data"],
        "the same edit under the same operation id"
    );
    assert!(
        client.retry_pending(EpochMillis(300)).is_none(),
        "resent once"
    );
    // Its ack then releases the buffered edit.
    let ack = json!({"type": "sync", "data": {"operation": {"type": "ack", "operation_id": "t-1", "version": 5}}, "version": 5});
    let next = client.receive(&ack.to_string(), EpochMillis(0)).unwrap();
    assert_eq!(next.len(), 1);
    assert!(next[0].contains(r#""content":"d""#));
}

#[test]
fn an_edit_refused_for_good_drops_local_edits() {
    let mut client = synced();
    client
        .edit(vec![Step::insert(2, "c")], EpochMillis(0))
        .unwrap();
    assert!(
        client
            .receive(&refusal("FORBIDDEN", "t-1"), EpochMillis(0))
            .is_err()
    );
    assert!(!client.has_unconfirmed());
    assert!(!client.is_synced(), "the client must fetch a full sync");
    assert!(client.retry_pending(EpochMillis(0)).is_none());
}
