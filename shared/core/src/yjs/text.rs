//! The session text as a Yjs document: one `Y.Text` named `content`, offsets in UTF-16 units. The server
//! writes to it under its own client id; clients' updates are applied and read back as OT steps.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use thiserror::Error;
use yrs::types::Delta;
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{
    Any, Assoc, ClientID, Doc, IndexedSequence, Observable, OffsetKind, Options, Out, ReadTxn,
    StateVector, StickyIndex, Text, TextRef, Transact, Update, WriteTxn,
};

use super::changes::steps_of;
use super::delta::{EMBED_PLACEHOLDER, delta_to_steps};
use super::scope::Strings;
use crate::ot::{EditOp, Step};
use crate::units::{Utf16Pos, utf16_len};

/// The name of the shared text every Yjs client edits.
pub const TEXT_NAME: &str = "content";

/// Why a Yjs update could not be used.
#[derive(Debug, Error)]
pub enum YjsError {
    /// The bytes are not a Yjs v1 update.
    #[error("not a Yjs update: {0}")]
    Decode(String),
    /// The update decoded but does not apply.
    #[error("the update does not apply: {0}")]
    Apply(String),
    /// An OT step reaches past the end of the Yjs text (the two views disagree).
    #[error("step at {position} is past the end of the Yjs text ({len} UTF-16 units)")]
    OutOfRange {
        /// Where the step starts or ends.
        position: u64,
        /// The Yjs text's length.
        len: u32,
    },
}

/// One Yjs document holding the session's text.
pub struct SharedText {
    doc: Doc,
    text: TextRef,
    /// Set before a transaction commits when its change must be read from the full delta (see
    /// `changes`): the observer then fills `delta`, which is read and cleared after the commit.
    want_delta: Arc<AtomicBool>,
    delta: Arc<Mutex<Vec<Delta>>>,
}

impl std::fmt::Debug for SharedText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedText")
            .field("client_id", &self.doc.client_id())
            .field("len", &self.len_utf16())
            .finish()
    }
}

impl SharedText {
    /// An empty document whose own edits carry `client_id` (a Yjs id: below 2^53).
    pub fn new(client_id: u64) -> Self {
        let mut options = Options::with_client_id(ClientID::new(client_id & ((1 << 53) - 1)));
        options.offset_kind = OffsetKind::Utf16;
        let doc = Doc::with_options(options);
        let text = doc.get_or_insert_text(TEXT_NAME);
        let delta = Arc::new(Mutex::new(Vec::new()));
        let want_delta = Arc::new(AtomicBool::new(false));
        let (sink, wanted) = (Arc::clone(&delta), Arc::clone(&want_delta));
        text.observe("synq-delta", move |txn, event| {
            // The delta walks the whole text: only when asked.
            if wanted.load(Ordering::Relaxed) {
                sink.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .extend(event.delta(txn).iter().cloned());
            }
        });
        SharedText {
            doc,
            text,
            want_delta,
            delta,
        }
    }

    /// The text as the OT side holds it: embedded objects (which `Y.Text` may hold besides strings)
    /// read as one placeholder character each, as [`delta_to_steps`] turns them into.
    pub fn text(&self) -> String {
        let chunks = self.text.diff(&self.doc.transact(), |_| ());
        let mut text = String::new();
        for chunk in chunks {
            match chunk.insert {
                Out::Any(Any::String(s)) => text.push_str(&s),
                _ => text.push_str(EMBED_PLACEHOLDER),
            }
        }
        text
    }

    /// The text's length in UTF-16 units.
    pub fn len_utf16(&self) -> u32 {
        self.text.len(&self.doc.transact())
    }

    /// Applies OT steps as this document's own edit; returns the Yjs update that carries them. Steps that
    /// reach past the end change nothing.
    pub fn apply_steps(&self, steps: &[Step]) -> Result<Vec<u8>, YjsError> {
        let mut txn = self.doc.transact_mut();
        let mut len = self.text.len(&txn);
        for step in steps {
            let (end, grown) = match step {
                Step::Insert(insert) => (insert.position, len.saturating_add(step.insert_len())),
                Step::Delete(delete) => (
                    delete.position.saturating_add(delete.length),
                    len.saturating_sub(delete.length),
                ),
            };
            if end > len {
                return Err(YjsError::OutOfRange {
                    position: u64::from(end),
                    len,
                });
            }
            len = grown;
        }
        for step in steps {
            match step {
                Step::Insert(insert) => {
                    self.text.insert(&mut txn, insert.position, &insert.content)
                }
                Step::Delete(delete) if delete.length > 0 => {
                    self.text
                        .remove_range(&mut txn, delete.position, delete.length);
                }
                Step::Delete(_) => {}
            }
        }
        Ok(txn.encode_update_v1())
    }

    /// Whether `update` holds an item this document has not seen (cheap: state vectors only).
    pub fn has_unseen_items(&self, update: &Update) -> bool {
        let known = self.doc.transact().state_vector();
        update.insertions(true).iter().any(|(client, ranges)| {
            let have = known.get(client);
            ranges.iter().any(|range| range.end > have)
        })
    }

    /// Whether `update` holds anything this document lacks: an item it has not seen or a deletion it
    /// has not made. The deletion check builds the document's delete set by walking every block: for
    /// updates that are not going to be applied anyway (an applied one tells by [`Applied::news`]).
    pub fn is_news(&self, update: &Update) -> bool {
        self.has_unseen_items(update)
            || (!update.delete_set().is_empty()
                && !update
                    .delete_set()
                    .diff(&self.doc.transact().snapshot().delete_set)
                    .is_empty())
    }

    /// Applies an update from storage (its text change is not needed).
    pub fn load(&self, update: &[u8]) -> Result<(), YjsError> {
        let update = decode_update(update)?;
        self.doc
            .transact_mut()
            .apply_update(update)
            .map_err(|e| YjsError::Apply(e.to_string()))
    }

    /// The first client whose changes in `update` do not continue where the document's end: the update
    /// depends on that client's earlier changes, which the document never received. (The JavaScript
    /// `yjs` parks such changes until the gap is filled, while `yrs` integrates what does not otherwise
    /// depend on the gap, so taking them would make the server's text differ from its Yjs peers'.)
    pub fn gap(&self, update: &Update) -> Option<Gap> {
        let txn = self.doc.transact();
        let mut known = txn.state_vector();
        // Changes already waiting count as received: a client typing on while its last update waits for
        // another's continues those.
        if let Some(pending) = txn.store().pending_update() {
            for (client, ranges) in pending.update.insertions(true).iter() {
                for range in ranges.iter() {
                    if range.start <= known.get(client) {
                        known.set_max(*client, range.end);
                    }
                }
            }
        }
        update
            .state_vector_lower()
            .iter()
            .map(|(client, &from)| Gap {
                client: client.get(),
                from,
                have: known.get(client),
            })
            .find(|gap| gap.from > gap.have)
    }

    /// Applies a client's update decoded with [`decode_update`], whose characters `strings` are (from
    /// [`super::text_only`]); returns what it did to the text as OT steps on the text before it. At
    /// most `max_parked` bytes of changes may wait for changes the document lacks (items whose
    /// neighbours, or deletions whose targets, it has not seen): over that, this update's waiting part
    /// is dropped, what waited before it is put back, and [`Applied::trimmed`] says so.
    pub fn apply(
        &self,
        update: Update,
        strings: &Strings,
        max_parked: usize,
    ) -> Result<Applied, YjsError> {
        let mut txn = self.doc.transact_mut();
        let parked_before = parked(&txn);
        let applied = txn.apply_update(update);
        let parked_bytes: usize = parked(&txn).iter().map(Vec::len).sum();
        let mut trimmed = None;
        if applied.is_ok() && parked_bytes > max_parked {
            txn.prune_pending();
            for earlier in parked_before {
                txn.apply_update(decode_update(&earlier)?)
                    .map_err(|e| YjsError::Apply(e.to_string()))?;
            }
            trimmed = Some(Trimmed {
                integrated: txn.encode_update_v1(),
                parked_bytes,
            });
        }
        let changed = !txn.insert_set().is_empty() || !txn.delete_set().is_empty();
        // Items whose neighbours, and deletions of items, not here yet wait in the store.
        let store = ReadTxn::store(&txn);
        let parked =
            store.pending_update().is_some() || store.pending_ds().is_some_and(|ds| !ds.is_empty());
        let found = steps_of(&txn, strings);
        self.want_delta.store(found.is_none(), Ordering::Relaxed);
        drop(txn); // commits: the observer records the delta if asked
        self.want_delta.store(false, Ordering::Relaxed);
        let delta = self.take_delta();
        applied.map_err(|e| YjsError::Apply(e.to_string()))?;
        Ok(Applied {
            steps: found.unwrap_or_else(|| delta_to_steps(&delta)),
            news: changed || parked,
            trimmed,
        })
    }

    /// Makes the text equal to `target` with one edit of this document's own (replacing what lies
    /// between the common prefix and suffix); `None` when they are already equal.
    pub fn reconcile(&self, target: &str) -> Option<Vec<u8>> {
        let current = self.text();
        if current == target {
            return None;
        }
        let prefix: usize = current
            .chars()
            .zip(target.chars())
            .take_while(|(a, b)| a == b)
            .map(|(a, _)| a.len_utf8())
            .sum();
        let suffix: usize = current[prefix..]
            .chars()
            .rev()
            .zip(target[prefix..].chars().rev())
            .take_while(|(a, b)| a == b)
            .map(|(a, _)| a.len_utf8())
            .sum();
        let at = to_pos(utf16_len(&current[..prefix]));
        let removed = to_pos(utf16_len(&current[prefix..current.len() - suffix]));
        let inserted = &target[prefix..target.len() - suffix];
        let mut steps = vec![Step::delete(at, removed)];
        if !inserted.is_empty() {
            steps.push(Step::insert(at, inserted));
        }
        self.apply_steps(&steps).ok()
    }

    /// The state vector (what this document has seen of every client).
    pub fn state_vector(&self) -> StateVector {
        self.doc.transact().state_vector()
    }

    /// Everything this document has that a peer with state vector `seen` lacks, as one v1 update.
    pub fn diff(&self, seen: &StateVector) -> Vec<u8> {
        self.doc.transact().encode_state_as_update_v1(seen)
    }

    /// The whole document as one v1 update.
    pub fn encode_state(&self) -> Vec<u8> {
        self.diff(&StateVector::default())
    }

    /// A position that follows the text, as Yjs's `relativePositionToJSON` writes it.
    pub fn sticky_json(&self, offset: Utf16Pos) -> Option<serde_json::Value> {
        let txn = self.doc.transact();
        let offset = offset.min(self.text.len(&txn));
        let index = self.text.sticky_index(&txn, offset, Assoc::After)?;
        serde_json::to_value(index).ok()
    }

    /// Where a Yjs relative position (JSON) points now, in UTF-16 units.
    pub fn offset_of_sticky(&self, json: &serde_json::Value) -> Option<Utf16Pos> {
        let index: StickyIndex = serde_json::from_value(json.clone()).ok()?;
        let txn = self.doc.transact();
        index.get_offset(&txn).map(|offset| offset.index)
    }

    fn take_delta(&self) -> Vec<Delta> {
        std::mem::take(&mut *self.delta.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// What applying a client's update did.
#[derive(Debug)]
pub struct Applied {
    /// Its change to the text, as OT steps on the text before it.
    pub steps: EditOp,
    /// Whether it brought anything: an item or deletion the document did not have, applied or parked
    /// until its dependencies arrive.
    pub news: bool,
    /// Set when it left more waiting for missing changes than allowed: that part was dropped.
    pub trimmed: Option<Trimmed>,
}

/// What the document took of an update whose waiting part was dropped.
#[derive(Debug)]
pub struct Trimmed {
    /// What it did take (usually nothing: the empty update), as one v1 update to log and relay in
    /// place of the client's.
    pub integrated: Vec<u8>,
    /// How many bytes would have waited.
    pub parked_bytes: usize,
}

/// The first gap in an update's own history: it continues `client`'s changes from `from`, but the
/// document has them only up to `have`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gap {
    /// The Yjs client whose earlier changes are missing.
    pub client: u64,
    /// The first clock of that client's changes in the update.
    pub from: u32,
    /// The clock the document has that client's changes up to.
    pub have: u32,
}

/// What waits in the document for changes it lacks, as v1 updates: the items, and the deletions (a
/// delete set after an empty list of items is a v1 update).
fn parked(txn: &impl ReadTxn) -> Vec<Vec<u8>> {
    let store = txn.store();
    let mut parked = Vec::new();
    if let Some(pending) = store.pending_update() {
        parked.push(pending.update.encode_v1());
    }
    if let Some(deletions) = store.pending_ds() {
        let mut update = vec![0];
        update.extend(deletions.encode_v1());
        parked.push(update);
    }
    parked
}

/// Decodes a v1 update.
pub fn decode_update(update: &[u8]) -> Result<Update, YjsError> {
    Update::decode_v1(update).map_err(|e| YjsError::Decode(e.to_string()))
}

fn to_pos(n: usize) -> Utf16Pos {
    Utf16Pos::try_from(n).unwrap_or(Utf16Pos::MAX)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::ot::TextBuffer;
    use crate::yjs::text_only;

    /// Applies a client's update as the engine does: checked, decoded once, with its characters.
    fn apply_bytes(server: &SharedText, update: &[u8]) -> Applied {
        let strings = text_only(update).unwrap();
        server
            .apply(decode_update(update).unwrap(), &strings, usize::MAX)
            .unwrap()
    }

    /// Applies `update` to `server` and checks that the steps it reports turn the text before into the
    /// text after.
    fn apply_checked(server: &SharedText, update: &[u8]) {
        let before = server.text();
        let applied = apply_bytes(server, update);
        let mut buffer = TextBuffer::new(&before);
        buffer.apply(&applied.steps).unwrap();
        assert_eq!(
            buffer.to_string(),
            server.text(),
            "steps {:?}",
            applied.steps
        );
    }

    /// An independent Yjs client (as a browser would run it).
    fn client(id: u64) -> (Doc, TextRef) {
        let mut options = Options::with_client_id(ClientID::new(id));
        options.offset_kind = OffsetKind::Utf16;
        let doc = Doc::with_options(options);
        let text = doc.get_or_insert_text(TEXT_NAME);
        (doc, text)
    }

    #[test]
    fn a_client_update_reads_back_as_steps_in_utf16_units() {
        let server = SharedText::new(1);
        let (doc, text) = client(2);
        let seed = server.apply_steps(&[Step::insert(0, "a😀b🎉c")]).unwrap();
        doc.transact_mut()
            .apply_update(Update::decode_v1(&seed).unwrap())
            .unwrap();
        let update = {
            let mut txn = doc.transact_mut();
            text.remove_range(&mut txn, 1, 2); // the 😀
            text.insert(&mut txn, 2, "𝔸x"); // after "ab" (now at 2)
            txn.encode_update_v1()
        };
        assert!(server.is_news(&decode_update(&update).unwrap()));
        let applied = apply_bytes(&server, &update);
        assert!(applied.news);
        let steps = applied.steps;
        let mut buffer = TextBuffer::new("a😀b🎉c");
        buffer.apply(&steps).unwrap();
        assert_eq!(buffer.to_string(), "ab𝔸x🎉c");
        assert_eq!(server.text(), "ab𝔸x🎉c");
        assert!(
            !server.is_news(&decode_update(&update).unwrap()),
            "applied twice it is old news"
        );
        assert!(!apply_bytes(&server, &update).news);
    }

    #[test]
    fn reconcile_replaces_only_the_middle() {
        let server = SharedText::new(1);
        server.apply_steps(&[Step::insert(0, "x😀yz")]).unwrap();
        assert!(server.reconcile("x😀yz").is_none());
        let update = server.reconcile("x😀🎉z").unwrap();
        assert_eq!(server.text(), "x😀🎉z");
        let (doc, text) = client(2);
        let full = server.encode_state();
        doc.transact_mut()
            .apply_update(Update::decode_v1(&full).unwrap())
            .unwrap();
        assert_eq!(yrs::GetString::get_string(&text, &doc.transact()), "x😀🎉z");
        assert!(!update.is_empty());
    }

    #[test]
    fn steps_past_the_end_are_refused_and_change_nothing() {
        let server = SharedText::new(1);
        server.apply_steps(&[Step::insert(0, "ab")]).unwrap();
        assert!(matches!(
            server.apply_steps(&[Step::insert(1, "x"), Step::delete(2, 5)]),
            Err(YjsError::OutOfRange { .. })
        ));
        assert_eq!(server.text(), "ab");
    }

    #[test]
    fn over_the_allowance_only_the_new_waiting_part_is_dropped() {
        let server = SharedText::new(1);
        let bounded = |update: &[u8]| {
            let strings = text_only(update).unwrap();
            server
                .apply(decode_update(update).unwrap(), &strings, 64)
                .unwrap()
        };
        let (author, text) = client(2);
        let unseen = {
            let mut txn = author.transact_mut();
            text.insert(&mut txn, 0, "abc");
            txn.encode_update_v1()
        };
        // A deletion of a character the server has not seen waits (a parked delete set).
        let (other, other_text) = client(3);
        other
            .transact_mut()
            .apply_update(Update::decode_v1(&unseen).unwrap())
            .unwrap();
        let delete = {
            let mut txn = other.transact_mut();
            other_text.remove_range(&mut txn, 1, 1);
            txn.encode_update_v1()
        };
        let waits = bounded(&delete);
        assert!(waits.news && waits.steps.is_empty() && waits.trimmed.is_none());
        let flood = {
            let mut txn = other.transact_mut();
            other_text.insert(&mut txn, 2, &"x".repeat(500));
            txn.encode_update_v1()
        };
        let refused = bounded(&flood);
        assert!(refused.steps.is_empty());
        let trimmed = refused.trimmed.unwrap();
        assert_eq!(trimmed.integrated, Update::EMPTY_V1);
        assert!(trimmed.parked_bytes > 500);
        // The deletion that waited before is still waiting: it applies when its target arrives.
        apply_checked(&server, &unseen);
        assert_eq!(server.text(), "ac");
    }

    #[test]
    fn sticky_positions_round_trip() {
        let server = SharedText::new(1);
        server.apply_steps(&[Step::insert(0, "ab😀cd")]).unwrap();
        let json = server.sticky_json(4).unwrap();
        assert_eq!(server.offset_of_sticky(&json), Some(4));
        server.apply_steps(&[Step::insert(0, "__")]).unwrap();
        assert_eq!(server.offset_of_sticky(&json), Some(6));
    }

    #[test]
    fn large_deletions_and_released_updates_fall_back_to_the_delta() {
        let server = SharedText::new(1);
        let (doc, text) = client(2);
        let typed = |at: u32, s: &str| {
            let mut txn = doc.transact_mut();
            text.insert(&mut txn, at, s);
            txn.encode_update_v1()
        };
        let first = typed(0, &"x😀".repeat(60));
        let second = typed(5, "middle");
        // The second arrives first: it waits for the first, then both land in one transaction whose
        // characters the first update alone does not carry.
        let parked = apply_bytes(&server, &second);
        assert!(parked.news && parked.steps.is_empty());
        apply_checked(&server, &first);
        assert_eq!(
            server.text(),
            yrs::GetString::get_string(&text, &doc.transact())
        );
        let cut = {
            let mut txn = doc.transact_mut();
            text.remove_range(&mut txn, 3, 150);
            txn.encode_update_v1()
        };
        apply_checked(&server, &cut);
        assert_eq!(
            server.text(),
            yrs::GetString::get_string(&text, &doc.transact())
        );
    }

    /// One client's action: `(client, kind, where (a fraction of the length), how much, what)`.
    type Action = (usize, u8, f64, usize, String);

    fn actions() -> impl Strategy<Value = Vec<Action>> {
        let text = prop::sample::select(vec!["a", "bc", "😀", "x𝔸y", "hello ", "\n"]);
        prop::collection::vec(
            (
                0..3usize,
                0..6u8,
                0.0..1.0f64,
                1..8usize,
                prop::collection::vec(text, 1..4),
            )
                .prop_map(|(c, k, at, n, parts)| (c, k, at, n, parts.concat())),
            1..60,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        /// Three clients edit concurrently (several changes per transaction, offline batches merged
        /// into one update) and send to the server in their own order: every update's steps turn the
        /// server's text before into its text after, and all end equal.
        #[test]
        fn steps_of_client_updates_replay_the_change(actions in actions()) {
            let server = SharedText::new(1);
            let clients: Vec<(Doc, TextRef)> = (0..3).map(|i| client(10 + i)).collect();
            let mut outboxes: Vec<Vec<Vec<u8>>> = vec![Vec::new(); 3];
            for (c, kind, at, n, s) in actions {
                let (doc, text) = &clients[c];
                // Positions on character boundaries, as an editor makes them.
                let current: Vec<char> = yrs::GetString::get_string(text, &doc.transact()).chars().collect();
                let units = |chars: &[char]| chars.iter().map(|c| c.len_utf16() as u32).sum::<u32>();
                let chars = current.len();
                let at_char = ((chars as f64 * at) as usize).min(chars);
                let at = units(&current[..at_char]);
                match kind {
                    0 | 1 => {
                        let mut txn = doc.transact_mut();
                        text.insert(&mut txn, at, &s);
                        if kind == 1 && at_char > 0 {
                            // A second change in the same transaction, to the left.
                            let before = units(&current[at_char - 1..at_char]);
                            text.remove_range(&mut txn, at - before, before);
                        }
                        outboxes[c].push(txn.encode_update_v1());
                    }
                    2 if at_char < chars => {
                        let gone = units(&current[at_char..(at_char + n).min(chars)]);
                        let mut txn = doc.transact_mut();
                        text.remove_range(&mut txn, at, gone);
                        outboxes[c].push(txn.encode_update_v1());
                    }
                    3 => {
                        // Offline: everything not sent goes as one update.
                        let pending = std::mem::take(&mut outboxes[c]);
                        if !pending.is_empty() {
                            apply_checked(&server, &yrs::merge_updates_v1(&pending).unwrap());
                        }
                    }
                    _ => {
                        for update in std::mem::take(&mut outboxes[c]) {
                            apply_checked(&server, &update);
                        }
                        // The client catches up with the server.
                        let missing = server.diff(&doc.transact().state_vector());
                        doc.transact_mut().apply_update(Update::decode_v1(&missing).unwrap()).unwrap();
                    }
                }
            }
            for (c, (doc, text)) in clients.iter().enumerate() {
                for update in std::mem::take(&mut outboxes[c]) {
                    apply_checked(&server, &update);
                }
                let missing = server.diff(&doc.transact().state_vector());
                doc.transact_mut().apply_update(Update::decode_v1(&missing).unwrap()).unwrap();
                prop_assert_eq!(yrs::GetString::get_string(text, &doc.transact()), server.text());
            }
        }
    }
}
