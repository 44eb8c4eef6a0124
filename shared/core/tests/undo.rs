//! Undo and redo per user: my last edit is reverted, transformed over everyone's later edits, and
//! nobody else's work is touched; redo right after undo restores the text exactly.

#![allow(clippy::unwrap_used)] // tests fail loudly by design

mod common;

use common::{Hosted, edit, error_code, operation, participant};
use proptest::prelude::*;
use serde_json::json;
use synq_core::auth::Role;
use synq_core::session::{SessionConfig, SessionEngine, SessionStore};

fn change(kind: &str, id: &str) -> String {
    json!({"type": kind, "data": {"operation": {"type": kind}, "metadata": {"operation_id": id}}})
        .to_string()
}

#[test]
fn undo_reverts_only_my_edit_and_redo_restores_it() {
    let mut s = Hosted::new(SessionConfig::default());
    let (amy, bo) = (
        participant("amy", Role::Editor),
        participant("bo", Role::Editor),
    );
    s.handle(
        &amy,
        &edit(
            json!({"type": "insert", "position": 0, "content": "h q[0];"}),
            "a1",
            0,
        ),
    );
    s.handle(
        &bo,
        &edit(
            json!({"type": "insert", "position": 0, "content": "// Bell\n"}),
            "b1",
            1,
        ),
    );
    s.handle(
        &bo,
        &edit(
            json!({"type": "insert", "position": 15, "content": "\ncx q[0],q[1];"}),
            "b2",
            2,
        ),
    );
    assert_eq!(s.engine.text(), "// Bell\nh q[0];\ncx q[0],q[1];");

    let out = s.handle(&amy, &change("undo", "a2"));
    assert_eq!(s.engine.text(), "// Bell\n\ncx q[0],q[1];");
    // The sender and the others both get the undo as an ordinary edit with a new revision.
    let reply: serde_json::Value = serde_json::from_str(&out.replies[0]).unwrap();
    assert_eq!(
        (reply["type"].as_str(), reply["version"].as_u64()),
        (Some("edit"), Some(4))
    );
    assert_eq!(reply["data"]["metadata"]["operation_id"], "a2");
    assert_eq!(out.broadcasts, out.replies);

    s.handle(&amy, &change("redo", "a3"));
    assert_eq!(s.engine.text(), "// Bell\nh q[0];\ncx q[0],q[1];");
    // Undo twice walks back through my edits only; then there is nothing left.
    s.handle(&amy, &change("undo", "a4"));
    let none = s.handle(&amy, &change("undo", "a5"));
    assert_eq!(error_code(&none.replies[0]), "NOTHING_TO_UNDO");
    assert_eq!(
        error_code(&s.handle(&amy, &change("redo", "a6")).replies[0]),
        ""
    );
    assert_eq!(s.engine.text(), "// Bell\nh q[0];\ncx q[0],q[1];");
    // A new edit clears the redo stack.
    s.handle(
        &amy,
        &edit(
            json!({"type": "insert", "position": 0, "content": "!"}),
            "a7",
            7,
        ),
    );
    assert_eq!(
        error_code(&s.handle(&amy, &change("redo", "a8")).replies[0]),
        "NOTHING_TO_UNDO"
    );
}

#[test]
fn undo_is_idempotent_by_operation_id_and_refused_to_readers() {
    let mut s = Hosted::new(SessionConfig::default());
    let amy = participant("amy", Role::Editor);
    s.handle(
        &amy,
        &edit(
            json!({"type": "insert", "position": 0, "content": "ab"}),
            "a1",
            0,
        ),
    );
    s.handle(
        &amy,
        &edit(
            json!({"type": "insert", "position": 2, "content": "cd"}),
            "a2",
            1,
        ),
    );
    s.handle(&amy, &change("undo", "u1"));
    let again = s.handle(&amy, &change("undo", "u1"));
    assert_eq!(operation(&again.replies[0])["duplicate"], true);
    assert_eq!(s.engine.text(), "ab");
    let viewer = s.handle(&participant("vi", Role::Viewer), &change("undo", "v1"));
    assert_eq!(error_code(&viewer.replies[0]), "FORBIDDEN");
    let wrong = json!({"type": "undo", "data": {"operation": {"type": "redo"}, "metadata": {"operation_id": "x"}}});
    assert_eq!(
        error_code(&s.handle(&amy, &wrong.to_string()).replies[0]),
        "INVALID_MESSAGE"
    );
}

#[test]
fn undo_stacks_survive_a_restart() {
    let config = SessionConfig {
        snapshot_every: 2,
        ..SessionConfig::default()
    };
    let mut s = Hosted::new(config.clone());
    let amy = participant("amy", Role::Editor);
    for (i, word) in ["one ", "two ", "three "].iter().enumerate() {
        let pos = s.engine.text().encode_utf16().count();
        s.handle(
            &amy,
            &edit(
                json!({"type": "insert", "position": pos, "content": word}),
                &format!("a{i}"),
                i as u64,
            ),
        );
    }
    s.handle(&amy, &change("undo", "u1"));
    let mut restored = Hosted {
        engine: SessionEngine::restore("s", config, s.store.load().unwrap()).unwrap(),
        store: s.store,
    };
    restored.handle(&amy, &change("undo", "u2"));
    assert_eq!(restored.engine.text(), "one ");
    restored.handle(&amy, &change("redo", "r1"));
    assert_eq!(restored.engine.text(), "one two ");
}

/// A random edit by `user` on the current text, inserting `mark` characters.
fn random_edit(text: &str, at: usize, len: usize, insert: bool, mark: char) -> serde_json::Value {
    let units: Vec<u16> = text.encode_utf16().collect();
    let n = units.len();
    if insert || n == 0 {
        json!({"type": "insert", "position": at % (n + 1), "content": mark.to_string().repeat(len % 3 + 1)})
    } else {
        let start = at % n;
        json!({"type": "delete", "position": start, "length": (len % 4 + 1).min(n - start)})
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Amy's last edit inserts `#`s; then Bo keeps editing (inserting `b`s, deleting anywhere) against
    /// stale revisions. Undo removes exactly Amy's surviving `#`s and leaves every other character in
    /// place; redo right after the undo restores the text exactly.
    #[test]
    fn undo_keeps_others_work_and_redo_is_its_inverse(
        before in prop::collection::vec((any::<usize>(), any::<usize>(), any::<bool>()), 0..8),
        after in prop::collection::vec((any::<usize>(), any::<usize>(), any::<bool>(), 0..3u64), 0..12),
        amy_at in any::<usize>(),
    ) {
        let mut s = Hosted::new(SessionConfig::default());
        let (amy, bo) = (participant("amy", Role::Editor), participant("bo", Role::Editor));
        for (i, (at, len, insert)) in before.iter().enumerate() {
            let op = random_edit(&s.engine.text(), *at, *len, *insert, 'x');
            s.handle(&bo, &edit(op, &format!("early{i}"), s.engine.revision().0));
        }
        let amy_op = random_edit(&s.engine.text(), amy_at, 2, true, '#');
        s.handle(&amy, &edit(amy_op, "amy", s.engine.revision().0));
        for (i, (at, len, insert, lag)) in after.iter().enumerate() {
            // Bo's view may lag a few revisions behind: the server transforms his edit.
            let base = s.engine.revision().0.saturating_sub(*lag);
            let op = random_edit(&s.engine.text(), *at, *len, *insert, 'b');
            let out = s.handle(&bo, &edit(op, &format!("late{i}"), base));
            // A lagging edit may fall outside the text it was made on; then it is refused, which is fine.
            prop_assert!(out.replies.len() == 1);
        }
        let before_undo = s.engine.text();
        let out = s.handle(&amy, &change("undo", "undo"));
        prop_assert_eq!(error_code(&out.replies[0]), "");
        let after_undo = s.engine.text();
        prop_assert!(!after_undo.contains('#'));
        prop_assert_eq!(after_undo.clone(), before_undo.replace('#', ""));

        s.handle(&amy, &change("redo", "redo"));
        prop_assert_eq!(s.engine.text(), before_undo);
    }
}
