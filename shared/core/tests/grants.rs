//! Role changes reach open connections: when a user's grant changes (the REST API tells the session), their
//! connections take the new role at once, whatever role the shell still has for them; the credentials'
//! own role is kept; a user left with no role is disconnected and the others are told.

#![allow(clippy::unwrap_used)] // tests fail loudly by design

mod common;

use common::{Hosted, edit, error_code, operation, participant, pump};
use serde_json::json;
use synq_core::EpochMillis;
use synq_core::auth::Role;
use synq_core::session::{CLOSE_ACCESS_REVOKED, Notice, Participant, SessionConfig};
use synq_core::yjs::wire;

const NOW: EpochMillis = EpochMillis(0);

fn insert(at: u32, text: &str, id: &str, version: u64) -> String {
    edit(
        json!({"type": "insert", "position": at, "content": text}),
        id,
        version,
    )
}

/// Yjs refusals (permission-denied messages) in `frames`.
fn yjs_refusals(frames: &[Vec<u8>]) -> Vec<String> {
    frames
        .iter()
        .flat_map(|f| wire::decode_frame(f).unwrap())
        .filter_map(|m| match m {
            yrs::sync::Message::Auth(reason) => reason,
            _ => None,
        })
        .collect()
}

/// A Yjs update inserting `text` at the start, from a client with its own id.
fn yjs_insert(text: &str) -> Vec<u8> {
    use yrs::{Text, Transact};
    let doc = yrs::Doc::with_client_id(77);
    let content = doc.get_or_insert_text(synq_core::yjs::TEXT_NAME);
    let mut txn = doc.transact_mut();
    content.insert(&mut txn, 0, text);
    wire::update(txn.encode_update_v1())
}

#[test]
fn a_demoted_editor_is_refused_at_once_and_stays_connected_and_a_promotion_lets_them_edit() {
    let mut s = Hosted::new(SessionConfig::default());
    let ann = participant("ann", Role::Editor);
    let ann_yjs = Participant {
        connection_id: "ann-yjs".into(),
        ..ann.clone()
    };
    let bob = participant("bob", Role::Viewer);
    pump(&s.store, s.engine.join(&ann, NOW).unwrap());
    pump(&s.store, s.engine.join_yjs(&ann_yjs, NOW).unwrap());
    pump(&s.store, s.engine.join(&bob, NOW).unwrap());
    assert_eq!(
        operation(&s.handle(&ann, &insert(0, "a", "a1", 0)).replies[0])["type"],
        "ack"
    );

    let out = pump(&s.store, s.engine.regrant("ann", Some(Role::Viewer), NOW));
    let mut roles = out.roles.clone();
    roles.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        roles,
        [
            ("ann-conn".to_owned(), Role::Viewer),
            ("ann-yjs".to_owned(), Role::Viewer)
        ]
    );
    assert!(out.disconnected.is_empty());
    // Each connection is told at once, in its protocol: a `role_changed` message for synq, and for
    // y-websocket (which has no role message) a permission-denied notice.
    let notice_of = |out: &common::Outcome, id: &str| {
        out.notices
            .iter()
            .find(|(c, _)| c == id)
            .map(|(_, n)| n.clone())
    };
    let Some(Notice::Synq(told)) = notice_of(&out, "ann-conn") else {
        panic!("{:?}", out.notices)
    };
    assert_eq!(operation(&told)["type"], "role_changed");
    assert_eq!(operation(&told)["role"], "viewer");
    let Some(Notice::Yjs(frame)) = notice_of(&out, "ann-yjs") else {
        panic!("{:?}", out.notices)
    };
    assert_eq!(
        yjs_refusals(&[frame]),
        ["FORBIDDEN: your role in this session is now viewer: your edits will be refused"]
    );
    // The shell may still hold `editor` for her sockets: the engine goes by what it was told.
    let refused = s.handle(&ann, &insert(1, "b", "a2", 1));
    assert_eq!(error_code(&refused.replies[0]), "FORBIDDEN");
    assert_eq!(refused.closed, None, "the socket stays open");
    let yjs = pump(
        &s.store,
        s.engine.handle_yjs(&ann_yjs, &yjs_insert("y"), NOW),
    );
    assert!(
        yjs_refusals(&yjs.yjs_replies)[0].starts_with("FORBIDDEN"),
        "{:?}",
        yjs_refusals(&yjs.yjs_replies)
    );
    assert_eq!(yjs.closed, None);
    assert_eq!(s.engine.text(), "a");
    // Bob's connection was not touched.
    assert!(!out.roles.iter().any(|(c, _)| c == "bob-conn"));

    let out = pump(&s.store, s.engine.regrant("ann", Some(Role::Editor), NOW));
    assert_eq!(out.roles.len(), 2);
    // A promotion is told to synq clients; y-websocket has nothing to say it with.
    assert!(
        matches!(notice_of(&out, "ann-conn"), Some(Notice::Synq(m)) if operation(&m)["role"] == "editor")
    );
    assert_eq!(notice_of(&out, "ann-yjs"), None);
    let viewer_copy = Participant {
        role: Role::Viewer,
        ..ann.clone()
    };
    let accepted = s.handle(&viewer_copy, &insert(1, "b", "a2", 1));
    assert_eq!(operation(&accepted.replies[0])["type"], "ack");
    assert_eq!(s.engine.text(), "ab");
}

#[test]
fn a_removed_user_is_disconnected_unless_their_credentials_give_a_role() {
    let mut s = Hosted::new(SessionConfig::default());
    let ann = participant("ann", Role::Editor);
    let tok = Participant {
        token_role: Some(Role::Editor),
        ..participant("tok", Role::Owner)
    };
    let key = Participant {
        read_only: true,
        ..participant("key", Role::Guest)
    };
    let bob = participant("bob", Role::Viewer);
    for who in [&ann, &tok, &key, &bob] {
        pump(&s.store, s.engine.join(who, NOW).unwrap());
    }

    let out = pump(&s.store, s.engine.regrant("ann", None, NOW));
    assert_eq!(
        out.disconnected,
        [("ann-conn".to_owned(), CLOSE_ACCESS_REVOKED)]
    );
    let left: Vec<_> = out.broadcasts.iter().map(|m| operation(m)).collect();
    assert_eq!(left, [json!({"type": "user_left"})]);
    // A message that was already on its way when the socket closed is refused, and closes it.
    let late = s.handle(&ann, &insert(0, "x", "a1", 0));
    assert_eq!(error_code(&late.replies[0]), "FORBIDDEN");
    assert_eq!(late.closed, Some(CLOSE_ACCESS_REVOKED));
    assert_eq!(s.engine.text(), "");
    // Its close report later is not a second departure.
    assert!(s.engine.leave(&ann, NOW).is_empty());

    // The token's own role outlives the grant: an owner by grant falls back to the token's editor.
    let out = pump(&s.store, s.engine.regrant("tok", None, NOW));
    assert_eq!(out.roles, [("tok-conn".to_owned(), Role::Editor)]);
    assert!(out.disconnected.is_empty());
    // A read-only key stays a guest, whatever it is granted.
    let out = pump(&s.store, s.engine.regrant("key", Some(Role::Owner), NOW));
    assert!(out.roles.is_empty() && out.disconnected.is_empty());
    let refused = s.handle(&key, &insert(0, "k", "k1", 0));
    assert_eq!(error_code(&refused.replies[0]), "FORBIDDEN");
}

#[test]
fn a_regrant_in_a_session_nobody_joined_asks_for_no_alarm() {
    let mut s = Hosted::new(SessionConfig::default());
    let out = pump(&s.store, s.engine.regrant("ann", Some(Role::Viewer), NOW));
    assert!(out.alarms.is_empty(), "{:?}", out.alarms);
    assert_eq!(
        s.engine.status(),
        synq_core::protocol::SessionStatus::Created
    );
}
