//! Yjs clients (independent yrs documents speaking the y-websocket protocol) and synq OT clients on one
//! session: edits from both sides, delivered in any interleaving, with Yjs clients going offline and the
//! server reloading from its store, converge to one text everywhere; viewers' updates are refused;
//! awareness and presence cross over.

#![allow(clippy::unwrap_used)] // tests fail loudly by design

mod common;

use std::collections::VecDeque;

use common::{Outcome, participant, pump};
use proptest::prelude::*;
use synq_core::EpochMillis;
use synq_core::auth::Role;
use synq_core::client::ClientSession;
use synq_core::ot::Step;
use synq_core::session::{
    MemoryStore, Participant, SessionConfig, SessionEngine, SessionStore, StorageWrite,
};
use synq_core::yjs::{TEXT_NAME, wire};
use yrs::encoding::read::Cursor;
use yrs::sync::awareness::AwarenessUpdateEntry;
use yrs::sync::{AwarenessUpdate, Message, MessageReader, SyncMessage};
use yrs::updates::decoder::{Decode, DecoderV1};
use yrs::updates::encoder::Encode;
use yrs::{
    ClientID, Doc, GetString, IndexedSequence, OffsetKind, Options, ReadTxn, Text, TextRef,
    Transact, Update,
};

const NOW: EpochMillis = EpochMillis(0);
const WORDS: [&str; 6] = ["a", "bc", "😀", "é\n", "h q[0];", "👩‍🔬"];

fn config() -> SessionConfig {
    SessionConfig {
        snapshot_every: 7, // snapshots (and Yjs compaction) happen within a test
        messages_per_minute: u32::MAX,
        edits_per_minute: u32::MAX,
        ..SessionConfig::default()
    }
}

/// The server as a shell runs it: the engine, its store, and reloads from the store.
struct Server {
    engine: SessionEngine,
    store: MemoryStore,
}

impl Server {
    fn new() -> Self {
        Server {
            engine: SessionEngine::new("s", config()),
            store: MemoryStore::default(),
        }
    }

    /// Drops the engine and rebuilds it from storage, as after a restart.
    fn reload(&mut self) {
        let stored = self.store.load().unwrap();
        self.engine = SessionEngine::restore("s", config(), stored).unwrap();
        for write in self.engine.take_startup_writes() {
            self.store.write(&write).unwrap();
        }
    }

    fn run(&mut self, effects: Vec<synq_core::session::Effect>) -> Outcome {
        pump(&self.store, effects)
    }
}

/// A Yjs client: its own document, the y-websocket client's half of the protocol.
struct YClient {
    who: Participant,
    doc: Doc,
    text: TextRef,
    to_server: VecDeque<Vec<u8>>,
    from_server: VecDeque<Vec<u8>>,
    refusals: Vec<String>,
    online: bool,
}

impl YClient {
    fn new(who: Participant, client_id: u64) -> Self {
        let mut options = Options::with_client_id(ClientID::new(client_id));
        options.offset_kind = OffsetKind::Utf16;
        let doc = Doc::with_options(options);
        let text = doc.get_or_insert_text(TEXT_NAME);
        YClient {
            who,
            doc,
            text,
            to_server: VecDeque::new(),
            from_server: VecDeque::new(),
            refusals: Vec::new(),
            online: false,
        }
    }

    fn text(&self) -> String {
        self.text.get_string(&self.doc.transact())
    }

    /// What y-websocket sends when its socket opens: sync step 1.
    fn hello(&mut self) {
        let sv = self.doc.transact().state_vector();
        self.to_server.push_back(wire::sync_step1(sv));
    }

    fn edit(&mut self, f: impl FnOnce(&TextRef, &mut yrs::TransactionMut)) {
        let update = {
            let mut txn = self.doc.transact_mut();
            f(&self.text, &mut txn);
            txn.encode_update_v1()
        };
        if self.online {
            self.to_server.push_back(wire::update(update));
        }
    }

    fn receive(&mut self) {
        let Some(frame) = self.from_server.pop_front() else {
            return;
        };
        let mut decoder = DecoderV1::new(Cursor::new(&frame));
        for message in MessageReader::new(&mut decoder) {
            match message.unwrap() {
                Message::Sync(SyncMessage::SyncStep1(sv)) => {
                    let diff = self.doc.transact().encode_state_as_update_v1(&sv);
                    self.to_server.push_back(wire::sync_step2(diff));
                }
                Message::Sync(SyncMessage::SyncStep2(u) | SyncMessage::Update(u)) => {
                    let update = Update::decode_v1(&u).unwrap();
                    self.doc.transact_mut().apply_update(update).unwrap();
                }
                Message::Auth(Some(reason)) => self.refusals.push(reason),
                _ => {}
            }
        }
    }
}

struct SynqPeer {
    who: Participant,
    session: ClientSession,
    to_server: VecDeque<String>,
    from_server: VecDeque<String>,
}

struct Sim {
    server: Server,
    synq: Vec<SynqPeer>,
    yjs: Vec<YClient>,
}

impl Sim {
    fn new(synq: usize, yjs: usize) -> Self {
        let mut sim = Sim {
            server: Server::new(),
            synq: Vec::new(),
            yjs: Vec::new(),
        };
        for i in 0..synq {
            let who = participant(&format!("s{i}"), Role::Editor);
            let session = ClientSession::new("s", &who.user_id, &format!("p{i}"));
            sim.synq.push(SynqPeer {
                who,
                session,
                to_server: VecDeque::new(),
                from_server: VecDeque::new(),
            });
            sim.join_synq(i);
        }
        for i in 0..yjs {
            let who = participant(&format!("y{i}"), Role::Editor);
            sim.yjs.push(YClient::new(who, 1000 + i as u64));
            sim.join_yjs(i);
        }
        sim.drain();
        sim
    }

    fn join_synq(&mut self, i: usize) {
        let effects = self.server.engine.join(&self.synq[i].who, NOW).unwrap();
        let out = self.server.run(effects);
        self.synq[i].from_server.extend(out.replies.iter().cloned());
        self.fan_out(Origin::Synq(i), &out);
    }

    fn join_yjs(&mut self, i: usize) {
        let effects = self.server.engine.join_yjs(&self.yjs[i].who, NOW).unwrap();
        let out = self.server.run(effects);
        let client = &mut self.yjs[i];
        client.online = true;
        client.from_server.extend(out.yjs_replies.iter().cloned());
        client.hello();
        self.fan_out(Origin::Yjs(i), &out);
    }

    fn fan_out(&mut self, from: Origin, out: &Outcome) {
        for (i, peer) in self.synq.iter_mut().enumerate() {
            if from != Origin::Synq(i) {
                peer.from_server.extend(out.broadcasts.iter().cloned());
            }
        }
        for (i, client) in self.yjs.iter_mut().enumerate() {
            if from != Origin::Yjs(i) && client.online {
                client
                    .from_server
                    .extend(out.yjs_broadcasts.iter().cloned());
            }
        }
    }

    fn send_synq(&mut self, i: usize) {
        let Some(raw) = self.synq[i].to_server.pop_front() else {
            return;
        };
        let effects = self
            .server
            .engine
            .handle_message(&self.synq[i].who, &raw, NOW);
        let out = self.server.run(effects);
        assert!(
            out.replies.iter().all(|r| !r.contains(r#""type":"error""#)),
            "refused {raw}: {:?}",
            out.replies
        );
        self.synq[i].from_server.extend(out.replies.iter().cloned());
        self.fan_out(Origin::Synq(i), &out);
    }

    fn send_yjs(&mut self, i: usize) {
        let Some(frame) = self.yjs[i].to_server.pop_front() else {
            return;
        };
        let effects = self.server.engine.handle_yjs(&self.yjs[i].who, &frame, NOW);
        let out = self.server.run(effects);
        self.yjs[i]
            .from_server
            .extend(out.yjs_replies.iter().cloned());
        self.fan_out(Origin::Yjs(i), &out);
    }

    fn receive_synq(&mut self, i: usize) {
        let peer = &mut self.synq[i];
        if let Some(raw) = peer.from_server.pop_front() {
            let replies = peer.session.receive(&raw, NOW).unwrap();
            peer.to_server.extend(replies);
        }
    }

    /// A Yjs client loses its connection: whatever was in flight is gone; it keeps editing offline.
    fn go_offline(&mut self, i: usize) {
        let client = &mut self.yjs[i];
        if !client.online {
            return;
        }
        client.online = false;
        client.to_server.clear();
        client.from_server.clear();
        let effects = self.server.engine.leave(&client.who, NOW);
        let out = self.server.run(effects);
        self.fan_out(Origin::Yjs(i), &out);
    }

    /// The server restarts: every connection drops, the engine reloads from the store, and the clients
    /// reconnect (Yjs clients that were offline stay offline).
    fn restart(&mut self) {
        self.server.reload();
        for i in 0..self.synq.len() {
            let peer = &mut self.synq[i];
            peer.to_server.clear();
            peer.from_server.clear();
            peer.session.disconnected();
            self.join_synq(i);
        }
        for i in 0..self.yjs.len() {
            if self.yjs[i].online {
                let client = &mut self.yjs[i];
                client.to_server.clear();
                client.from_server.clear();
                self.join_yjs(i);
            }
        }
    }

    fn busy(&self) -> bool {
        self.synq
            .iter()
            .any(|p| !p.to_server.is_empty() || !p.from_server.is_empty())
            || self
                .yjs
                .iter()
                .any(|c| !c.to_server.is_empty() || !c.from_server.is_empty())
    }

    fn drain(&mut self) {
        for i in 0..self.yjs.len() {
            if !self.yjs[i].online {
                self.join_yjs(i);
            }
        }
        while self.busy() {
            for i in 0..self.synq.len() {
                self.send_synq(i);
                self.receive_synq(i);
            }
            for i in 0..self.yjs.len() {
                self.send_yjs(i);
                self.yjs[i].receive();
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Synq(usize),
    Yjs(usize),
}

/// UTF-16 offset of char index `c` in `text`.
fn utf16_at(text: &str, c: usize) -> u32 {
    text.chars().take(c).map(char::len_utf16).sum::<usize>() as u32
}

#[derive(Debug, Clone)]
enum Action {
    Insert {
        synq: bool,
        who: usize,
        at: usize,
        word: usize,
    },
    Delete {
        synq: bool,
        who: usize,
        at: usize,
        chars: usize,
    },
    Send {
        synq: bool,
        who: usize,
    },
    Receive {
        synq: bool,
        who: usize,
    },
    Offline {
        who: usize,
    },
    Online {
        who: usize,
    },
    Restart,
}

fn action() -> impl Strategy<Value = Action> {
    let who = 0..2usize;
    prop_oneof![
        4 => (any::<bool>(), who.clone(), any::<usize>(), 0..WORDS.len())
            .prop_map(|(synq, who, at, word)| Action::Insert { synq, who, at, word }),
        2 => (any::<bool>(), who.clone(), any::<usize>(), 1..4usize)
            .prop_map(|(synq, who, at, chars)| Action::Delete { synq, who, at, chars }),
        5 => (any::<bool>(), who.clone()).prop_map(|(synq, who)| Action::Send { synq, who }),
        5 => (any::<bool>(), who.clone()).prop_map(|(synq, who)| Action::Receive { synq, who }),
        1 => who.clone().prop_map(|who| Action::Offline { who }),
        1 => who.prop_map(|who| Action::Online { who }),
        1 => Just(Action::Restart),
    ]
}

impl Sim {
    fn step(&mut self, action: &Action) {
        match *action {
            Action::Insert {
                synq,
                who,
                at,
                word,
            } => {
                let text = self.local_text(synq, who);
                let pos = utf16_at(&text, at % (text.chars().count() + 1));
                self.local_edit(synq, who, Step::insert(pos, WORDS[word]));
            }
            Action::Delete {
                synq,
                who,
                at,
                chars,
            } => {
                let text = self.local_text(synq, who);
                let n = text.chars().count();
                if n > 0 {
                    let start = at % n;
                    let end = (start + chars).min(n);
                    let (p, q) = (utf16_at(&text, start), utf16_at(&text, end));
                    self.local_edit(synq, who, Step::delete(p, q - p));
                }
            }
            Action::Send { synq: true, who } => self.send_synq(who),
            Action::Send { synq: false, who } => self.send_yjs(who),
            Action::Receive { synq: true, who } => self.receive_synq(who),
            Action::Receive { synq: false, who } => self.yjs[who].receive(),
            Action::Offline { who } => self.go_offline(who),
            Action::Online { who } => {
                if !self.yjs[who].online {
                    self.join_yjs(who);
                }
            }
            Action::Restart => self.restart(),
        }
    }

    fn local_text(&self, synq: bool, who: usize) -> String {
        if synq {
            self.synq[who].session.text()
        } else {
            self.yjs[who].text()
        }
    }

    fn local_edit(&mut self, synq: bool, who: usize, step: Step) {
        if synq {
            let peer = &mut self.synq[who];
            if peer.session.is_synced() {
                let sent = peer.session.edit(vec![step], NOW).unwrap();
                peer.to_server.extend(sent);
            }
        } else {
            self.yjs[who].edit(|text, txn| match step {
                Step::Insert(i) => text.insert(txn, i.position, &i.content),
                Step::Delete(d) => text.remove_range(txn, d.position, d.length),
            });
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn ot_and_yjs_clients_converge_through_offline_edits_and_restarts(
        seed in "[a-c😀\n]{0,6}",
        actions in prop::collection::vec(action(), 1..120),
    ) {
        let mut sim = Sim::new(2, 2);
        if !seed.is_empty() {
            sim.local_edit(true, 0, Step::insert(0, seed.as_str()));
            sim.drain();
        }
        for action in &actions {
            sim.step(action);
        }
        sim.drain();
        let text = sim.server.engine.text();
        for peer in &sim.synq {
            prop_assert_eq!(peer.session.text(), text.clone());
        }
        for client in &sim.yjs {
            prop_assert_eq!(client.text(), text.clone());
            // The one refusal a well-behaved client meets: an edit made after a reconnect and sent
            // before its answer to the server's sync step 1 continues offline edits the server has not
            // received yet. That answer carries the edit too, so nothing is lost (the texts agree).
            let unexpected: Vec<_> = client
                .refusals
                .iter()
                .filter(|r| !r.starts_with("INVALID_REVISION: the update continues"))
                .collect();
            prop_assert!(unexpected.is_empty(), "{:?}", unexpected);
        }
        // What the store holds rebuilds the same document, with no repair needed.
        sim.server.reload();
        prop_assert_eq!(sim.server.engine.text(), text);
        prop_assert!(sim.server.engine.take_startup_writes().is_empty());
    }
}

/// A frame of awareness with one entry.
fn awareness_frame(client_id: u64, clock: u32, state: &str) -> Vec<u8> {
    let update = AwarenessUpdate {
        clients: [(
            ClientID::new(client_id),
            AwarenessUpdateEntry {
                clock,
                json: state.into(),
            },
        )]
        .into_iter()
        .collect(),
    };
    Message::Awareness(update).encode_v1()
}

fn awareness_entries(frames: &[Vec<u8>]) -> Vec<(u64, String)> {
    frames
        .iter()
        .flat_map(|f| wire::decode_frame(f).unwrap())
        .filter_map(|m| match m {
            Message::Awareness(u) => Some(u),
            _ => None,
        })
        .flat_map(|u| {
            u.clients
                .into_iter()
                .map(|(id, e)| (id.get(), e.json.to_string()))
        })
        .collect()
}

#[test]
fn a_viewers_update_is_refused_and_changes_nothing() {
    let mut sim = Sim::new(1, 0);
    sim.local_edit(true, 0, Step::insert(0, "h q[0];"));
    sim.drain();
    let viewer = participant("vic", Role::Viewer);
    sim.yjs.push(YClient::new(viewer, 77));
    sim.join_yjs(0);
    sim.drain();
    assert_eq!(sim.yjs[0].text(), sim.server.engine.text());
    let before = sim.server.engine.text();
    let revision = sim.server.engine.revision();
    sim.yjs[0].edit(|text, txn| text.insert(txn, 0, "nope "));
    sim.drain();
    assert_eq!(sim.server.engine.text(), before);
    assert_eq!(sim.server.engine.revision(), revision);
    assert_eq!(sim.synq[0].session.text(), before);
    assert_eq!(sim.yjs[0].refusals.len(), 1);
    assert!(sim.yjs[0].refusals[0].starts_with("FORBIDDEN: a viewer cannot edit"));
    // Its sync step 2 on a reconnect is refused the same way; an awareness update is fine.
    sim.go_offline(0);
    sim.join_yjs(0);
    sim.drain();
    assert_eq!(sim.yjs[0].refusals.len(), 2);
    assert_eq!(sim.server.engine.text(), before);
}

#[test]
fn awareness_and_presence_cross_both_ways() {
    let mut sim = Sim::new(1, 1);
    sim.local_edit(true, 0, Step::insert(0, "qreg q[2];\nh q[0];\n"));
    sim.drain();
    sim.synq[0].from_server.clear();

    // Yjs → synq: user and cursor (relative positions on the shared text) become presence.
    let head = sim.yjs[0]
        .text
        .sticky_index(&sim.yjs[0].doc.transact(), 13, yrs::Assoc::After);
    let head = serde_json::to_value(head.unwrap()).unwrap();
    let state = serde_json::json!({"user": {"name": "Yara", "color": "#0a0"}, "cursor": {"anchor": head, "head": head}});
    let yara_id = 1000;
    let frame = awareness_frame(yara_id, 1, &state.to_string());
    let out = pump(
        &sim.server.store,
        sim.server.engine.handle_yjs(&sim.yjs[0].who, &frame, NOW),
    );
    let ops: Vec<serde_json::Value> = out
        .broadcasts
        .iter()
        .map(|m| common::operation(m))
        .collect();
    // The name and colour shown are the authenticated user's, not what the client wrote.
    let y0 = synq_core::yjs::Identity {
        user_id: "y0",
        connection_id: "y0-conn",
        name: None,
    };
    assert!(
        ops.contains(&serde_json::json!({"type": "user_info", "name": "y0", "color": y0.color()})),
        "{ops:?}"
    );
    assert!(ops.contains(&serde_json::json!({"type": "cursor", "line": 1, "column": 2})));
    assert_eq!(out.kept.len(), 1);

    // synq → Yjs: a cursor becomes an awareness entry under the connection's own client id.
    let cursor = serde_json::json!({"type": "presence", "data": {"operation": {"type": "cursor", "line": 0, "column": 5}, "metadata": {}}});
    let out = pump(
        &sim.server.store,
        sim.server
            .engine
            .handle_message(&sim.synq[0].who, &cursor.to_string(), NOW),
    );
    let entries = awareness_entries(&out.yjs_broadcasts);
    assert_eq!(entries.len(), 1);
    let state: serde_json::Value = serde_json::from_str(&entries[0].1).unwrap();
    assert_eq!(state["synq"]["user_id"], "s0");
    assert_eq!(state["user"]["name"], "s0");
    let head: yrs::StickyIndex = serde_json::from_value(state["cursor"]["head"].clone()).unwrap();
    let offset = head.get_offset(&sim.yjs[0].doc.transact()).unwrap();
    assert_eq!(offset.index, 5);

    // A newcomer gets both entries; when the synq client leaves, Yjs clients drop its entry.
    let late = participant("late", Role::Viewer);
    let out = pump(
        &sim.server.store,
        sim.server.engine.join_yjs(&late, NOW).unwrap(),
    );
    let ids: Vec<u64> = awareness_entries(&out.yjs_replies)
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert!(
        ids.contains(&yara_id) && ids.contains(&entries[0].0),
        "{ids:?}"
    );
    let out = pump(
        &sim.server.store,
        sim.server.engine.leave(&sim.synq[0].who, NOW),
    );
    assert_eq!(
        awareness_entries(&out.yjs_broadcasts),
        vec![(entries[0].0, "null".to_owned())]
    );
}

#[test]
fn an_idle_connection_closed_by_the_server_is_dropped_from_everyones_awareness() {
    let idle_ms = SessionConfig::default().idle_timeout_ms;
    let mut sim = Sim::new(1, 2);
    let quiet = sim.yjs[0].who.clone();
    let frame = awareness_frame(1000, 1, r#"{"cursor":null}"#);
    pump(
        &sim.server.store,
        sim.server.engine.handle_yjs(&quiet, &frame, NOW),
    );
    // The others keep talking; y0 says nothing for the idle timeout.
    let late = EpochMillis(idle_ms * 2);
    let talker = sim.yjs[1].who.clone();
    let renewal = awareness_frame(1001, 1, r#"{"cursor":null}"#);
    pump(
        &sim.server.store,
        sim.server.engine.handle_yjs(&talker, &renewal, late),
    );
    let cursor = serde_json::json!({"type": "presence", "data": {"operation": {"type": "cursor", "line": 0, "column": 0}, "metadata": {}}});
    let synq = sim.synq[0].who.clone();
    pump(
        &sim.server.store,
        sim.server
            .engine
            .handle_message(&synq, &cursor.to_string(), late),
    );
    let out = pump(&sim.server.store, sim.server.engine.on_alarm(late));
    assert_eq!(out.disconnected, [(quiet.connection_id.clone(), 4000)]);
    // y-websocket peers drop its entry, as when it closes its socket itself; synq clients hear it left.
    assert_eq!(
        awareness_entries(&out.yjs_broadcasts),
        [(1000, "null".to_owned())]
    );
    let left: Vec<_> = out
        .broadcasts
        .iter()
        .map(|m| common::operation(m))
        .collect();
    assert_eq!(left, [serde_json::json!({"type": "user_left"})]);
}

#[test]
fn a_yjs_client_cannot_pass_itself_off_as_another_user_in_awareness() {
    let mut sim = Sim::new(1, 2);
    sim.synq[0].from_server.clear();
    let mallory = Participant {
        name: Some("Mallory".to_owned()),
        ..sim.yjs[0].who.clone()
    };
    let cursor = serde_json::json!({"anchor": {"type": null, "tname": "content", "item": null, "assoc": 0}, "head": {"type": null, "tname": "content", "item": null, "assoc": 0}});
    let spoofed = serde_json::json!({
        "user": {"name": "s0", "color": "#f00"},
        "synq": {"user_id": "s0", "connection_id": "s0-conn"},
        "cursor": cursor,
    });
    let frame = awareness_frame(1000, 1, &spoofed.to_string());
    let out = pump(
        &sim.server.store,
        sim.server.engine.handle_yjs(&mallory, &frame, NOW),
    );
    let identity = synq_core::yjs::Identity {
        user_id: &mallory.user_id,
        connection_id: &mallory.connection_id,
        name: Some("Mallory"),
    };
    let relayed = awareness_entries(&out.yjs_broadcasts);
    assert_eq!(relayed.len(), 1);
    let state: serde_json::Value = serde_json::from_str(&relayed[0].1).unwrap();
    assert_eq!(
        state["user"],
        serde_json::json!({"name": "Mallory", "color": identity.color()})
    );
    assert_eq!(state["synq"]["user_id"], mallory.user_id.as_str());
    assert_eq!(
        state["synq"]["connection_id"],
        mallory.connection_id.as_str()
    );
    assert_eq!(state["cursor"], cursor, "the cursor is relayed as written");
    // synq clients see the same, and a newcomer gets the corrected state.
    let ops: Vec<serde_json::Value> = out
        .broadcasts
        .iter()
        .map(|m| common::operation(m))
        .collect();
    assert!(
        ops.contains(
            &serde_json::json!({"type": "user_info", "name": "Mallory", "color": identity.color()})
        ),
        "{ops:?}"
    );
    let late = participant("late", Role::Viewer);
    let out = pump(
        &sim.server.store,
        sim.server.engine.join_yjs(&late, NOW).unwrap(),
    );
    let kept = awareness_entries(&out.yjs_replies);
    let (_, kept) = kept.iter().find(|(id, _)| *id == 1000).unwrap();
    assert_eq!(kept, &relayed[0].1);
}

#[test]
fn an_update_outside_the_text_is_refused_whole_and_changes_nothing() {
    let mut sim = Sim::new(1, 2);
    sim.local_edit(true, 0, Step::insert(0, "h q[0];"));
    sim.drain();
    let stored = |sim: &Sim| sim.server.store.load().unwrap().yjs.updates.len();
    let (text, revision, logged) = (
        sim.server.engine.text(),
        sim.server.engine.revision(),
        stored(&sim),
    );
    let who = sim.yjs[0].who.clone();
    // A text edit and, in the same transaction, a large value in another shared type.
    let doc = Doc::with_client_id(4242);
    let update = {
        let content = doc.get_or_insert_text(TEXT_NAME);
        let meta = doc.get_or_insert_map("meta");
        let mut txn = doc.transact_mut();
        content.insert(&mut txn, 0, "x");
        yrs::Map::insert(&meta, &mut txn, "blob", "y".repeat(100_000));
        txn.encode_update_v1()
    };
    let out = pump(
        &sim.server.store,
        sim.server
            .engine
            .handle_yjs(&who, &wire::update(update), NOW),
    );
    refused_alone(
        &out,
        "UNSUPPORTED: the update writes to the shared type `meta`",
    );
    assert_eq!(stored(&sim), logged, "nothing of it was logged");
    assert_eq!(
        (sim.server.engine.text(), sim.server.engine.revision()),
        (text.clone(), revision)
    );
    // The document did not take the text half either: a newcomer syncs to the same text.
    let mut late = YClient::new(participant("late", Role::Viewer), 55);
    let out = pump(
        &sim.server.store,
        sim.server.engine.join_yjs(&late.who, NOW).unwrap(),
    );
    late.from_server.extend(out.yjs_replies);
    late.hello();
    let frame = late.to_server.pop_back().unwrap();
    let out = pump(
        &sim.server.store,
        sim.server.engine.handle_yjs(&late.who, &frame, NOW),
    );
    late.from_server.extend(out.yjs_replies);
    while !late.from_server.is_empty() {
        late.receive();
    }
    assert_eq!(late.text(), text);
    // The same socket's plain text edits still go through.
    sim.yjs[0].edit(|text, txn| text.insert(txn, 0, "ok "));
    sim.drain();
    assert_eq!(sim.server.engine.text(), format!("ok {text}"));
}

#[test]
fn a_yjs_client_reconnecting_after_a_reload_keeps_its_identity_and_merges_offline_edits() {
    let mut sim = Sim::new(1, 1);
    sim.local_edit(false, 0, Step::insert(0, "OPENQASM 2.0;\n"));
    sim.local_edit(true, 0, Step::insert(0, "// 😀\n"));
    sim.drain();
    let acked = sim.server.engine.text();
    assert_eq!(sim.yjs[0].text(), acked);

    sim.go_offline(0);
    sim.yjs[0].edit(|text, txn| text.insert(txn, 0, "offline "));
    sim.local_edit(true, 0, Step::insert(0, "online "));
    sim.drain_synq_only();
    sim.server.reload();
    assert!(
        sim.server.engine.take_startup_writes().is_empty(),
        "the stored document matched the text"
    );
    sim.restart();
    sim.join_yjs(0);
    sim.drain();
    let text = sim.server.engine.text();
    assert_eq!(text, sim.yjs[0].text());
    assert_eq!(text, sim.synq[0].session.text());
    assert_eq!(
        text.matches("OPENQASM 2.0;").count(),
        1,
        "nothing duplicated: {text:?}"
    );
    assert!(
        text.contains("offline ") && text.contains("online "),
        "{text:?}"
    );
}

#[test]
fn a_session_from_before_yjs_gets_a_document_when_the_first_yjs_client_joins() {
    let mut sim = Sim::new(1, 0);
    sim.local_edit(true, 0, Step::insert(0, "x😀y"));
    sim.drain();
    assert!(
        sim.server.store.load().unwrap().yjs.updates.is_empty(),
        "no Yjs document while no Yjs client came"
    );
    sim.yjs
        .push(YClient::new(participant("y", Role::Editor), 5));
    sim.join_yjs(0);
    sim.drain();
    assert_eq!(sim.yjs[0].text(), "x😀y");
    let stored = sim.server.store.load().unwrap();
    assert_eq!(stored.yjs.updates.len(), 1);
}

#[test]
fn an_update_over_the_document_limit_is_undone_for_everyone() {
    let mut server = Server::new();
    server.engine = SessionEngine::new(
        "s",
        SessionConfig {
            max_document_utf16: 10,
            ..config()
        },
    );
    let mut client = YClient::new(participant("y", Role::Editor), 9);
    let out = pump(
        &server.store,
        server.engine.join_yjs(&client.who, NOW).unwrap(),
    );
    client.from_server.extend(out.yjs_replies);
    client.online = true;
    client.edit(|text, txn| text.insert(txn, 0, "0123456789ABC"));
    let frame = client.to_server.pop_front().unwrap();
    let out = pump(
        &server.store,
        server.engine.handle_yjs(&client.who, &frame, NOW),
    );
    client.from_server.extend(out.yjs_replies);
    while !client.from_server.is_empty() {
        client.receive();
    }
    assert_eq!(server.engine.text(), "");
    assert_eq!(client.text(), "");
    assert!(
        client.refusals[0].starts_with("LIMIT_EXCEEDED"),
        "{:?}",
        client.refusals
    );
    let stored = server.store.load().unwrap();
    assert!(
        stored.yjs.updates.len() >= 2,
        "the update and its undoing are logged"
    );
    assert!(matches!(
        server.engine.take_startup_writes().as_slice(),
        [] | [StorageWrite::AppendYjsUpdate(_)]
    ));
}

#[test]
fn garbage_and_expired_tokens_are_answered_not_panicked_on() {
    let mut server = Server::new();
    let mut who = participant("y", Role::Editor);
    pump(&server.store, server.engine.join_yjs(&who, NOW).unwrap());
    let out = pump(
        &server.store,
        server.engine.handle_yjs(&who, &[0, 7, 1, 2], NOW),
    );
    let refusals: Vec<Message> = out
        .yjs_replies
        .iter()
        .flat_map(|f| wire::decode_frame(f).unwrap())
        .collect();
    assert!(
        matches!(&refusals[..], [Message::Auth(Some(r))] if r.starts_with("MALFORMED_MESSAGE"))
    );
    who.expires_at = Some(EpochMillis(0));
    let out = pump(
        &server.store,
        server
            .engine
            .handle_yjs(&who, &wire::update(vec![0, 0]), EpochMillis(1)),
    );
    assert_eq!(out.closed, Some(1008));
}

impl Sim {
    fn drain_synq_only(&mut self) {
        while self
            .synq
            .iter()
            .any(|p| !p.to_server.is_empty() || !p.from_server.is_empty())
        {
            for i in 0..self.synq.len() {
                self.send_synq(i);
                self.receive_synq(i);
            }
        }
    }
}

/// A Yjs client on an engine with the default limits, at a clock the test moves.
struct Typist {
    engine: SessionEngine,
    store: MemoryStore,
    client: YClient,
    closed: Vec<u16>,
}

impl Typist {
    /// Editor `yan` connected at time 0 to a session with the default limits.
    fn connected() -> Self {
        let mut typist = Typist {
            engine: SessionEngine::new("s", SessionConfig::default()),
            store: MemoryStore::default(),
            client: YClient::new(participant("yan", Role::Editor), 7),
            closed: Vec::new(),
        };
        typist.connect(0);
        typist
    }

    fn connect(&mut self, now: u64) {
        let effects = self.engine.join_yjs(&self.client.who, EpochMillis(now));
        let out = pump(&self.store, effects.unwrap());
        self.client.online = true;
        self.client.from_server.extend(out.yjs_replies);
        self.client.hello();
        self.exchange(now);
    }

    /// Sends what the client has queued and takes the answers, until both sides are quiet or the server
    /// closes the socket (then whatever was still queued is lost with it, as on a real socket).
    fn exchange(&mut self, now: u64) {
        loop {
            while !self.client.from_server.is_empty() {
                self.client.receive();
            }
            let Some(frame) = self.client.to_server.pop_front() else {
                return;
            };
            let effects = self
                .engine
                .handle_yjs(&self.client.who, &frame, EpochMillis(now));
            let out = pump(&self.store, effects);
            self.client.from_server.extend(out.yjs_replies);
            if let Some(code) = out.closed {
                while !self.client.from_server.is_empty() {
                    self.client.receive();
                }
                self.closed.push(code);
                self.client.online = false;
                self.client.to_server.clear();
                self.engine.leave(&self.client.who, EpochMillis(now));
                return;
            }
        }
    }

    /// One keystroke at the end of the text, and the cursor move y-websocket's editor bindings send.
    fn type_key(&mut self, key: u32, now: u64) {
        let end = self.client.text().encode_utf16().count() as u32;
        let c = char::from(b'a' + (key % 26) as u8).to_string();
        self.client.edit(|text, txn| text.insert(txn, end, &c));
        if self.client.online {
            let state = format!(r#"{{"cursor":{{"key":{key}}}}}"#);
            let frame = awareness_frame(self.client.doc.client_id().get(), key + 1, &state);
            self.client.to_server.push_back(frame);
        }
        self.exchange(now);
    }
}

#[test]
fn a_fast_typist_is_never_limited_and_a_flood_is_closed_without_losing_anything() {
    // The default limits: those of the synq protocol (100 messages a minute per connection, 50 edits)
    // would close this typist within seconds.
    let mut t = Typist::connected();
    // A minute at 10 keys a second, each with its cursor move, then a burst of 150 keys in 5 s.
    for key in 0..600 {
        t.type_key(key, u64::from(key) * 100);
    }
    for key in 600..750 {
        t.type_key(key, 60_000 + u64::from(key - 600) * 33);
    }
    assert_eq!(t.closed, Vec::<u16>::new());
    assert!(t.client.refusals.is_empty(), "{:?}", t.client.refusals);
    assert_eq!(t.engine.text(), t.client.text());
    assert_eq!(t.engine.text().len(), 750);

    // A flood: 3,000 updates at once. The server takes what the budget allows, then closes with 1013.
    let flood_at = 70_000;
    for key in 750..3_750 {
        t.type_key(key, flood_at);
    }
    assert_eq!(t.closed, [1013]);
    assert!(
        t.client.refusals[0]
            .starts_with("RATE_LIMITED: at most 1200 Yjs updates a minute per user"),
        "{:?}",
        t.client.refusals
    );
    let taken = t.engine.text();
    assert!(taken.len() < 3_750 && t.client.text().starts_with(&taken));
    // Everything the server took is kept; the reconnect's sync step 2 brings the rest.
    t.connect(flood_at + 1_000);
    assert_eq!(t.closed, [1013]);
    assert_eq!(t.engine.text(), t.client.text());
    assert_eq!(t.engine.text().len(), 3_750);
}

#[test]
fn awareness_and_sync_requests_have_budgets_of_their_own() {
    let mut t = Typist::connected();
    // 300 cursor moves at once pass (the awareness burst); the next one closes the socket.
    for clock in 1..=301 {
        let frame = awareness_frame(7, clock, r#"{"cursor":null}"#);
        t.client.to_server.push_back(frame);
    }
    t.exchange(0);
    assert_eq!(t.closed, [1013]);
    assert!(t.client.refusals[0].contains("awareness updates a minute per connection"));
    // Sync step 1 counts as a message of the connection (100 a minute, and that again as a burst).
    t.connect(1_000);
    for _ in 0..200 {
        t.client.hello();
    }
    t.exchange(1_000);
    assert_eq!(t.closed, [1013, 1013]);
    assert!(t.client.refusals[1].contains("sync messages a minute per connection"));
}

#[test]
fn oversized_and_garbled_frames_cost_messages_and_are_not_activity() {
    let config = SessionConfig::default();
    let mut server = Server::new();
    server.engine = SessionEngine::new("s", config.clone());
    let who = participant("y", Role::Editor);
    let joined = pump(&server.store, server.engine.join_yjs(&who, NOW).unwrap());
    let due = joined.alarms[0];
    let at = EpochMillis(due.0 - 1);
    let oversized = vec![0u8; config.max_yjs_message_bytes + 1];
    // 100 messages a minute: junk spends them like anything else.
    for i in 0..100 {
        let frame: &[u8] = if i % 2 == 0 {
            &oversized
        } else {
            &[0, 7, 1, 2]
        };
        let out = pump(&server.store, server.engine.handle_yjs(&who, frame, at));
        assert_eq!(out.closed, None, "frame {i}");
    }
    let out = pump(
        &server.store,
        server.engine.handle_yjs(&who, &oversized, at),
    );
    assert_eq!(out.closed, Some(1013));
    // None of it kept the connection from going idle.
    let out = pump(&server.store, server.engine.on_alarm(due));
    assert_eq!(out.disconnected, [(who.connection_id.clone(), 4000)]);
}

#[test]
fn synq_messages_are_made_only_for_synq_clients_and_yjs_compaction_waits_for_quiet() {
    let mut t = Typist::connected();
    let broadcasts_of = |t: &mut Typist, key: u32, now: u64| {
        let end = t.client.text().encode_utf16().count() as u32;
        t.client.edit(|text, txn| text.insert(txn, end, "k"));
        let frame = t.client.to_server.pop_front().unwrap();
        let effects = t
            .engine
            .handle_yjs(&t.client.who, &frame, EpochMillis(now + u64::from(key)));
        pump(&t.store, effects).broadcasts.len()
    };
    // Past the text's snapshot at revision 100: no synq client, so no synq message is made.
    for key in 0..150 {
        assert_eq!(broadcasts_of(&mut t, key, 0), 0);
    }
    let stored = t.store.load().unwrap();
    assert!(stored.snapshot.is_some());
    // The Yjs log is not compacted while people type (encoding the document would hold up an update) ...
    assert!(stored.yjs.snapshot.is_none());
    assert!(stored.yjs.updates.len() >= 150);
    // ... but once the session is quiet.
    let quiet = EpochMillis(10_000 + 1_000);
    pump(&t.store, t.engine.on_alarm(quiet));
    let stored = t.store.load().unwrap();
    assert!(stored.yjs.snapshot.is_some() && stored.yjs.updates.is_empty());
    // A synq client joins: from now on the Yjs edits reach it.
    let sam = participant("sam", Role::Editor);
    pump(&t.store, t.engine.join(&sam, quiet).unwrap());
    assert_eq!(broadcasts_of(&mut t, 150, quiet.0), 1);
    // After a reload the text and the Yjs document are the same as before.
    let reloaded = SessionEngine::restore("s", SessionConfig::default(), t.store.load().unwrap());
    assert_eq!(reloaded.unwrap().text(), t.client.text());
}

#[test]
fn pruned_history_never_takes_yjs_updates_the_yjs_snapshot_lacks() {
    // A short history: edits are pruned within 40 revisions, long before the Yjs log's own compaction
    // (1,000 updates) would snapshot the document. Each revision's update is stored with it.
    let config = SessionConfig {
        snapshot_every: 5,
        history_limit: 5,
        history_retention: 10,
        ..SessionConfig::default()
    };
    let mut t = Typist::connected();
    t.engine = SessionEngine::new("s", config.clone());
    t.connect(0);
    for key in 0..40u64 {
        let end = t.client.text().encode_utf16().count() as u32;
        t.client.edit(|text, txn| text.insert(txn, end, "k"));
        t.exchange(key);
    }
    let stored = t.store.load().unwrap();
    let first_kept = stored.ops.first().unwrap().revision;
    assert!(first_kept.0 > 20, "edits were pruned: {first_kept:?}");
    let snapshot = stored.yjs.snapshot.clone();
    // Reloaded, the document is the client's own: nothing to repair, the client's clock intact.
    let mut reloaded = SessionEngine::restore("s", config, stored).unwrap();
    assert!(
        reloaded.take_startup_writes().is_empty(),
        "the stored document matched the text"
    );
    assert_eq!(reloaded.text(), t.client.text());
    let mut again = YClient::new(participant("yan", Role::Editor), 7);
    let effects = reloaded.join_yjs(&again.who, EpochMillis(100)).unwrap();
    let out = pump(&t.store, effects);
    again.from_server.extend(out.yjs_replies);
    again.online = true;
    again.hello();
    while let Some(frame) = again.to_server.pop_front() {
        let effects = reloaded.handle_yjs(&again.who, &frame, EpochMillis(100));
        again
            .from_server
            .extend(pump(&t.store, effects).yjs_replies);
        while !again.from_server.is_empty() {
            again.receive();
        }
    }
    assert_eq!(again.text(), t.client.text());
    let clocks = again.doc.transact().state_vector();
    assert_eq!(
        clocks.get(&ClientID::new(7)),
        40,
        "every keystroke kept with its id"
    );
    let snapshot = snapshot.expect("pruning took a Yjs snapshot first");
    assert!(snapshot.revision.0 + 1 >= first_kept.0);
}

/// The permission-denied reasons among a Yjs sender's replies.
fn refusals_in(out: &Outcome) -> Vec<String> {
    out.yjs_replies
        .iter()
        .flat_map(|f| wire::decode_frame(f).unwrap())
        .filter_map(|m| match m {
            Message::Auth(reason) => reason,
            _ => None,
        })
        .collect()
}

/// The sender got one refusal, starting with `reason`; nothing was relayed and the socket stays open.
fn refused_alone(out: &Outcome, reason: &str) {
    let refusals = refusals_in(out);
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert!(refusals[0].starts_with(reason), "{}", refusals[0]);
    assert_eq!(out.closed, None, "the socket stays open");
    assert!(out.yjs_broadcasts.is_empty() && out.broadcasts.is_empty());
}

/// A v1 update of one transaction on `doc`'s text.
fn transaction(doc: &Doc, f: impl FnOnce(&TextRef, &mut yrs::TransactionMut)) -> Vec<u8> {
    let text = doc.get_or_insert_text(TEXT_NAME);
    let mut txn = doc.transact_mut();
    f(&text, &mut txn);
    txn.encode_update_v1()
}

#[test]
fn updates_whose_dependencies_never_arrive_are_bounded_and_refused_unlogged() {
    let mut sim = Sim::new(1, 2);
    sim.local_edit(true, 0, Step::insert(0, "h q[0];"));
    sim.drain();
    let who = sim.yjs[0].who.clone();
    let logged = |sim: &Sim| sim.server.store.load().unwrap().yjs.updates.len();
    let send = |sim: &mut Sim, update: Vec<u8>| {
        let effects = sim
            .server
            .engine
            .handle_yjs(&who, &wire::update(update), NOW);
        let out = sim.server.run(effects);
        sim.fan_out(Origin::Yjs(0), &out);
        out
    };
    let base = sim.server.engine.text();
    let state = sim.yjs[0]
        .doc
        .transact()
        .encode_state_as_update_v1(&Default::default());
    let synced = |id: u64| {
        let doc = Doc::with_options(Options {
            offset_kind: OffsetKind::Utf16,
            ..Options::with_client_id(ClientID::new(id))
        });
        doc.transact_mut()
            .apply_update(Update::decode_v1(&state).unwrap())
            .unwrap();
        doc
    };

    // 1. A client's changes that continue ones the server never saw: refused whole, nothing logged.
    let author = synced(500);
    let unseen = transaction(&author, |t, txn| t.insert(txn, 0, "abc"));
    let follows = transaction(&author, |t, txn| t.insert(txn, 0, "z"));
    let before = logged(&sim);
    let out = send(&mut sim, follows);
    refused_alone(
        &out,
        "INVALID_REVISION: the update continues Yjs client 500's changes from clock 3",
    );
    assert_eq!(logged(&sim), before);
    assert_eq!(sim.server.engine.text(), base);

    // 2. Another client's change that builds on the unseen one waits for it, within the allowance:
    //    logged and relayed, the text unchanged until the missing change arrives.
    let reader = synced(600);
    reader
        .transact_mut()
        .apply_update(Update::decode_v1(&unseen).unwrap())
        .unwrap();
    let small = transaction(&reader, |t, txn| t.insert(txn, 3, "!"));
    let out = send(&mut sim, small);
    assert!(refusals_in(&out).is_empty());
    assert_eq!(out.yjs_broadcasts.len(), 1);
    assert_eq!(logged(&sim), before + 1);
    assert_eq!(sim.server.engine.text(), base);

    // 3. Past the allowance, the rest is refused: not logged, not relayed, not kept waiting.
    let flood = transaction(&reader, |t, txn| t.insert(txn, 4, &"x".repeat(20_000)));
    let out = send(&mut sim, flood);
    refused_alone(&out, "INVALID_REVISION: ");
    assert!(
        refusals_in(&out)[0].contains("bytes of the update depend on changes the server has not")
    );
    assert_eq!(logged(&sim), before + 1);

    // 4. When the missing change arrives, what waited within the allowance applies, at the server and
    //    at the peer it was relayed to; the flood does not.
    let out = send(&mut sim, unseen);
    assert!(refusals_in(&out).is_empty());
    assert_eq!(sim.server.engine.text(), format!("abc!{base}"));
    sim.drain();
    assert_eq!(sim.yjs[1].text(), sim.server.engine.text());
    assert_eq!(sim.synq[0].session.text(), sim.server.engine.text());
    sim.server.reload();
    assert_eq!(sim.server.engine.text(), format!("abc!{base}"));
}
