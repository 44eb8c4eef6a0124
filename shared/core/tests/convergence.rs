//! Property tests: clients editing concurrently against stale revisions, with messages delivered in any
//! interleaving and connections dropped at random, all converge to the server's text, which equals a
//! reference model; and no input makes the engine panic.

#![allow(clippy::unwrap_used)] // tests fail loudly by design

mod common;

use std::collections::VecDeque;

use common::{Hosted, participant, pump};
use proptest::prelude::*;
use synq_core::EpochMillis;
use synq_core::ErrorCode;
use synq_core::auth::Role;
use synq_core::client::{ClientError, ClientSession};
use synq_core::ot::{Delete, Insert, Priority, Step, TextBuffer, transform};
use synq_core::session::{Participant, SessionConfig, SessionStore};

const WORDS: [&str; 7] = ["a", "bc", "😀", "é", "\n", "h q[0];", "👩‍🔬"];

#[derive(Debug, Clone)]
enum Action {
    Insert {
        client: usize,
        at: usize,
        word: usize,
    },
    Delete {
        client: usize,
        at: usize,
        chars: usize,
    },
    Send {
        client: usize,
    },
    Receive {
        client: usize,
    },
    Reconnect {
        client: usize,
    },
    Undo {
        client: usize,
        redo: bool,
    },
}

fn action(clients: usize) -> impl Strategy<Value = Action> {
    let c = 0..clients;
    prop_oneof![
        3 => (c.clone(), any::<usize>(), 0..WORDS.len()).prop_map(|(client, at, word)| Action::Insert { client, at, word }),
        2 => (c.clone(), any::<usize>(), 1..4usize).prop_map(|(client, at, chars)| Action::Delete { client, at, chars }),
        4 => c.clone().prop_map(|client| Action::Send { client }),
        4 => c.clone().prop_map(|client| Action::Receive { client }),
        1 => c.clone().prop_map(|client| Action::Reconnect { client }),
        1 => (c, any::<bool>()).prop_map(|(client, redo)| Action::Undo { client, redo }),
    ]
}

struct Peer {
    session: ClientSession,
    who: Participant,
    to_server: VecDeque<String>,
    from_server: VecDeque<String>,
}

/// UTF-16 offset of char index `c` in `text`.
fn utf16_at(text: &str, c: usize) -> u32 {
    text.chars().take(c).map(char::len_utf16).sum::<usize>() as u32
}

struct Sim {
    server: Hosted,
    peers: Vec<Peer>,
}

impl Sim {
    fn new(clients: usize) -> Self {
        // Rates are not what this test is about: clients here send hundreds of messages at time 0.
        let server = Hosted::new(SessionConfig {
            snapshot_every: u64::MAX,
            messages_per_minute: u32::MAX,
            edits_per_minute: u32::MAX,
            ..SessionConfig::default()
        });
        let mut sim = Sim {
            server,
            peers: Vec::new(),
        };
        for i in 0..clients {
            let who = participant(&format!("user{i}"), Role::Editor);
            let mut peer = Peer {
                session: ClientSession::new("s", &who.user_id, &format!("c{i}")),
                who,
                to_server: VecDeque::new(),
                from_server: VecDeque::new(),
            };
            peer.from_server.extend(join(&mut sim.server, &peer.who));
            sim.peers.push(peer);
        }
        sim
    }

    fn local_edit(&mut self, client: usize, op: Vec<Step>) {
        let peer = &mut self.peers[client];
        if !peer.session.is_synced() {
            return;
        }
        let sent = peer
            .session
            .edit(op, EpochMillis(0))
            .expect("generated edits fit the local text");
        peer.to_server.extend(sent);
    }

    fn step(&mut self, action: &Action) {
        match *action {
            Action::Insert { client, at, word } => {
                let text = self.peers[client].session.text();
                let pos = utf16_at(&text, at % (text.chars().count() + 1));
                self.local_edit(client, vec![Step::insert(pos, WORDS[word])]);
            }
            Action::Delete { client, at, chars } => {
                let text = self.peers[client].session.text();
                let n = text.chars().count();
                if n == 0 {
                    return;
                }
                let start = at % n;
                let end = (start + chars).min(n);
                let (p, q) = (utf16_at(&text, start), utf16_at(&text, end));
                self.local_edit(client, vec![Step::delete(p, q - p)]);
            }
            Action::Undo { client, redo } => {
                let session = &mut self.peers[client].session;
                if session.is_synced() {
                    let request = if redo {
                        session.redo_request(EpochMillis(0))
                    } else {
                        session.undo_request(EpochMillis(0))
                    };
                    self.peers[client].to_server.push_back(request);
                }
            }
            Action::Send { client } => self.send(client),
            Action::Receive { client } => self.receive(client),
            Action::Reconnect { client } => {
                let peer = &mut self.peers[client];
                peer.to_server.clear();
                peer.from_server.clear();
                peer.session.disconnected();
                peer.from_server.extend(join(&mut self.server, &peer.who));
            }
        }
    }

    fn send(&mut self, client: usize) {
        let Some(raw) = self.peers[client].to_server.pop_front() else {
            return;
        };
        let who = self.peers[client].who.clone();
        let out = self.server.handle(&who, &raw);
        for r in &out.replies {
            let nothing_to_undo = r.contains("NOTHING_TO_UNDO");
            assert!(
                nothing_to_undo || !r.contains(r#""type":"error""#),
                "server refused {raw}: {r}"
            );
        }
        self.peers[client].from_server.extend(out.replies);
        for (i, peer) in self.peers.iter_mut().enumerate() {
            if i != client {
                peer.from_server.extend(out.broadcasts.iter().cloned());
            }
        }
    }

    fn receive(&mut self, client: usize) {
        let peer = &mut self.peers[client];
        let Some(raw) = peer.from_server.pop_front() else {
            return;
        };
        match peer.session.receive(&raw, EpochMillis(0)) {
            Ok(replies) => peer.to_server.extend(replies),
            Err(ClientError::Server(e)) if e.code == ErrorCode::NothingToUndo => {}
            Err(e) => panic!("client follows the server: {e}"),
        }
    }

    fn drain(&mut self) {
        while self
            .peers
            .iter()
            .any(|p| !p.to_server.is_empty() || !p.from_server.is_empty())
        {
            for i in 0..self.peers.len() {
                while !self.peers[i].to_server.is_empty() {
                    self.send(i);
                }
                while !self.peers[i].from_server.is_empty() {
                    self.receive(i);
                }
            }
        }
    }
}

fn join(server: &mut Hosted, who: &Participant) -> Vec<String> {
    pump(
        &server.store,
        server.engine.join(who, EpochMillis(0)).unwrap(),
    )
    .replies
}

/// The reference: the logged edits applied to a plain UTF-16 vector.
fn reference_text(server: &Hosted) -> String {
    let mut units: Vec<u16> = Vec::new();
    for logged in server.store.load().unwrap().ops {
        for step in logged.op {
            match step {
                Step::Insert(Insert { position, content }) => {
                    let at = position as usize;
                    units.splice(at..at, content.encode_utf16());
                }
                Step::Delete(Delete { position, length }) => {
                    units.drain(position as usize..(position + length) as usize);
                }
            }
        }
    }
    String::from_utf16(&units).expect("no op splits a surrogate pair")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn clients_converge_to_the_server_and_the_reference(
        (clients, actions) in (2..5usize).prop_flat_map(|n| (Just(n), prop::collection::vec(action(n), 1..200)))
    ) {
        let mut sim = Sim::new(clients);
        for a in &actions {
            sim.step(a);
        }
        sim.drain();
        let server_text = sim.server.engine.text();
        prop_assert_eq!(&reference_text(&sim.server), &server_text);
        for peer in &sim.peers {
            prop_assert_eq!(&peer.session.text(), &server_text);
            prop_assert_eq!(peer.session.revision(), sim.server.engine.revision());
            prop_assert!(!peer.session.has_unconfirmed());
        }
    }

    #[test]
    fn concurrent_steps_transform_to_the_same_text(
        text in "[a-c😀é]{0,12}",
        a in prop::collection::vec((any::<bool>(), any::<usize>(), 0..4usize, 0..WORDS.len()), 1..4),
        b in prop::collection::vec((any::<bool>(), any::<usize>(), 0..4usize, 0..WORDS.len()), 1..4),
    ) {
        let op_a = steps_for(&text, &a);
        let op_b = steps_for(&text, &b);
        let (a2, b2) = transform(&op_a, &op_b, Priority::Left);
        let mut left = TextBuffer::new(&text);
        left.apply(&op_a).unwrap();
        left.apply(&b2).unwrap();
        let mut right = TextBuffer::new(&text);
        right.apply(&op_b).unwrap();
        right.apply(&a2).unwrap();
        prop_assert_eq!(left.to_string(), right.to_string());
    }

    #[test]
    fn no_input_makes_the_engine_panic(raw in any::<String>(), pos in any::<u32>(), len in any::<u32>(), version in any::<u64>()) {
        let mut server = Hosted::new(SessionConfig::default());
        let who = participant("fuzz", Role::Owner);
        server.handle(&who, &raw);
        for op in [
            serde_json::json!({"type": "insert", "position": pos, "content": raw}),
            serde_json::json!({"type": "delete", "position": pos, "length": len}),
            serde_json::json!({"type": "transform", "operation": [{"type": "delete", "position": pos, "length": len}]}),
        ] {
            let msg = serde_json::json!({"type": "edit", "data": {"operation": op, "metadata": {"operation_id": raw}}, "version": version});
            let out = server.handle(&who, &msg.to_string());
            prop_assert_eq!(out.replies.len(), 1);
        }
    }
}

/// Builds a sequence of valid steps on `text` from random numbers (each step on the text left by the previous).
fn steps_for(text: &str, spec: &[(bool, usize, usize, usize)]) -> Vec<Step> {
    let mut current = text.to_owned();
    let mut steps = Vec::new();
    for &(is_insert, at, chars, word) in spec {
        let n = current.chars().count();
        let step = if is_insert || n == 0 {
            Step::insert(utf16_at(&current, at % (n + 1)), WORDS[word])
        } else {
            let start = at % n;
            let end = (start + chars).min(n);
            let p = utf16_at(&current, start);
            Step::delete(p, utf16_at(&current, end) - p)
        };
        let mut buf = TextBuffer::new(&current);
        buf.apply(std::slice::from_ref(&step)).unwrap();
        current = buf.to_string();
        steps.push(step);
    }
    steps
}
