//! The session's life: heartbeats, idle connections, archiving after a quiet period, and reopening.

#![allow(clippy::unwrap_used)] // tests fail loudly by design

mod common;

use common::{Outcome, edit, error_code, operation, participant, pump};
use serde_json::json;
use synq_core::EpochMillis;
use synq_core::auth::Role;
use synq_core::client::ClientSession;
use synq_core::protocol::{HEARTBEAT_PING, HEARTBEAT_PONG};
use synq_core::session::{
    CLOSE_IDLE, Effect, MemoryStore, Participant, SessionConfig, SessionEngine, SessionStore,
};

const IDLE_MS: u64 = 60_000;
const ARCHIVE_MS: u64 = 3_600_000;
/// How much later than its nominal deadline a lifecycle alarm may fire: persisted times may lag by up to a
/// minute (session activity) or half a minute (a connection's last message).
const LAG_MS: u64 = 60_000;

fn config() -> SessionConfig {
    SessionConfig {
        idle_timeout_ms: IDLE_MS,
        archive_after_ms: ARCHIVE_MS,
        messages_per_minute: 5,
        ..SessionConfig::default()
    }
}

struct Session {
    engine: SessionEngine,
    store: MemoryStore,
}

impl Session {
    fn new() -> Self {
        Session {
            engine: SessionEngine::new("s", config()),
            store: MemoryStore::default(),
        }
    }

    fn join(&mut self, who: &Participant, at: u64) -> Outcome {
        let effects = self.engine.join(who, EpochMillis(at)).unwrap();
        pump(&self.store, effects)
    }

    fn send(&mut self, who: &Participant, raw: &str, at: u64) -> Outcome {
        let effects = self.engine.handle_message(who, raw, EpochMillis(at));
        pump(&self.store, effects)
    }

    fn alarm(&mut self, at: u64) -> Outcome {
        let effects = self.engine.on_alarm(EpochMillis(at));
        pump(&self.store, effects)
    }
}

fn insert(pos: u32, s: &str, id: &str, version: u64) -> String {
    edit(
        json!({"type": "insert", "position": pos, "content": s}),
        id,
        version,
    )
}

fn reopen() -> String {
    json!({"type": "sync", "data": {"operation": {"type": "reopen"}}}).to_string()
}

fn status_of(messages: &[String]) -> Vec<String> {
    messages
        .iter()
        .map(|m| operation(m))
        .filter(|op| op["type"] == "session_status")
        .map(|op| op["status"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_heartbeat_is_answered_and_is_neither_activity_nor_rate_limited() {
    let mut s = Session::new();
    let alice = participant("alice", Role::Editor);
    s.join(&alice, 0);
    for _ in 0..50 {
        let effects = s
            .engine
            .handle_message(&alice, HEARTBEAT_PING, EpochMillis(1));
        assert_eq!(effects, [Effect::Reply(HEARTBEAT_PONG.to_owned())]);
    }
    // Fifty pings later the connection still has its whole message allowance.
    let out = s.send(&alice, &insert(0, "x", "a1", 0), 2);
    assert_eq!(operation(&out.replies[0])["type"], "ack");
    // A client takes the pong in its stride.
    let mut client = ClientSession::new("s", "alice", "c1");
    assert_eq!(
        client.receive(HEARTBEAT_PONG, EpochMillis(3)).unwrap(),
        Vec::<String>::new()
    );
}

#[test]
fn a_connection_that_sends_nothing_for_the_idle_timeout_is_closed_and_the_others_told() {
    let mut s = Session::new();
    let (alice, bob) = (
        participant("alice", Role::Editor),
        participant("bob", Role::Editor),
    );
    let first = s.join(&alice, 0);
    let first_alarm = first.alarms[0].0;
    assert!((IDLE_MS..=IDLE_MS + LAG_MS).contains(&first_alarm));
    s.join(&bob, 0);
    // Bob keeps talking; alice says nothing.
    s.send(&bob, &insert(0, "b", "b1", 0), 40_000);

    let early = s.alarm(IDLE_MS - 1);
    assert!(early.disconnected.is_empty(), "never before the timeout");
    assert_eq!(early.alarms, [EpochMillis(first_alarm)], "it asks again");

    let fired = s.alarm(first_alarm);
    assert_eq!(fired.disconnected, [("alice-conn".to_owned(), CLOSE_IDLE)]);
    let left: Vec<_> = fired.broadcasts.iter().map(|m| operation(m)).collect();
    assert_eq!(left, [json!({"type": "user_left"})]);
    // Bob's own deadline comes next.
    let bob_due = fired.alarms[0].0;
    assert!((40_000 + IDLE_MS..=40_000 + IDLE_MS + LAG_MS).contains(&bob_due));
    assert_eq!(s.alarm(bob_due).disconnected.len(), 1);
    // Alice's socket closing later is not a second departure.
    assert!(s.engine.leave(&alice, EpochMillis(bob_due + 1)).is_empty());
}

#[test]
fn a_kept_last_seen_survives_hibernation_and_still_decides_idleness() {
    let mut s = Session::new();
    let alice = participant("alice", Role::Editor);
    s.join(&alice, 0);
    let talk = s.send(&alice, &insert(0, "a", "a1", 0), 45_000);
    let kept = talk.kept.last().cloned().unwrap();
    assert_eq!(kept.last_seen, EpochMillis(45_000));

    // The engine is rebuilt from storage; the socket (and its kept presence) outlived it.
    let mut restored = SessionEngine::restore("s", config(), s.store.load().unwrap()).unwrap();
    restored.reattach(&alice, kept, EpochMillis(50_000));
    let early = restored.on_alarm(EpochMillis(45_000 + IDLE_MS - 1));
    assert!(!early.iter().any(|e| matches!(e, Effect::Disconnect { .. })));
    let due = 45_000 + IDLE_MS + LAG_MS;
    assert!(
        restored
            .on_alarm(EpochMillis(due))
            .iter()
            .any(|e| matches!(e, Effect::Disconnect { .. }))
    );
}

#[test]
fn a_quiet_session_is_archived_read_only_until_an_owner_reopens_it() {
    let mut s = Session::new();
    let (owner, editor, viewer) = (
        participant("olga", Role::Owner),
        participant("ed", Role::Editor),
        participant("vi", Role::Viewer),
    );
    s.join(&editor, 0);
    s.send(&editor, &insert(0, "qreg q[1];", "e1", 0), 10);
    s.engine.leave(&editor, EpochMillis(20));

    assert!(
        status_of(&s.alarm(ARCHIVE_MS).broadcasts).is_empty(),
        "not before a full quiet period"
    );
    let archived = s.alarm(ARCHIVE_MS + LAG_MS);
    assert_eq!(status_of(&archived.broadcasts), ["archived"]);
    assert!(archived.alarms.is_empty(), "nothing left to wake up for");

    // It survives a reload, and a joiner is told it is read-only.
    let mut s = Session {
        engine: SessionEngine::restore("s", config(), s.store.load().unwrap()).unwrap(),
        store: s.store,
    };
    let t = ARCHIVE_MS + LAG_MS + 1;
    assert_eq!(status_of(&s.join(&editor, t).replies), ["archived"]);
    let refused = s.send(&editor, &insert(0, "x", "e2", 1), t);
    assert_eq!(error_code(&refused.replies[0]), "SESSION_ARCHIVED");
    assert_eq!(s.engine.text(), "qreg q[1];");
    s.join(&viewer, t);
    let comment = json!({"type": "comment", "data": {"operation": {"type": "add_comment", "line": 1, "text": "?"}, "metadata": {"operation_id": "v1"}}});
    let refused = s.send(&viewer, &comment.to_string(), t);
    assert_eq!(error_code(&refused.replies[0]), "SESSION_ARCHIVED");
    // Presence still works: people may look.
    let cursor = json!({"type": "presence", "data": {"operation": {"type": "cursor", "line": 1, "column": 1}}});
    assert_eq!(s.send(&viewer, &cursor.to_string(), t).broadcasts.len(), 1);

    let not_owner = s.send(&editor, &reopen(), t);
    assert_eq!(error_code(&not_owner.replies[0]), "FORBIDDEN");
    s.join(&owner, t);
    let reopened = s.send(&owner, &reopen(), t);
    assert_eq!(status_of(&reopened.replies), ["active"]);
    assert_eq!(status_of(&reopened.broadcasts), ["active"]);
    let accepted = s.send(&editor, &insert(0, "x", "e2", 1), t + 1);
    assert_eq!(operation(&accepted.replies[0])["type"], "ack");
    let stored = s.store.load().unwrap().lifecycle.unwrap();
    assert_eq!(
        serde_json::to_value(stored.status).unwrap(),
        json!("active")
    );
}

#[test]
fn a_join_into_a_session_waiting_only_to_archive_asks_for_an_earlier_alarm() {
    let mut s = Session::new();
    let (alice, bob) = (
        participant("alice", Role::Editor),
        participant("bob", Role::Editor),
    );
    let first = s.join(&alice, 0).alarms[0].0;
    s.engine.leave(&alice, EpochMillis(10));
    // Nobody is connected: the next alarm is the archiving one, an hour away.
    let archive_due = s.alarm(first).alarms[0].0;
    assert!(archive_due >= ARCHIVE_MS);
    // Bob's idle deadline comes first; messages after that ask for nothing new.
    let joined = s.join(&bob, 100_000);
    let bob_due = joined.alarms[0].0;
    assert!((100_000 + IDLE_MS..=100_000 + IDLE_MS + LAG_MS).contains(&bob_due));
    let cursor = json!({"type": "presence", "data": {"operation": {"type": "cursor", "line": 0, "column": 0}}});
    assert!(s.send(&bob, &cursor.to_string(), 100_001).alarms.is_empty());
    assert_eq!(s.alarm(bob_due).disconnected.len(), 1);
}

#[test]
fn junk_frames_cost_messages_and_are_not_activity() {
    let mut s = Session::new(); // five messages a minute
    let alice = participant("alice", Role::Editor);
    let first_alarm = s.join(&alice, 0).alarms[0].0;
    let at = first_alarm - 1;
    let too_large = "x".repeat(SessionConfig::default().max_message_bytes + 1);
    for junk in ["not json", "{}", too_large.as_str(), "[1]", "null"] {
        let code = error_code(&s.send(&alice, junk, at).replies[0]);
        assert!(
            !code.is_empty() && code != "RATE_LIMITED",
            "{junk:.10}: {code}"
        );
    }
    // The five are spent: the next message is refused, however well-formed.
    let refused = s.send(&alice, &insert(0, "x", "a1", 0), at);
    assert_eq!(error_code(&refused.replies[0]), "RATE_LIMITED");
    assert_eq!(
        operation(&refused.replies[0])["operation_id"],
        "a1",
        "named, so the client knows what to resend"
    );
    assert_eq!(s.engine.text(), "");
    // None of it kept the connection from going idle.
    let fired = s.alarm(first_alarm);
    assert_eq!(fired.disconnected, [("alice-conn".to_owned(), CLOSE_IDLE)]);
}
