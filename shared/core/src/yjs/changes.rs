//! What an applied update did to the text, as OT steps, found from the characters it touched rather than
//! by walking the whole text.
//!
//! yrs's text event delta walks every item of the `Y.Text`, tombstones included, with two set lookups
//! each: on a long-edited document that walk was most of a keystroke's cost. Here only the changed
//! characters are placed: the transaction's insert and delete sets say which they are, the update's own
//! bytes hold the inserted characters ([`Strings`]), and a sticky index gives a character's offset in
//! the text after the change (a walk to its left over flags only). Steps are then laid out left to
//! right in those offsets: everything left of a step is already as it ends up, so its offset after the
//! change is its position when it applies.
//!
//! Anything this does not cover (inserted characters the update does not carry, which happens when a
//! parked update's dependencies arrive, or a change needing more than [`MAX_PLACEMENTS`] placements:
//! deleted characters are placed one at a time, inserted runs by their ends, a single character once) returns `None`, and the
//! caller falls back to the full delta.

use std::collections::BTreeMap;

use yrs::{Assoc, ID, IdSet, StickyIndex, TransactionMut};

use super::scope::{StringBlock, Strings};
use crate::ot::{EditOp, Step};

/// Each placement is a walk over the text left of the character: past this many, the one walk of the
/// full delta is cheaper (a long deletion, a paste in many pieces, a sync step 2 of a whole document).
const MAX_PLACEMENTS: u32 = 128;

/// The steps of the change `txn` made, or `None` when they cannot be found this way.
pub(super) fn steps_of(txn: &TransactionMut, strings: &Strings) -> Option<EditOp> {
    let inserted = txn.insert_set();
    let deleted = txn.delete_set();
    let mut placer = Placer {
        txn,
        left: MAX_PLACEMENTS,
    };
    // Deletions by offset after the change: (count of characters gone there).
    let mut gone: BTreeMap<u32, u32> = BTreeMap::new();
    for (client, ranges) in deleted.iter() {
        for range in ranges.iter() {
            for clock in range.clone() {
                let id = ID::new(*client, clock);
                // Inserted and deleted in the same change: never part of the text.
                if !inserted.contains(&id) {
                    *gone.entry(placer.offset(id)?).or_default() += 1;
                }
            }
        }
    }
    let blocks = Blocks::new(strings);
    let mut added: Vec<(u32, String)> = Vec::new();
    for (client, ranges) in inserted.iter() {
        for range in ranges.iter() {
            let mut clock = range.start;
            while clock < range.end {
                let (block, block_end) = blocks.carrying(*client, clock)?;
                let end = range.end.min(block_end);
                for run in visible_runs(*client, clock..end, deleted) {
                    placer.place(block, run, &mut added)?;
                }
                clock = end;
            }
        }
    }
    // Left to right; where a deletion and an insertion share an offset, the deleted characters lay
    // to the left of the inserted ones, so they go first.
    let mut steps: Vec<(u32, bool, Step)> = gone
        .into_iter()
        .map(|(at, count)| (at, false, Step::delete(at, count)))
        .chain(
            added
                .into_iter()
                .map(|(at, text)| (at, true, Step::insert(at, text))),
        )
        .collect();
    steps.sort_by_key(|(at, is_insert, _)| (*at, *is_insert));
    Some(steps.into_iter().map(|(_, _, step)| step).collect())
}

/// An update's character runs by writer and clock, with each run's end clock.
struct Blocks<'s>(Vec<(yrs::ClientID, u32, u32, &'s StringBlock)>);

impl<'s> Blocks<'s> {
    fn new(strings: &'s Strings) -> Self {
        let mut blocks: Vec<_> = strings
            .iter()
            .map(|b| {
                let len = u32::try_from(crate::units::utf16_len(&b.text)).unwrap_or(u32::MAX);
                (b.client, b.clock, b.clock.saturating_add(len), b)
            })
            .collect();
        blocks.sort_by_key(|(client, clock, _, _)| (*client, *clock));
        Blocks(blocks)
    }

    /// The run that holds `client`'s character at `clock`, and its end clock.
    fn carrying(&self, client: yrs::ClientID, clock: u32) -> Option<(&'s StringBlock, u32)> {
        let after = self
            .0
            .partition_point(|(c, start, _, _)| (*c, *start) <= (client, clock));
        let (c, _, end, block) = self.0.get(after.checked_sub(1)?)?;
        (*c == client && clock < *end).then_some((*block, *end))
    }
}

/// The parts of `clocks` not deleted in the same change.
fn visible_runs(
    client: yrs::ClientID,
    clocks: std::ops::Range<u32>,
    deleted: &IdSet,
) -> Vec<std::ops::Range<u32>> {
    let mut runs = Vec::new();
    let mut start = None;
    for clock in clocks.clone() {
        let gone = deleted.contains(&ID::new(client, clock));
        match (gone, start) {
            (false, None) => start = Some(clock),
            (true, Some(from)) => {
                runs.push(from..clock);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(from) = start {
        runs.push(from..clocks.end);
    }
    runs
}

/// Places characters by their offset after the change, within [`MAX_PLACEMENTS`].
struct Placer<'t, 'doc> {
    txn: &'t TransactionMut<'doc>,
    left: u32,
}

impl Placer<'_, '_> {
    /// A character's offset in the text after the change; for a deleted one, where it was. `None` once
    /// the placements are spent.
    fn offset(&mut self, id: ID) -> Option<u32> {
        self.left = self.left.checked_sub(1)?;
        StickyIndex::from_id(id, Assoc::After)
            .get_offset(self.txn)
            .map(|offset| offset.index)
    }

    /// Places a run of one block's characters (in the document they keep their order, but other
    /// characters may have landed between them): whole when its ends are as far apart as its
    /// length, else in halves.
    fn place(
        &mut self,
        block: &StringBlock,
        run: std::ops::Range<u32>,
        added: &mut Vec<(u32, String)>,
    ) -> Option<()> {
        let first = self.offset(ID::new(block.client, run.start))?;
        // A single character (a keystroke, most updates) is its own last: one walk, not two.
        let last = match run.end - run.start {
            1 => first,
            _ => self.offset(ID::new(block.client, run.end - 1))?,
        };
        if last.checked_sub(first) == Some(run.end - run.start - 1) {
            let text = slice_utf16(&block.text, run.start - block.clock, run.end - block.clock)?;
            added.push((first, text));
            return Some(());
        }
        // Halves on a character boundary: a surrogate pair is never split (nothing lands inside one).
        let middle = boundary_near(block, run.start + (run.end - run.start) / 2, &run)?;
        self.place(block, run.start..middle, added)?;
        self.place(block, middle..run.end, added)
    }
}

/// A clock strictly inside `run` at a character boundary of `block`, at or next to `clock`.
fn boundary_near(block: &StringBlock, clock: u32, run: &std::ops::Range<u32>) -> Option<u32> {
    let mut units = block.clock;
    let mut before = None;
    for c in block.text.chars() {
        if units > run.start && units < run.end {
            if units >= clock {
                return Some(units);
            }
            before = Some(units);
        }
        units += u32::try_from(c.len_utf16()).unwrap_or(2);
    }
    before
}

/// `text[from..to]` in UTF-16 units; `None` if that would split a surrogate pair.
fn slice_utf16(text: &str, from: u32, to: u32) -> Option<String> {
    let (mut units, mut start, mut end) = (0u32, None, None);
    for (byte, c) in text.char_indices() {
        if units == from {
            start = Some(byte);
        }
        if units == to {
            end = Some(byte);
        }
        units += u32::try_from(c.len_utf16()).unwrap_or(2);
    }
    if units == to {
        end = Some(text.len());
    }
    Some(text[start?..end?].to_owned())
}
