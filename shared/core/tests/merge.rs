//! Branches and merge: a branch seeded from its parent's document at a revision, edited on both sides,
//! merges back with both sides' work; the result is what a client that made the branch's edits offline
//! would get on reconnecting (the server and client halves of OT, run for real); a retried merge applies
//! once; a merge the parent can no longer rebase is refused.

#![allow(clippy::unwrap_used)] // tests fail loudly by design

mod common;

use std::collections::VecDeque;

use common::{Hosted, edit, error_code, operation, participant, pump};
use proptest::prelude::*;
use serde_json::json;
use synq_core::auth::Role;
use synq_core::client::ClientSession;
use synq_core::ot::{EditOp, Step};
use synq_core::protocol::Operation;
use synq_core::session::{
    EditKind, MAX_MERGE_TRANSFORMS, SessionConfig, SessionEngine, SessionStore, document_at,
    edits_since, history_page,
};
use synq_core::{EpochMillis, ErrorCode, Revision};

const WORDS: [&str; 6] = ["a", "bc", "😀", "\n", "h q[0];", "é"];

fn config() -> SessionConfig {
    SessionConfig {
        history_limit: 50,
        snapshot_every: 7,
        history_retention: 60,
        edits_per_minute: u32::MAX,
        messages_per_minute: u32::MAX,
        ..SessionConfig::default()
    }
}

fn merger() -> synq_core::session::Participant {
    participant("olga", Role::Owner)
}

/// UTF-16 offset of char index `c` in `text`.
fn utf16_at(text: &str, c: usize) -> u32 {
    text.chars().take(c).map(char::len_utf16).sum::<usize>() as u32
}

/// A random change, made concrete on the text it is applied to.
#[derive(Debug, Clone)]
enum Change {
    Insert { at: usize, word: usize },
    Delete { at: usize, chars: usize },
}

fn change(inserts_only: bool) -> impl Strategy<Value = Change> {
    let insert =
        (any::<usize>(), 0..WORDS.len()).prop_map(|(at, word)| Change::Insert { at, word });
    let delete = (any::<usize>(), 1..4usize).prop_map(|(at, chars)| Change::Delete { at, chars });
    if inserts_only {
        insert.boxed()
    } else {
        prop_oneof![3 => insert, 2 => delete].boxed()
    }
}

fn concrete(text: &str, change: &Change) -> EditOp {
    let n = text.chars().count();
    match *change {
        Change::Delete { at, chars } if n > 0 => {
            let start = at % n;
            let end = (start + chars).min(n);
            let p = utf16_at(text, start);
            vec![Step::delete(p, utf16_at(text, end) - p)]
        }
        Change::Insert { at, word } | Change::Delete { at, chars: word } => {
            vec![Step::insert(
                utf16_at(text, at % (n + 1)),
                WORDS[word % WORDS.len()],
            )]
        }
    }
}

fn edit_message(op: &EditOp, id: &str, version: Revision) -> String {
    let operation = serde_json::to_value(Operation::from_edit(op)).unwrap();
    edit(operation, id, version.0)
}

/// Applies `changes` as `user`'s edits on the session's current text, one revision each.
fn make_edits(s: &mut Hosted, user: &str, changes: &[Change]) {
    let who = participant(user, Role::Editor);
    for c in changes {
        let op = concrete(&s.engine.text(), c);
        let head = s.engine.revision();
        let out = s.handle(&who, &edit_message(&op, &format!("{user}{}", head.0), head));
        assert_eq!(error_code(&out.replies[0]), "", "{:?}", out.replies);
    }
}

/// A parent with `start` typed as revision 1, and a branch seeded from its revision 1.
fn fork(start: &str) -> (Hosted, Hosted) {
    let mut parent = Hosted::new(config());
    let owner = participant("olga", Role::Owner);
    let first = parent.handle(
        &owner,
        &edit(
            json!({"type": "insert", "position": 0, "content": start}),
            "o0",
            0,
        ),
    );
    assert_eq!(error_code(&first.replies[0]), "");
    let doc = document_at(&parent.engine, &parent.store, Revision(1)).unwrap();
    let mut branch = Hosted::new(config());
    pump(
        &branch.store,
        branch.engine.seed(&doc.content, doc.revision).unwrap(),
    );
    (parent, branch)
}

/// Merges the branch (forked at revision 1) into the parent, as the DO does.
fn merge(parent: &mut Hosted, branch: &Hosted) -> common::Outcome {
    let (_, effects) = merge_at(parent, branch, 5);
    pump(&parent.store, effects)
}

/// Merges the branch into the parent at time `at`: what the merge says, and its effects (not carried out).
fn merge_at(
    parent: &mut Hosted,
    branch: &Hosted,
    at: u64,
) -> (
    synq_core::session::MergeOutcome,
    Vec<synq_core::session::Effect>,
) {
    let main = edits_since(&parent.engine, &parent.store, Revision(1)).unwrap();
    let ours = edits_since(&branch.engine, &branch.store, Revision(1)).unwrap();
    parent
        .engine
        .merge_branch(&merger(), "br", Revision(1), &main, &ours, EpochMillis(at))
        .unwrap()
}

/// The oracle: the branch's edits made by a client that went offline at the fork and reconnects after
/// the main line's edits, against a plain server (the protocol's own client and server halves).
fn offline_client_result(start: &str, main: &[EditOp], branch: &[Change]) -> String {
    let mut server = Hosted::new(config());
    let (olga, bea) = (
        participant("olga", Role::Owner),
        participant("bea", Role::Editor),
    );
    server.handle(
        &olga,
        &edit(
            json!({"type": "insert", "position": 0, "content": start}),
            "o0",
            0,
        ),
    );
    let mut client = ClientSession::new("s", "bea", "c");
    let sync = json!({"type": "sync", "data": {"operation": {"type": "full_sync", "content": start, "version": 1}}, "version": 1});
    client.receive(&sync.to_string(), EpochMillis(0)).unwrap();
    let mut to_server: VecDeque<String> = VecDeque::new();
    for c in branch {
        let op = concrete(&client.text(), c);
        to_server.extend(client.edit(op, EpochMillis(0)).unwrap());
    }
    let mut to_client: VecDeque<String> = VecDeque::new();
    for (i, op) in main.iter().enumerate() {
        let head = server.engine.revision();
        let out = server.handle(&olga, &edit_message(op, &format!("m{i}"), head));
        to_client.extend(out.broadcasts);
    }
    while !to_server.is_empty() || !to_client.is_empty() {
        while let Some(raw) = to_client.pop_front() {
            to_server.extend(client.receive(&raw, EpochMillis(0)).unwrap());
        }
        if let Some(raw) = to_server.pop_front() {
            let out = server.handle(&bea, &raw);
            to_client.extend(out.replies);
        }
    }
    assert!(!client.has_unconfirmed());
    assert_eq!(client.text(), server.engine.text());
    server.engine.text()
}

#[test]
fn a_merge_brings_both_sides_edits_as_new_revisions() {
    let (mut parent, mut branch) = fork("h q[0];\n");
    make_edits(&mut parent, "olga", &[Change::Insert { at: 0, word: 3 }]);
    let olga_text = parent.engine.text();
    assert_eq!(olga_text, "\nh q[0];\n");
    let bea = participant("bea", Role::Editor);
    branch.handle(
        &bea,
        &edit(
            json!({"type": "insert", "position": 8, "content": "cx q[0],q[1];\n"}),
            "b1",
            1,
        ),
    );
    branch.handle(
        &bea,
        &edit(
            json!({"type": "delete", "position": 0, "length": 1}),
            "b2",
            2,
        ),
    );
    let out = merge(&mut parent, &branch);
    assert_eq!(parent.engine.text(), "\n q[0];\ncx q[0],q[1];\n");
    assert_eq!(parent.engine.revision(), Revision(4));
    // Every socket hears the merged edits as ordinary edits, under their authors.
    assert_eq!(out.broadcasts.len(), 2);
    let first: serde_json::Value = serde_json::from_str(&out.broadcasts[0]).unwrap();
    assert_eq!(
        (first["user_id"].as_str(), first["version"].as_u64()),
        (Some("bea"), Some(3))
    );
    assert_eq!(operation(&out.broadcasts[1])["type"], "delete");
    // The history says where they came from.
    let page = history_page(&parent.engine, &parent.store, Some(Revision(3)), None, 10).unwrap();
    assert_eq!(page.edits[0].kind, EditKind::Merged { of: Revision(2) });
    assert_eq!(page.edits[0].operation_id, "merge:br:2");
    assert_eq!(page.edits[1].kind, EditKind::Merged { of: Revision(3) });

    // A retried merge changes nothing and says so.
    let (outcome, effects) = merge_at(&mut parent, &branch, 6);
    assert!(outcome.duplicate && effects.is_empty());
    assert_eq!(
        (outcome.first_revision, outcome.revision),
        (Some(Revision(3)), Revision(4))
    );

    // Merged edits are nobody's to undo: bea has nothing to undo on the parent.
    let undo = json!({"type": "undo", "data": {"operation": {"type": "undo"}, "metadata": {"operation_id": "u1"}}});
    assert_eq!(
        error_code(&parent.handle(&bea, &undo.to_string()).replies[0]),
        "NOTHING_TO_UNDO"
    );
}

#[test]
fn a_retried_merge_brings_the_branch_edits_made_since_and_only_those() {
    let (mut parent, mut branch) = fork("h q[0];\n");
    make_edits(&mut parent, "olga", &[Change::Insert { at: 0, word: 0 }]);
    let bea = participant("bea", Role::Editor);
    let insert =
        |at: u32, content: &str| json!({"type": "insert", "position": at, "content": content});
    branch.handle(&bea, &edit(insert(8, "x q[1];\n"), "b1", 1));
    merge(&mut parent, &branch);
    assert_eq!(parent.engine.text(), "ah q[0];\nx q[1];\n");
    // Recording the merge failed; meanwhile both sides edited on, and the merge is retried.
    make_edits(&mut parent, "olga", &[Change::Insert { at: 0, word: 1 }]);
    branch.handle(&bea, &edit(insert(0, "// b\n"), "b2", 2));
    let (outcome, effects) = merge_at(&mut parent, &branch, 6);
    pump(&parent.store, effects);
    assert!(!outcome.duplicate, "{outcome:?}");
    assert_eq!(
        (outcome.merged, outcome.first_revision, outcome.revision),
        (1, Some(Revision(5)), Revision(5))
    );
    assert_eq!(parent.engine.text(), "bca// b\nh q[0];\nx q[1];\n");
    // The same retry once more brings nothing new.
    let (outcome, effects) = merge_at(&mut parent, &branch, 7);
    assert!(outcome.duplicate && effects.is_empty());
    assert_eq!(
        (outcome.first_revision, outcome.revision),
        (Some(Revision(3)), Revision(5))
    );
    assert_eq!(parent.engine.text(), "bca// b\nh q[0];\nx q[1];\n");
}

#[test]
fn a_merge_that_would_pass_the_size_limit_applies_nothing() {
    let (mut parent, mut branch) = fork("x");
    let big = "y".repeat(300);
    let bea = participant("bea", Role::Editor);
    branch.handle(
        &bea,
        &edit(
            json!({"type": "insert", "position": 0, "content": big}),
            "b1",
            1,
        ),
    );
    parent.engine = synq_core::session::SessionEngine::restore(
        "s",
        SessionConfig {
            max_document_utf16: 200,
            ..config()
        },
        synq_core::session::SessionStore::load(&parent.store).unwrap(),
    )
    .unwrap();
    let main = edits_since(&parent.engine, &parent.store, Revision(1)).unwrap();
    let ours = edits_since(&branch.engine, &branch.store, Revision(1)).unwrap();
    let e = parent
        .engine
        .merge_branch(&merger(), "br", Revision(1), &main, &ours, EpochMillis(5))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::LimitExceeded);
    assert_eq!(
        (parent.engine.text().as_str(), parent.engine.revision()),
        ("x", Revision(1))
    );
}

#[test]
fn a_merge_with_more_transforms_than_the_bound_applies_nothing() {
    let (mut parent, mut branch) = fork("x");
    let roomy = SessionConfig {
        history_limit: 2_000,
        history_retention: 4_000,
        ..config()
    };
    let reload = |s: &mut Hosted| {
        s.engine =
            SessionEngine::restore("s", roomy.clone(), SessionStore::load(&s.store).unwrap())
                .unwrap();
    };
    reload(&mut parent);
    reload(&mut branch);
    let typing = |n: usize| vec![Change::Insert { at: 0, word: 0 }; n];
    // Just over the bound: 1,415 × 1,415 > 2,000,000.
    make_edits(&mut parent, "amy", &typing(1_415));
    make_edits(&mut branch, "bea", &typing(1_415));
    let main = edits_since(&parent.engine, &parent.store, Revision(1)).unwrap();
    let ours = edits_since(&branch.engine, &branch.store, Revision(1)).unwrap();
    assert!(main.len() * ours.len() > MAX_MERGE_TRANSFORMS);
    let before = (parent.engine.text(), parent.engine.revision());
    let e = parent
        .engine
        .merge_branch(&merger(), "br", Revision(1), &main, &ours, EpochMillis(5))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::LimitExceeded);
    assert_eq!((parent.engine.text(), parent.engine.revision()), before);
}

#[test]
fn a_parent_that_no_longer_keeps_the_fork_cannot_merge() {
    let (mut parent, branch) = fork("x");
    // Far more main-line edits than the parent keeps (retention 60).
    let many: Vec<Change> = (0..100)
        .map(|i| Change::Insert { at: i, word: 0 })
        .collect();
    make_edits(&mut parent, "olga", &many);
    let e = edits_since(&parent.engine, &parent.store, Revision(1)).unwrap_err();
    assert_eq!(e.code, ErrorCode::RevisionTooOld);
    assert!(e.earliest_revision.unwrap() > 1);
    assert!(
        edits_since(&branch.engine, &branch.store, Revision(1))
            .unwrap()
            .is_empty()
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Merging equals the branch's edits transformed over the main line's concurrent edits, as the OT
    /// protocol itself does it for a client that edited offline.
    #[test]
    fn merge_equals_an_offline_client_reconnecting(
        start in "[a-c😀\n]{0,10}",
        main in prop::collection::vec(change(false), 0..12),
        ours in prop::collection::vec(change(false), 0..12),
    ) {
        let (mut parent, mut branch) = fork(&start);
        make_edits(&mut parent, "olga", &main);
        make_edits(&mut branch, "bea", &ours);
        let main_ops: Vec<EditOp> = edits_since(&parent.engine, &parent.store, Revision(1))
            .unwrap()
            .into_iter()
            .map(|e| e.op)
            .collect();
        merge(&mut parent, &branch);
        prop_assert_eq!(parent.engine.text(), offline_client_result(&start, &main_ops, &ours));
        prop_assert_eq!(parent.engine.revision().0, 1 + main.len() as u64 + ours.len() as u64);
    }

    /// With inserts only, the merged document holds every character either side typed.
    #[test]
    fn merge_keeps_every_insert_of_both_sides(
        start in "[a-c]{0,6}",
        main in prop::collection::vec(change(true), 0..10),
        ours in prop::collection::vec(change(true), 0..10),
    ) {
        let (mut parent, mut branch) = fork(&start);
        make_edits(&mut parent, "olga", &main);
        make_edits(&mut branch, "bea", &ours);
        merge(&mut parent, &branch);
        let mut expected: Vec<char> = start.chars().collect();
        for c in main.iter().chain(&ours) {
            if let Change::Insert { word, .. } = c {
                expected.extend(WORDS[*word].chars());
            }
        }
        let mut got: Vec<char> = parent.engine.text().chars().collect();
        expected.sort_unstable();
        got.sort_unstable();
        prop_assert_eq!(got, expected);
    }
}
