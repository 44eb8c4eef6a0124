//! Calls without a socket (the REST API) run as a socket's messages do: they count as activity, ask for
//! the alarm that snapshots and archives, and an archived session refuses their changes too.

#![allow(clippy::unwrap_used)] // tests fail loudly by design

mod common;

use common::{participant, pump};
use synq_core::auth::Role;
use synq_core::ot::Step;
use synq_core::protocol::{LineCol, Operation};
use synq_core::session::{Effect, MemoryStore, SessionConfig, SessionEngine};
use synq_core::{EpochMillis, ErrorCode, Revision};

const ARCHIVE_MS: u64 = 3_600_000;

#[test]
fn direct_calls_are_activity_and_an_archived_session_refuses_their_changes() {
    let config = SessionConfig {
        archive_after_ms: ARCHIVE_MS,
        ..SessionConfig::default()
    };
    let mut engine = SessionEngine::new("s", config);
    let store = MemoryStore::default();
    let ed = participant("ed", Role::Editor);
    let insert = |s: &str| Operation::from_edit(&[Step::insert(0, s)]);

    let (applied, effects) = engine
        .edit_direct(&ed, insert("h q[0];\n"), Revision(0), "e1", EpochMillis(10))
        .unwrap();
    assert_eq!(applied.revision, Revision(1));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::ScheduleAlarm(_))),
        "the snapshot and archive deadlines are scheduled: {effects:?}"
    );
    assert!(effects.iter().all(|e| !matches!(e, Effect::Reply(_))));
    pump(&store, effects);

    // A day of quiet later the alarm archives it; REST changes are refused like socket ones.
    pump(&store, engine.on_alarm(EpochMillis(10 + 2 * ARCHIVE_MS)));
    let later = EpochMillis(20 + 2 * ARCHIVE_MS);
    let e = engine
        .edit_direct(&ed, insert("x"), Revision(1), "e2", later)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::SessionArchived);
    let e = engine
        .comment_direct(&ed, 0, "?".into(), "c1", later)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::SessionArchived);
    let e = engine
        .merge_branch(&ed, "b", Revision(1), &[], &[], later)
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::SessionArchived);
    // Looking is still allowed.
    let cursor = Some(LineCol { line: 0, column: 1 });
    let (view, effects) = engine
        .presence_direct(&ed, cursor, None, None, later)
        .unwrap();
    assert_eq!(view.cursor, cursor);
    assert_eq!(
        effects
            .iter()
            .filter(|e| matches!(e, Effect::Broadcast(_)))
            .count(),
        1
    );
    assert_eq!(engine.text(), "h q[0];\n");
}
