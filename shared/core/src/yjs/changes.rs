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
//! parked update's dependencies arrive, or large deletions, placed one character at a time) returns
//! `None`, and the caller falls back to the full delta.

use std::collections::BTreeMap;

use yrs::{Assoc, ID, IdSet, StickyIndex, TransactionMut};

use super::scope::{StringBlock, Strings};
use crate::ot::{EditOp, Step};

/// Deleted characters are placed one at a time: past this many the full delta is cheaper.
const MAX_PLACED_DELETIONS: u32 = 64;

/// The steps of the change `txn` made, or `None` when they cannot be found this way.
pub(super) fn steps_of(txn: &TransactionMut, strings: &Strings) -> Option<EditOp> {
    let inserted = txn.insert_set();
    let deleted = txn.delete_set();
    // Deletions by offset after the change: (count of characters gone there).
    let mut gone: BTreeMap<u32, u32> = BTreeMap::new();
    let mut placed = 0u32;
    for (client, ranges) in deleted.iter() {
        for range in ranges.iter() {
            for clock in range.clone() {
                let id = ID::new(*client, clock);
                // Inserted and deleted in the same change: never part of the text.
                if inserted.contains(&id) {
                    continue;
                }
                placed += 1;
                if placed > MAX_PLACED_DELETIONS {
                    return None;
                }
                *gone.entry(offset_of(txn, id)?).or_default() += 1;
            }
        }
    }
    let mut added: Vec<(u32, String)> = Vec::new();
    for (client, ranges) in inserted.iter() {
        for range in ranges.iter() {
            let mut clock = range.start;
            while clock < range.end {
                let block = carrying(strings, *client, clock)?;
                let end = range.end.min(block_end(block));
                for run in visible_runs(*client, clock..end, deleted) {
                    place(txn, block, run, &mut added)?;
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

/// The block of `strings` that holds `client`'s character at `clock`.
fn carrying(strings: &Strings, client: yrs::ClientID, clock: u32) -> Option<&StringBlock> {
    strings
        .iter()
        .find(|b| b.client == client && b.clock <= clock && clock < block_end(b))
}

fn block_end(block: &StringBlock) -> u32 {
    let len = u32::try_from(crate::units::utf16_len(&block.text)).unwrap_or(u32::MAX);
    block.clock.saturating_add(len)
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

/// Places a run of one block's characters (in the document they keep their order, but other
/// characters may have landed between them): whole when its ends are as far apart as its length, else
/// in halves.
fn place(
    txn: &TransactionMut,
    block: &StringBlock,
    run: std::ops::Range<u32>,
    added: &mut Vec<(u32, String)>,
) -> Option<()> {
    let first = offset_of(txn, ID::new(block.client, run.start))?;
    let last = offset_of(txn, ID::new(block.client, run.end - 1))?;
    if last.checked_sub(first) == Some(run.end - run.start - 1) {
        added.push((
            first,
            slice_utf16(&block.text, run.start - block.clock, run.end - block.clock)?,
        ));
        return Some(());
    }
    // Halves on a character boundary: a surrogate pair is never split (nothing lands inside one).
    let middle = boundary_near(block, run.start + (run.end - run.start) / 2, &run)?;
    place(txn, block, run.start..middle, added)?;
    place(txn, block, middle..run.end, added)
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

/// A character's offset in the text after the change; for a deleted one, where it was.
fn offset_of(txn: &TransactionMut, id: ID) -> Option<u32> {
    StickyIndex::from_id(id, Assoc::After)
        .get_offset(txn)
        .map(|offset| offset.index)
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
