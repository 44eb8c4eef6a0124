//! Operational transformation for plain text, positions in UTF-16 code units.
//!
//! An edit is a sequence of [`Step`]s applied one after another (each position is relative to the text
//! left by the previous step), so composing two edits is concatenation and a transformed delete that
//! had to split around a concurrent insert is simply two steps.

mod step;
mod text;
mod transform;

pub use step::{Delete, EditOp, Insert, Step};
pub use text::{OtError, TextBuffer};
pub use transform::{Priority, map_position, transform};
