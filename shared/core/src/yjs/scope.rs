//! What a client's update may change: only the text of the one `Y.Text` named `content`. Anything else
//! (another root type, a nested type, an attribute of the text, formatting, an embedded object, map or
//! array values) would grow the document without growing the text, so past the document's size limit
//! (which counts the text) and out of sight of the OT side. Checked on the encoded update before it is
//! applied, so a refused update leaves the document as it was.
//!
//! The same pass keeps the characters the update carries ([`Strings`]), so that what it did to the text
//! can be read off without walking the document (see `changes`).
//!
//! An item's parent is written only when it has no origin; one with an origin sits beside that origin,
//! in the same type — and every item the document holds is in `content`, since this check keeps it so.

use thiserror::Error;
use yrs::ClientID;
use yrs::encoding::read::{Cursor, Read};
use yrs::updates::decoder::{Decoder, DecoderV1};

use super::text::TEXT_NAME;
use crate::units::utf16_len;

/// Why an update may not be applied.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum OutsideText {
    /// The bytes are not a Yjs v1 update.
    #[error("not a Yjs update: {0}")]
    Decode(String),
    /// It writes to another shared type.
    #[error("the update writes to the shared type `{0}`")]
    RootType(String),
    /// It writes inside a nested shared type.
    #[error("the update writes inside a nested shared type")]
    Nested,
    /// It sets an attribute of the text.
    #[error("the update sets the attribute `{0}` of `content`")]
    Attribute(String),
    /// It inserts something other than characters.
    #[error("the update inserts {0}")]
    Content(&'static str),
}

// Block kinds of the v1 encoding (the low 5 bits of a block's info byte); see yrs `block.rs`.
const GC: u8 = 0;
const DELETED: u8 = 1;
const STRING: u8 = 4;
const SKIP: u8 = 10;
const HAS_ORIGIN: u8 = 0b1000_0000;
const HAS_RIGHT_ORIGIN: u8 = 0b0100_0000;
const HAS_PARENT_SUB: u8 = 0b0010_0000;

/// A run of characters an update carries: the client that wrote them and the clock of the first (each
/// UTF-16 unit takes one clock tick, as in Yjs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringBlock {
    /// The writer.
    pub client: ClientID,
    /// The clock of the first character.
    pub clock: u32,
    /// The characters.
    pub text: String,
}

/// Every run of characters in an update, in its order.
pub type Strings = Vec<StringBlock>;

/// `Ok` with the characters it carries when `update` inserts only characters into `content` (and
/// deletes whatever it likes).
pub fn text_only(update: &[u8]) -> Result<Strings, OutsideText> {
    let decode = |e: yrs::encoding::read::Error| OutsideText::Decode(e.to_string());
    let mut decoder = DecoderV1::new(Cursor::new(update));
    let mut strings = Strings::new();
    let clients: u32 = decoder.read_var().map_err(decode)?;
    for _ in 0..clients {
        let blocks: u32 = decoder.read_var().map_err(decode)?;
        let client = decoder.read_client().map_err(decode)?;
        let mut clock: u32 = decoder.read_var().map_err(decode)?;
        for _ in 0..blocks {
            let info = decoder.read_info().map_err(decode)?;
            match info {
                SKIP => {
                    let len: u32 = decoder.read_var().map_err(decode)?;
                    clock = clock.saturating_add(len);
                    continue;
                }
                GC => {
                    clock = clock.saturating_add(decoder.read_len().map_err(decode)?);
                    continue;
                }
                _ => {}
            }
            if info & HAS_ORIGIN != 0 {
                decoder.read_left_id().map_err(decode)?;
            }
            if info & HAS_RIGHT_ORIGIN != 0 {
                decoder.read_right_id().map_err(decode)?;
            }
            if info & (HAS_ORIGIN | HAS_RIGHT_ORIGIN) == 0 {
                if !decoder.read_parent_info().map_err(decode)? {
                    return Err(OutsideText::Nested);
                }
                let parent = decoder.read_string().map_err(decode)?;
                if parent != TEXT_NAME {
                    return Err(OutsideText::RootType(parent.to_owned()));
                }
                if info & HAS_PARENT_SUB != 0 {
                    let key = decoder.read_string().map_err(decode)?;
                    return Err(OutsideText::Attribute(key.to_owned()));
                }
            }
            match info & 0b1_1111 {
                DELETED => {
                    clock = clock.saturating_add(decoder.read_len().map_err(decode)?);
                }
                STRING => {
                    let text = decoder.read_string().map_err(decode)?;
                    let len = u32::try_from(utf16_len(text)).unwrap_or(u32::MAX);
                    strings.push(StringBlock {
                        client,
                        clock,
                        text: text.to_owned(),
                    });
                    clock = clock.saturating_add(len);
                }
                kind => return Err(OutsideText::Content(content_name(kind))),
            }
        }
    }
    Ok(strings)
}

fn content_name(kind: u8) -> &'static str {
    match kind {
        2 | 8 => "values (a map's or an array's)",
        3 => "binary content",
        5 => "an embedded object",
        6 => "formatting",
        7 => "a shared type",
        9 => "a subdocument",
        _ => "content of an unknown kind",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashMap;

    use yrs::{Any, Array, Doc, Map, ReadTxn, Text, Transact, WriteTxn};

    use super::*;

    /// The update of one transaction `f` on a document that holds some text already.
    fn update_of(f: impl FnOnce(&mut yrs::TransactionMut)) -> Vec<u8> {
        let doc = Doc::with_client_id(9);
        let content = doc.get_or_insert_text(TEXT_NAME);
        content.insert(&mut doc.transact_mut(), 0, "seed");
        let mut txn = doc.transact_mut();
        f(&mut txn);
        txn.encode_update_v1()
    }

    #[test]
    fn characters_and_deletions_in_content_pass() {
        let update = update_of(|txn| {
            let content = txn.get_or_insert_text(TEXT_NAME);
            content.insert(txn, 2, "😀 more");
            content.remove_range(txn, 0, 1);
        });
        assert!(text_only(&update).is_ok());
        // A whole document's state, as a sync step 2 carries it.
        let doc = Doc::with_client_id(3);
        let content = doc.get_or_insert_text(TEXT_NAME);
        content.insert(&mut doc.transact_mut(), 0, "abc");
        content.remove_range(&mut doc.transact_mut(), 1, 1);
        let state = doc
            .transact()
            .encode_state_as_update_v1(&yrs::StateVector::default());
        assert!(text_only(&state).is_ok());
    }

    #[test]
    fn anything_else_is_named() {
        let other = update_of(|txn| {
            txn.get_or_insert_map("meta").insert(txn, "k", "v");
        });
        assert_eq!(
            text_only(&other),
            Err(OutsideText::RootType("meta".to_owned()))
        );
        let array = update_of(|txn| {
            txn.get_or_insert_array("list").push_back(txn, 1);
        });
        assert_eq!(
            text_only(&array),
            Err(OutsideText::RootType("list".to_owned()))
        );
        // Y.Text's `setAttribute` writes a keyed entry under `content`, as a map's `set` does.
        let doc = Doc::with_client_id(9);
        let keyed = doc.get_or_insert_map(TEXT_NAME);
        let attribute = {
            let mut txn = doc.transact_mut();
            keyed.insert(&mut txn, "lang", "qasm");
            txn.encode_update_v1()
        };
        assert_eq!(
            text_only(&attribute),
            Err(OutsideText::Attribute("lang".to_owned()))
        );
        let bold = HashMap::from([("bold".into(), Any::Bool(true))]);
        let formatted = update_of(|txn| {
            let content = txn.get_or_insert_text(TEXT_NAME);
            content.format(txn, 0, 2, bold);
        });
        assert_eq!(
            text_only(&formatted),
            Err(OutsideText::Content("formatting"))
        );
        let embed = update_of(|txn| {
            let content = txn.get_or_insert_text(TEXT_NAME);
            content.insert_embed(txn, 1, Any::from("x".repeat(100)));
        });
        assert_eq!(
            text_only(&embed),
            Err(OutsideText::Content("an embedded object"))
        );
        assert!(matches!(text_only(&[1, 2, 3]), Err(OutsideText::Decode(_))));
    }
}
