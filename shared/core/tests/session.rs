//! The session engine's rules, handler-level (no network).

#![allow(clippy::unwrap_used)] // tests fail loudly by design

mod common;

use common::{Hosted, edit, error_code, operation, participant};
use serde_json::json;
use synq_core::EpochMillis;
use synq_core::auth::Role;
use synq_core::protocol::UserInfo;
use synq_core::session::{
    Effect, Participant, SessionConfig, SessionEngine, SessionStore, StorageWrite,
};

fn insert(pos: u32, s: &str, id: &str, version: u64) -> String {
    edit(
        json!({"type": "insert", "position": pos, "content": s}),
        id,
        version,
    )
}

#[test]
fn an_edit_is_persisted_acked_and_broadcast_transformed() {
    let mut s = Hosted::new(SessionConfig::default());
    let (alice, bob) = (
        participant("alice", Role::Editor),
        participant("bob", Role::Owner),
    );
    s.handle(&alice, &insert(0, "OPENQASM 2.0;", "a1", 0));
    // Bob edits against revision 0, concurrently with Alice's insert.
    let out = s.handle(&bob, &insert(0, "// bell\n", "b1", 0));
    assert_eq!(operation(&out.replies[0])["type"], "ack");
    assert_eq!(operation(&out.replies[0])["version"], 2);
    let broadcast = operation(&out.broadcasts[0]);
    assert_eq!(
        broadcast,
        json!({"type": "insert", "position": 13, "content": "// bell\n"})
    );
    assert_eq!(s.engine.text(), "OPENQASM 2.0;// bell\n");
    assert_eq!(s.store.load().unwrap().ops.len(), 2);
}

#[test]
fn a_resent_edit_applies_once() {
    let mut s = Hosted::new(SessionConfig::default());
    let alice = participant("alice", Role::Editor);
    s.handle(&alice, &insert(0, "x", "a1", 0));
    let again = s.handle(&alice, &insert(0, "x", "a1", 0));
    let ack = operation(&again.replies[0]);
    assert_eq!(
        (
            ack["type"].as_str(),
            ack["version"].as_u64(),
            ack["duplicate"].as_bool()
        ),
        (Some("ack"), Some(1), Some(true))
    );
    assert!(again.broadcasts.is_empty());
    assert_eq!(s.engine.text(), "x");
    // The same id from another user is another edit.
    s.handle(&participant("bob", Role::Editor), &insert(0, "y", "a1", 1));
    assert_eq!(s.engine.text(), "yx");
}

#[test]
fn viewers_and_guests_cannot_edit_but_the_session_goes_on() {
    let mut s = Hosted::new(SessionConfig::default());
    for role in [Role::Viewer, Role::Guest] {
        let out = s.handle(&participant("v", role), &insert(0, "x", "v1", 0));
        assert_eq!(error_code(&out.replies[0]), "FORBIDDEN");
        assert_eq!(operation(&out.replies[0])["operation_id"], "v1");
    }
    s.handle(&participant("e", Role::Editor), &insert(0, "ok", "e1", 0));
    assert_eq!(s.engine.text(), "ok");
}

#[test]
fn bad_input_gets_a_code_and_changes_nothing() {
    let config = SessionConfig {
        max_message_bytes: 280,
        ..SessionConfig::default()
    };
    let mut s = Hosted::new(config);
    let alice = participant("alice", Role::Editor);
    s.handle(&alice, &insert(0, "😀", "a1", 0));
    let cases = [
        ("{oops".to_owned(), "MALFORMED_MESSAGE"),
        (json!({"type": "dance", "data": {"operation": {"type": "insert"}}}).to_string(), "UNKNOWN_TYPE"),
        (edit(json!({"type": "insert", "position": 0}), "a2", 1), "INVALID_MESSAGE"),
        (insert(0, "x", "", 1), "INVALID_MESSAGE"),
        (insert(3, "x", "a3", 1), "OUT_OF_RANGE"),
        (insert(1, "x", "a4", 1), "OUT_OF_RANGE"), // inside the surrogate pair
        (edit(json!({"type": "delete", "position": 1, "length": 5}), "a5", 1), "OUT_OF_RANGE"),
        (insert(0, "x", "a6", 7), "INVALID_REVISION"),
        (insert(0, &"x".repeat(300), "a7", 1), "MESSAGE_TOO_LARGE"),
        (json!({"type": "comment", "data": {"operation": {"type": "cursor", "line": 0, "column": 0}}}).to_string(), "INVALID_MESSAGE"),
    ];
    for (raw, code) in cases {
        let out = s.handle(&alice, &raw);
        assert_eq!(error_code(&out.replies[0]), code, "{raw}");
        assert!(out.broadcasts.is_empty());
    }
    assert_eq!((s.engine.text().as_str(), s.engine.revision().0), ("😀", 1));
    // A multi-step edit whose second step fails leaves no trace of its first.
    let partial = edit(
        json!({"type": "transform", "operation": [
            {"type": "insert", "position": 0, "content": "a"},
            {"type": "delete", "position": 9, "length": 1}]}),
        "a8",
        1,
    );
    assert_eq!(
        error_code(&s.handle(&alice, &partial).replies[0]),
        "OUT_OF_RANGE"
    );
    assert_eq!(s.engine.text(), "😀");
}

#[test]
fn an_edit_older_than_the_history_is_refused() {
    let mut s = Hosted::new(SessionConfig {
        history_limit: 3,
        ..SessionConfig::default()
    });
    let alice = participant("alice", Role::Editor);
    for i in 0..5u64 {
        s.handle(&alice, &insert(0, "x", &format!("a{i}"), i));
    }
    let out = s.handle(&alice, &insert(0, "y", "late", 1));
    assert_eq!(error_code(&out.replies[0]), "REVISION_TOO_OLD");
    let ok = s.handle(&alice, &insert(0, "y", "recent", 2));
    assert_eq!(operation(&ok.replies[0])["version"], 6);
}

#[test]
fn a_restored_session_has_every_acked_edit_and_still_dedupes() {
    let config = SessionConfig {
        snapshot_every: 2,
        history_limit: 3,
        history_retention: 5,
        ..SessionConfig::default()
    };
    let mut s = Hosted::new(config.clone());
    let alice = participant("alice", Role::Editor);
    for i in 0..10u64 {
        s.handle(
            &alice,
            &insert(i as u32, &format!("{}", i % 10), &format!("a{i}"), i),
        );
    }
    let stored = s.store.load().unwrap();
    assert!(stored.snapshot.is_some());
    assert!(
        stored.ops.len() < 10,
        "the log is compacted behind the retained history"
    );
    let mut restored = Hosted {
        engine: SessionEngine::restore("s", config, stored).unwrap(),
        store: s.store,
    };
    assert_eq!(restored.engine.text(), "0123456789");
    assert_eq!(restored.engine.revision().0, 10);
    let resend = restored.handle(&alice, &insert(9, "9", "a9", 9));
    assert_eq!(operation(&resend.replies[0])["duplicate"], true);
    assert_eq!(restored.engine.text(), "0123456789");
}

#[test]
fn catch_up_replays_what_a_client_missed() {
    let mut s = Hosted::new(SessionConfig::default());
    let alice = participant("alice", Role::Editor);
    for i in 0..3u64 {
        s.handle(&alice, &insert(0, "x", &format!("a{i}"), i));
    }
    let req = json!({"type": "sync", "data": {"operation": {"type": "catch_up"}}, "version": 1})
        .to_string();
    let out = s.handle(&participant("bob", Role::Viewer), &req);
    let kinds: Vec<_> = out
        .replies
        .iter()
        .map(|r| operation(r)["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["insert", "insert", "caught_up"]);
}

#[test]
fn presence_is_relayed_to_the_others_as_the_sender() {
    let mut s = Hosted::new(SessionConfig::default());
    let raw = json!({"type": "presence", "user_id": "mallory",
        "data": {"operation": {"type": "cursor", "line": 2, "column": 4}}})
    .to_string();
    let out = s.handle(&participant("guest", Role::Guest), &raw);
    let v: serde_json::Value = serde_json::from_str(&out.broadcasts[0]).unwrap();
    assert_eq!(v["user_id"], "guest");
    // The document is empty: the cursor is clamped into it.
    assert_eq!(
        v["data"]["operation"],
        json!({"type": "cursor", "line": 0, "column": 0})
    );
}

#[test]
fn joins_and_leaves_are_announced_to_the_others() {
    let mut s = Hosted::new(SessionConfig::default());
    let bob = Participant {
        name: Some("Bob".into()),
        ..participant("bob", Role::Viewer)
    };
    let joined = common::pump(&s.store, s.engine.join(&bob, EpochMillis(5)).unwrap());
    assert_eq!(operation(&joined.replies[0])["type"], "full_sync");
    assert_eq!(
        operation(&joined.replies[1]),
        json!({"type": "participants", "participants": []})
    );
    assert_eq!(
        operation(&joined.broadcasts[0]),
        json!({"type": "user_joined", "role": "viewer", "name": "Bob"})
    );
    let v: serde_json::Value = serde_json::from_str(&joined.broadcasts[0]).unwrap();
    assert_eq!(v["data"]["metadata"]["connection_id"], "bob-conn");
    let left = common::pump(&s.store, s.engine.leave(&bob, EpochMillis(6)));
    assert!(left.replies.is_empty());
    assert_eq!(operation(&left.broadcasts[0]), json!({"type": "user_left"}));
    // Clients cannot forge these.
    let forged =
        json!({"type": "presence", "data": {"operation": {"type": "user_left"}}}).to_string();
    assert_eq!(
        error_code(&s.handle(&bob, &forged).replies[0]),
        "INVALID_MESSAGE"
    );
}

fn presence(op: serde_json::Value) -> String {
    json!({"type": "presence", "data": {"operation": op}}).to_string()
}

#[test]
fn cursors_follow_the_text_and_a_joiner_sees_everyone() {
    let mut s = Hosted::new(SessionConfig::default());
    let (amy, bo) = (
        participant("amy", Role::Editor),
        participant("bo", Role::Editor),
    );
    common::pump(&s.store, s.engine.join(&amy, EpochMillis(0)).unwrap());
    common::pump(&s.store, s.engine.join(&bo, EpochMillis(0)).unwrap());
    s.handle(&amy, &insert(0, "qreg q[2];\nh q[0];\n", "a1", 0));
    // Bo's cursor sits before `q[0]` on line 1, his selection covers `h`.
    let out = s.handle(
        &bo,
        &presence(json!({"type": "cursor", "line": 1, "column": 2})),
    );
    assert_eq!(out.kept[0].cursor, Some(13));
    assert_eq!(
        operation(&out.broadcasts[0]),
        json!({"type": "cursor", "line": 1, "column": 2})
    );
    s.handle(&bo, &presence(json!({"type": "selection", "start": {"line": 1, "column": 0}, "end": {"line": 1, "column": 1}})));
    s.handle(
        &bo,
        &presence(json!({"type": "user_info", "name": "Bo", "color": "#0af"})),
    );
    // Amy adds a line above: Bo's cursor and selection move down with their text.
    s.handle(&amy, &insert(0, "OPENQASM 2.0;\n", "a2", 1));
    let carol = participant("carol", Role::Guest);
    let joined = common::pump(&s.store, s.engine.join(&carol, EpochMillis(0)).unwrap());
    let list = operation(&joined.replies[1]);
    let bo_view = list["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["user_id"] == "bo")
        .unwrap()
        .clone();
    assert_eq!(
        bo_view,
        json!({"connection_id": "bo-conn", "user_id": "bo", "role": "editor",
               "cursor": {"line": 2, "column": 2},
               "selection": {"start": {"line": 2, "column": 0}, "end": {"line": 2, "column": 1}},
               "user_info": {"name": "Bo", "color": "#0af"}})
    );
    assert_eq!(
        list["participants"].as_array().unwrap().len(),
        2,
        "amy and bo, not carol herself"
    );
    // Deleting the text under a cursor puts it at the start of the deletion; a leaver disappears.
    let deleted = s.handle(
        &amy,
        &edit(
            json!({"type": "delete", "position": 14, "length": 19}),
            "a3",
            2,
        ),
    );
    assert_eq!(operation(&deleted.replies[0])["type"], "ack");
    common::pump(&s.store, s.engine.leave(&amy, EpochMillis(0)));
    let joined = common::pump(
        &s.store,
        s.engine
            .join(&participant("dan", Role::Guest), EpochMillis(0))
            .unwrap(),
    );
    let list = operation(&joined.replies[1]);
    let users: Vec<_> = list["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["user_id"].clone())
        .collect();
    assert_eq!(users, [json!("bo"), json!("carol")]);
    assert_eq!(
        list["participants"][0]["cursor"],
        json!({"line": 1, "column": 0})
    );
}

#[test]
fn presence_kept_by_the_shell_is_brought_up_to_date_on_reattach() {
    let mut s = Hosted::new(SessionConfig::default());
    let (amy, bo) = (
        participant("amy", Role::Editor),
        participant("bo", Role::Editor),
    );
    common::pump(&s.store, s.engine.join(&bo, EpochMillis(0)).unwrap());
    s.handle(&amy, &insert(0, "abc", "a1", 0));
    let kept = s
        .handle(
            &bo,
            &presence(json!({"type": "cursor", "line": 0, "column": 2})),
        )
        .kept[0]
        .clone();
    s.handle(&amy, &insert(0, "xy", "a2", 1));
    // The engine is rebuilt from storage (the DO slept); Bo's socket kept his presence from revision 1.
    let mut restored =
        SessionEngine::restore("s", SessionConfig::default(), s.store.load().unwrap()).unwrap();
    restored.reattach(&bo, kept, EpochMillis(0));
    let joined = common::pump(&s.store, restored.join(&amy, EpochMillis(0)).unwrap());
    assert_eq!(
        operation(&joined.replies[1])["participants"][0]["cursor"],
        json!({"line": 0, "column": 4})
    );
}

#[test]
fn a_quiet_session_is_snapshotted_by_an_alarm() {
    let mut s = Hosted::new(SessionConfig {
        snapshot_every: 100,
        snapshot_idle_ms: 10_000,
        ..SessionConfig::default()
    });
    let alice = participant("alice", Role::Editor);
    let first = s.handle(&alice, &insert(0, "a", "a1", 0));
    assert_eq!(
        first.alarms,
        [EpochMillis(10_000)],
        "the first edit asks for an alarm"
    );
    assert!(
        s.handle(&alice, &insert(1, "b", "a2", 1)).alarms.is_empty(),
        "one alarm at a time"
    );
    assert!(s.store.load().unwrap().snapshot.is_none());

    let fired = common::pump(&s.store, s.engine.on_alarm(EpochMillis(10_000)));
    let snapshot = s.store.load().unwrap().snapshot.unwrap();
    assert_eq!((snapshot.revision.0, snapshot.content.as_str()), (2, "ab"));
    // The next deadline left is the session's archiving, a day away.
    assert_eq!(fired.alarms.len(), 1);
    assert!(fired.alarms[0].0 > 24 * 60 * 60 * 1000);
    // Nothing changed since: the next alarm writes no snapshot; the next edit asks for a sooner one.
    let quiet = s.engine.on_alarm(EpochMillis(10_001));
    assert!(
        !quiet
            .iter()
            .any(|e| matches!(e, Effect::Persist(StorageWrite::PutSnapshot(_))))
    );
    assert_eq!(
        s.handle(&alice, &insert(2, "c", "a3", 2)).alarms,
        [EpochMillis(10_000)]
    );
}

fn comment(op: serde_json::Value, id: &str) -> String {
    json!({"type": "comment", "data": {"operation": op, "metadata": {"operation_id": id}}})
        .to_string()
}

#[test]
fn comment_threads_follow_their_line_and_obey_roles() {
    let mut s = Hosted::new(SessionConfig::default());
    let (amy, vic, gus) = (
        participant("amy", Role::Editor),
        participant("vic", Role::Viewer),
        participant("gus", Role::Guest),
    );
    s.handle(
        &amy,
        &insert(0, "qreg q[2];\nh q[0];\ncx q[0],q[1];\n", "a1", 0),
    );
    // A viewer comments on `h q[0];` (line 1); everyone, the author included, gets the thread.
    let out = s.handle(
        &vic,
        &comment(
            json!({"type": "add_comment", "line": 1, "text": "why H?"}),
            "v1",
        ),
    );
    assert_eq!(out.replies, out.broadcasts);
    let thread = operation(&out.replies[0])["thread"].clone();
    assert_eq!(
        (thread["comment_id"].as_str(), thread["line"].as_u64()),
        (Some("c0"), Some(1))
    );
    // A resend finds the same thread.
    let again = s.handle(
        &vic,
        &comment(
            json!({"type": "add_comment", "line": 1, "text": "why H?"}),
            "v1",
        ),
    );
    assert!(again.broadcasts.is_empty());
    assert_eq!(operation(&again.replies[0])["thread"]["comment_id"], "c0");
    // Guests may not comment; bad lines and blank text are refused.
    assert_eq!(
        error_code(
            &s.handle(
                &gus,
                &comment(
                    json!({"type": "add_comment", "line": 0, "text": "hi"}),
                    "g1"
                )
            )
            .replies[0]
        ),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(
            &s.handle(
                &vic,
                &comment(
                    json!({"type": "add_comment", "line": 9, "text": "hi"}),
                    "v2"
                )
            )
            .replies[0]
        ),
        "OUT_OF_RANGE"
    );
    assert_eq!(
        error_code(
            &s.handle(
                &vic,
                &comment(json!({"type": "add_comment", "line": 0, "text": " "}), "v3")
            )
            .replies[0]
        ),
        "INVALID_MESSAGE"
    );
    assert_eq!(
        error_code(
            &s.handle(
                &vic,
                &comment(
                    json!({"type": "reply_comment", "comment_id": "c9", "text": "?"}),
                    "v4"
                )
            )
            .replies[0]
        ),
        "NOT_FOUND"
    );
    // Replies and resolve.
    s.handle(
        &amy,
        &comment(
            json!({"type": "reply_comment", "comment_id": "c0", "text": "superposition"}),
            "a2",
        ),
    );
    let resolved = s.handle(
        &vic,
        &comment(json!({"type": "resolve_comment", "comment_id": "c0"}), "v5"),
    );
    let thread = operation(&resolved.replies[0])["thread"].clone();
    assert_eq!(thread["resolved"], true);
    assert_eq!(thread["replies"][0]["text"], "superposition");
    // Lines inserted above move the thread down with its line.
    s.handle(
        &amy,
        &insert(0, "OPENQASM 2.0;\ninclude \"qelib1.inc\";\n", "a3", 1),
    );
    let joined = common::pump(&s.store, s.engine.join(&gus, EpochMillis(0)).unwrap());
    assert_eq!(operation(&joined.replies[2])["threads"][0]["line"], 3);
    // Only the author or an owner deletes; the thread is kept across a restart meanwhile.
    assert_eq!(
        error_code(
            &s.handle(
                &amy,
                &comment(json!({"type": "delete_comment", "comment_id": "c0"}), "a4")
            )
            .replies[0]
        ),
        "FORBIDDEN"
    );
    let restored =
        SessionEngine::restore("s", SessionConfig::default(), s.store.load().unwrap()).unwrap();
    let mut r = Hosted {
        engine: restored,
        store: s.store,
    };
    let joined = common::pump(&r.store, r.engine.join(&gus, EpochMillis(0)).unwrap());
    assert_eq!(operation(&joined.replies[2])["threads"][0]["line"], 3);
    let deleted = r.handle(
        &participant("olga", Role::Owner),
        &comment(json!({"type": "delete_comment", "comment_id": "c0"}), "o1"),
    );
    assert_eq!(
        operation(&deleted.broadcasts[0]),
        json!({"type": "comment_deleted", "comment_id": "c0"})
    );
    assert!(r.store.load().unwrap().comments.is_empty());
}

#[test]
fn deleting_a_commented_line_orphans_its_thread() {
    let mut s = Hosted::new(SessionConfig::default());
    let amy = participant("amy", Role::Editor);
    s.handle(
        &amy,
        &insert(0, "qreg q[2];\nh q[0];\ncx q[0],q[1];", "a1", 0),
    );
    s.handle(
        &amy,
        &comment(json!({"type": "add_comment", "line": 1, "text": "H"}), "c1"),
    );
    s.handle(
        &amy,
        &comment(
            json!({"type": "add_comment", "line": 2, "text": "CX"}),
            "c2",
        ),
    );
    // Deleting the text of line 1 but not its line break keeps the (now empty) line.
    let emptied = s.handle(
        &amy,
        &edit(
            json!({"type": "delete", "position": 11, "length": 7}),
            "a2",
            1,
        ),
    );
    assert_eq!(
        emptied.replies.len(),
        1,
        "no orphan notice: {:?}",
        emptied.replies
    );
    // Deleting the whole line (with its break) orphans its thread: everyone is told, and it persists.
    let out = s.handle(
        &amy,
        &edit(
            json!({"type": "delete", "position": 11, "length": 1}),
            "a3",
            2,
        ),
    );
    let notice = operation(&out.replies[1]);
    assert_eq!(notice["type"], "comment_thread");
    assert_eq!(
        (
            notice["thread"]["comment_id"].as_str(),
            notice["thread"]["orphaned"].as_bool()
        ),
        (Some("c0"), Some(true))
    );
    assert!(notice["thread"].get("line").is_none());
    assert_eq!(out.broadcasts.len(), 2);
    let stored = s.store.load().unwrap();
    assert!(
        stored
            .comments
            .iter()
            .any(|t| t.comment_id == "c0" && t.anchor.is_none())
    );
    // The last line, deleted with the break before it, orphans its thread too.
    let out = s.handle(
        &amy,
        &edit(
            json!({"type": "delete", "position": 10, "length": 14}),
            "a4",
            3,
        ),
    );
    assert_eq!(operation(&out.replies[1])["thread"]["comment_id"], "c1");
    assert_eq!(s.engine.text(), "qreg q[2];");
}

#[test]
fn a_connection_whose_token_expired_is_told_and_closed() {
    let mut s = Hosted::new(SessionConfig::default());
    let alice = Participant {
        expires_at: Some(EpochMillis(0)),
        ..participant("alice", Role::Editor)
    };
    // Hosted::handle runs at time 0: still valid.
    assert_eq!(
        operation(&s.handle(&alice, &insert(0, "a", "a1", 0)).replies[0])["type"],
        "ack"
    );
    let late = s
        .engine
        .handle_message(&alice, &insert(1, "b", "a2", 1), EpochMillis(1));
    let out = common::pump(&s.store, late);
    assert_eq!(error_code(&out.replies[0]), "TOKEN_EXPIRED");
    assert_eq!(out.closed, Some(1008));
    assert!(out.broadcasts.is_empty());
    assert_eq!(s.engine.text(), "a");
}

#[test]
fn joins_beyond_the_connection_limits_are_refused() {
    let mut s = Hosted::new(SessionConfig {
        max_connections: 3,
        max_connections_per_user: 2,
        ..SessionConfig::default()
    });
    let conn = |user: &str, n: u32| Participant {
        connection_id: format!("{user}-{n}"),
        ..participant(user, Role::Editor)
    };
    s.engine.join(&conn("amy", 1), EpochMillis(0)).unwrap();
    s.engine.join(&conn("amy", 2), EpochMillis(0)).unwrap();
    let third_tab = s.engine.join(&conn("amy", 3), EpochMillis(0)).unwrap_err();
    assert_eq!(third_tab.code, synq_core::ErrorCode::LimitExceeded);
    s.engine.join(&conn("bo", 1), EpochMillis(0)).unwrap();
    let full = s.engine.join(&conn("cy", 1), EpochMillis(0)).unwrap_err();
    assert_eq!(full.code, synq_core::ErrorCode::LimitExceeded);
    // A leave frees a place; leaving twice is announced once.
    assert_eq!(s.engine.leave(&conn("amy", 1), EpochMillis(0)).len(), 1);
    assert!(s.engine.leave(&conn("amy", 1), EpochMillis(0)).is_empty());
    s.engine.join(&conn("cy", 1), EpochMillis(0)).unwrap();
}

#[test]
fn rates_are_limited_per_connection_and_per_user_and_recover() {
    let mut s = Hosted::new(SessionConfig {
        messages_per_minute: 6,
        edits_per_minute: 3,
        ..SessionConfig::default()
    });
    let amy = participant("amy", Role::Editor);
    let amy_tab2 = Participant {
        connection_id: "amy-tab2".into(),
        ..participant("amy", Role::Editor)
    };
    for i in 0..3u64 {
        s.handle(&amy, &insert(0, "x", &format!("a{i}"), i));
    }
    // The fourth edit in the same minute is refused from any of amy's tabs, with its id and when to retry.
    let limited = s.handle(&amy_tab2, &insert(0, "y", "t1", 3));
    let op = operation(&limited.replies[0]);
    assert_eq!(
        (op["code"].as_str(), op["operation_id"].as_str()),
        (Some("RATE_LIMITED"), Some("t1"))
    );
    assert_eq!(op["retry_after_ms"], 20_000);
    assert_eq!(s.engine.text(), "xxx");
    // A resend of an edit that was applied is still acknowledged (no token needed).
    assert_eq!(
        operation(&s.handle(&amy, &insert(0, "x", "a2", 2)).replies[0])["duplicate"],
        true
    );
    // The connection's message budget (6) is now spent too: even presence is refused.
    let cursor = json!({"type": "presence", "data": {"operation": {"type": "cursor", "line": 0, "column": 0}}});
    for _ in 0..2 {
        assert!(s.handle(&amy, &cursor.to_string()).replies.is_empty());
    }
    assert_eq!(
        error_code(&s.handle(&amy, &cursor.to_string()).replies[0]),
        "RATE_LIMITED"
    );
    // After the wait, the refused edit goes through under the same id.
    let later = s
        .engine
        .handle_message(&amy_tab2, &insert(0, "y", "t1", 3), EpochMillis(20_000));
    let out = common::pump(&s.store, later);
    assert_eq!(operation(&out.replies[0])["type"], "ack");
    assert_eq!(s.engine.text(), "yxxx");
}

#[test]
fn a_user_info_over_the_limits_is_refused_and_the_old_one_stays() {
    let mut s = Hosted::new(SessionConfig::default());
    let (bo, amy) = (
        participant("bo", Role::Editor),
        participant("amy", Role::Editor),
    );
    common::pump(&s.store, s.engine.join(&bo, EpochMillis(0)).unwrap());
    common::pump(&s.store, s.engine.join(&amy, EpochMillis(0)).unwrap());
    s.handle(
        &bo,
        &presence(json!({"type": "user_info", "name": "Bo", "color": "#0af"})),
    );
    let long_name = "B".repeat(UserInfo::MAX_NAME_BYTES + 1);
    let long_color = "#".repeat(UserInfo::MAX_COLOR_BYTES + 1);
    for info in [
        json!({"type": "user_info", "name": long_name, "color": "#0af"}),
        json!({"type": "user_info", "name": "Bo", "color": long_color}),
    ] {
        let out = s.handle(&bo, &presence(info));
        assert_eq!(error_code(&out.replies[0]), "INVALID_MESSAGE");
        assert!(out.broadcasts.is_empty() && out.kept.is_empty());
    }
    // At the limit is fine.
    let at_limit = "B".repeat(UserInfo::MAX_NAME_BYTES);
    let out = s.handle(
        &bo,
        &presence(json!({"type": "user_info", "name": at_limit, "color": "#0af"})),
    );
    assert_eq!(out.kept[0].user_info.as_ref().unwrap().name, at_limit);
}
