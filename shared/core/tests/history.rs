//! Version history: the log outlives the transform window, compaction keeps what it promises (every
//! revision of the retained span, every checkpoint), the document at any kept revision is the text the
//! session had then, and anything older says `REVISION_TOO_OLD` with the earliest revision available.

#![allow(clippy::unwrap_used)] // tests fail loudly by design

mod common;

use common::{Hosted, edit, error_code, participant, pump};
use proptest::prelude::*;
use serde_json::json;
use synq_core::auth::Role;
use synq_core::session::{
    HISTORY_PAGE_TEXT_UTF16, HistoryStore, MAX_CHECKPOINTS, SessionConfig, SessionEngine,
    SessionStore, compaction_floor, document_at, earliest_document, edits_since, history_page,
    new_checkpoint,
};
use synq_core::{EpochMillis, ErrorCode, Revision};

fn config(history_limit: usize, snapshot_every: u64, history_retention: u64) -> SessionConfig {
    SessionConfig {
        history_limit,
        snapshot_every,
        history_retention,
        edits_per_minute: u32::MAX,
        messages_per_minute: u32::MAX,
        ..SessionConfig::default()
    }
}

/// Types `n` edits (appending, with a delete every fifth) and returns the text after each revision.
fn type_edits(s: &mut Hosted, n: u64) -> Vec<String> {
    let alice = participant("alice", Role::Editor);
    let mut texts = vec![s.engine.text()];
    for i in 0..n {
        let head = s.engine.revision().0;
        let len = s.engine.text().encode_utf16().count() as u64;
        let op = if i % 5 == 4 && len > 0 {
            json!({"type": "delete", "position": 0, "length": 1})
        } else {
            json!({"type": "insert", "position": len, "content": format!("{}", i % 10)})
        };
        let out = s.handle(&alice, &edit(op, &format!("a{head}"), head));
        assert_eq!(error_code(&out.replies[0]), "", "{:?}", out.replies);
        texts.push(s.engine.text());
    }
    texts
}

#[test]
fn the_log_outlives_the_transform_window() {
    let mut s = Hosted::new(config(10, 5, 40));
    let texts = type_edits(&mut s, 30);
    // Every edit is still listed, with author, time and revision, though only 10 are kept in memory.
    let page = history_page(&s.engine, &s.store, None, None, 100).unwrap();
    assert_eq!(page.edits.len(), 30);
    assert_eq!(page.edits[0].revision, Revision(1));
    assert_eq!(page.edits[0].user_id, "alice");
    assert_eq!(page.next, None);
    for (r, text) in texts.iter().enumerate() {
        let doc = document_at(&s.engine, &s.store, Revision(r as u64)).unwrap();
        assert_eq!(&doc.content, text, "revision {r}");
    }
    // Edits based on revisions outside the transform window are still refused.
    let late = s.handle(
        &participant("bo", Role::Editor),
        &edit(
            json!({"type": "insert", "position": 0, "content": "x"}),
            "b1",
            5,
        ),
    );
    assert_eq!(error_code(&late.replies[0]), "REVISION_TOO_OLD");
}

#[test]
fn compaction_drops_what_is_older_than_the_retention_and_says_so() {
    let cfg = config(10, 5, 20);
    let mut s = Hosted::new(cfg.clone());
    let texts = type_edits(&mut s, 73);
    // At 70 the last compaction kept from revision 50 (70 − 20).
    assert_eq!(compaction_floor(Revision(70), &cfg), Revision(50));
    let earliest = earliest_document(&s.store, s.engine.revision()).unwrap();
    assert_eq!(earliest, Revision(50));
    for r in 50..=73 {
        let doc = document_at(&s.engine, &s.store, Revision(r)).unwrap();
        assert_eq!(doc.content, texts[r as usize], "revision {r}");
    }
    let too_old = document_at(&s.engine, &s.store, Revision(49)).unwrap_err();
    assert_eq!(too_old.code, ErrorCode::RevisionTooOld);
    assert_eq!(too_old.earliest_revision, Some(50));
    let ahead = document_at(&s.engine, &s.store, Revision(74)).unwrap_err();
    assert_eq!(ahead.code, ErrorCode::InvalidRevision);
    // The listing starts after the kept snapshot; asking for older edits is refused the same way.
    let page = history_page(&s.engine, &s.store, None, None, 1000).unwrap();
    assert_eq!(page.edits.first().unwrap().revision, Revision(51));
    let e = history_page(&s.engine, &s.store, Some(Revision(3)), None, 10).unwrap_err();
    assert_eq!(
        (e.code, e.earliest_revision),
        (ErrorCode::RevisionTooOld, Some(51))
    );
    let e = edits_since(&s.engine, &s.store, Revision(40)).unwrap_err();
    assert_eq!(
        (e.code, e.earliest_revision),
        (ErrorCode::RevisionTooOld, Some(50))
    );
    assert_eq!(
        edits_since(&s.engine, &s.store, Revision(50))
            .unwrap()
            .len(),
        23
    );
    // A restored session still has its text and its transform window.
    let restored = SessionEngine::restore("s", cfg, s.store.load().unwrap()).unwrap();
    assert_eq!(restored.text(), s.engine.text());
}

#[test]
fn a_checkpoint_outlives_compaction() {
    let cfg = config(10, 5, 20);
    let mut s = Hosted::new(cfg);
    let texts = type_edits(&mut s, 7);
    let (info, write) =
        new_checkpoint(&s.engine, &s.store, "bell", None, "alice", EpochMillis(9)).unwrap();
    assert_eq!(info.revision, Revision(7));
    s.store.write(&write).unwrap();
    // A checkpoint of an earlier revision, from the kept history.
    let (older, write) = new_checkpoint(
        &s.engine,
        &s.store,
        "start",
        Some(Revision(2)),
        "alice",
        EpochMillis(9),
    )
    .unwrap();
    s.store.write(&write).unwrap();
    assert_eq!(older.revision, Revision(2));
    let dup = new_checkpoint(&s.engine, &s.store, "bell", None, "bo", EpochMillis(9)).unwrap_err();
    assert_eq!(
        (dup.code, dup.field.as_deref()),
        (ErrorCode::Conflict, Some("name"))
    );
    for bad in ["", "   ", &"x".repeat(101), "a\nb"] {
        let e = new_checkpoint(&s.engine, &s.store, bad, None, "bo", EpochMillis(9)).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            (ErrorCode::InvalidMessage, Some("name"))
        );
    }

    let more = type_edits(&mut s, 100);
    assert_eq!(s.engine.revision(), Revision(107));
    for (r, text) in [(7, &texts[7]), (2, &texts[2])] {
        assert_eq!(
            &document_at(&s.engine, &s.store, Revision(r))
                .unwrap()
                .content,
            text
        );
    }
    // Revisions next to a checkpoint are gone with the rest.
    let e = document_at(&s.engine, &s.store, Revision(8)).unwrap_err();
    assert_eq!(e.code, ErrorCode::RevisionTooOld);
    assert_eq!(
        document_at(&s.engine, &s.store, Revision(107))
            .unwrap()
            .content,
        *more.last().unwrap()
    );
    let names: Vec<_> = s
        .store
        .checkpoints()
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["start", "bell"]);
}

#[test]
fn history_pages_cover_a_range_once() {
    let mut s = Hosted::new(config(10, 5, 1000));
    type_edits(&mut s, 23);
    let mut from = Some(Revision(3));
    let mut seen = Vec::new();
    while let Some(start) = from {
        let page = history_page(&s.engine, &s.store, Some(start), Some(Revision(20)), 4).unwrap();
        assert!(page.edits.len() <= 4);
        seen.extend(page.edits.iter().map(|e| e.revision.0));
        from = page.next;
    }
    assert_eq!(seen, (3..=20).collect::<Vec<_>>());
    // `to` past the head stops at the head; `from` past `to` is an empty page.
    let page = history_page(
        &s.engine,
        &s.store,
        Some(Revision(21)),
        Some(Revision(99)),
        10,
    )
    .unwrap();
    assert_eq!(page.edits.len(), 3);
    let page = history_page(&s.engine, &s.store, Some(Revision(30)), None, 10).unwrap();
    assert!(page.edits.is_empty() && page.next.is_none());
    let e = history_page(&s.engine, &s.store, Some(Revision(0)), None, 10).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("from"));
}

#[test]
fn a_seeded_branch_starts_at_its_parents_revision() {
    let mut parent = Hosted::new(config(10, 5, 1000));
    let texts = type_edits(&mut parent, 12);
    let fork = document_at(&parent.engine, &parent.store, Revision(9)).unwrap();
    let mut branch = Hosted::new(config(10, 5, 1000));
    pump(
        &branch.store,
        branch.engine.seed(&fork.content, fork.revision).unwrap(),
    );
    assert_eq!(branch.engine.revision(), Revision(9));
    assert_eq!(branch.engine.text(), texts[9]);
    // Seeding twice is refused.
    let e = branch.engine.seed("x", Revision(1)).unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    type_edits(&mut branch, 8);
    assert_eq!(branch.engine.revision(), Revision(17));
    assert_eq!(
        document_at(&branch.engine, &branch.store, Revision(9))
            .unwrap()
            .content,
        texts[9]
    );
    let e = document_at(&branch.engine, &branch.store, Revision(8)).unwrap_err();
    assert_eq!(
        (e.code, e.earliest_revision),
        (ErrorCode::RevisionTooOld, Some(9))
    );
    assert_eq!(
        edits_since(&branch.engine, &branch.store, Revision(9))
            .unwrap()
            .len(),
        8
    );
    // The seed survives a reload.
    let restored =
        SessionEngine::restore("b", config(10, 5, 1000), branch.store.load().unwrap()).unwrap();
    assert_eq!(restored.text(), branch.engine.text());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Whatever the retention and snapshot interval: every revision from the compaction floor on is
    /// rebuilt exactly, every older one is refused naming an earliest revision above it, and the earliest
    /// named is itself available.
    #[test]
    fn every_kept_revision_is_rebuilt_exactly(
        history_limit in 1..8usize,
        snapshot_every in 1..7u64,
        history_retention in 0..30u64,
        edits in 1..90u64,
    ) {
        let cfg = config(history_limit, snapshot_every, history_retention);
        let mut s = Hosted::new(cfg.clone());
        let texts = type_edits(&mut s, edits);
        let head = s.engine.revision();
        let floor = compaction_floor(head, &cfg);
        let earliest = earliest_document(&s.store, head).unwrap();
        prop_assert!(earliest <= floor);
        for r in 0..=head.0 {
            match document_at(&s.engine, &s.store, Revision(r)) {
                Ok(doc) => prop_assert_eq!(&doc.content, &texts[r as usize]),
                Err(e) => {
                    prop_assert_eq!(e.code, ErrorCode::RevisionTooOld);
                    prop_assert!(r < earliest.0);
                    prop_assert_eq!(e.earliest_revision, Some(earliest.0));
                }
            }
        }
        // The transform window is always inside what is kept.
        prop_assert!(earliest.0 + history_limit as u64 <= head.0 || earliest.0 == 0);
    }
}

#[test]
fn a_session_keeps_a_bounded_number_of_checkpoints() {
    let mut s = Hosted::new(config(10, 5, 20));
    type_edits(&mut s, 3);
    for i in 0..MAX_CHECKPOINTS {
        let name = format!("c{i}");
        let (_, write) =
            new_checkpoint(&s.engine, &s.store, &name, None, "alice", EpochMillis(9)).unwrap();
        s.store.write(&write).unwrap();
    }
    let e = new_checkpoint(
        &s.engine,
        &s.store,
        "one more",
        None,
        "alice",
        EpochMillis(9),
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::LimitExceeded);
    assert_eq!(s.store.checkpoints().unwrap().len(), MAX_CHECKPOINTS);
}

#[test]
fn a_history_page_of_large_edits_ends_at_its_text_budget() {
    let mut s = Hosted::new(SessionConfig {
        max_document_utf16: 4 << 20,
        max_message_bytes: 1 << 20,
        ..config(100, 50, 1000)
    });
    let alice = participant("alice", Role::Editor);
    let paste = "p".repeat(100_000);
    for head in 0..25u64 {
        let op = json!({"type": "insert", "position": 0, "content": paste});
        let out = s.handle(&alice, &edit(op, &format!("a{head}"), head));
        assert_eq!(error_code(&out.replies[0]), "", "{:?}", out.replies);
    }
    let fits = HISTORY_PAGE_TEXT_UTF16 / paste.len();
    let (mut from, mut seen) = (Some(Revision(1)), Vec::new());
    while let Some(start) = from {
        let page = history_page(&s.engine, &s.store, Some(start), None, 1_000).unwrap();
        assert!(!page.edits.is_empty() && page.edits.len() <= fits);
        seen.extend(page.edits.iter().map(|e| e.revision.0));
        from = page.next;
    }
    assert_eq!(seen, (1..=25).collect::<Vec<_>>());
}
