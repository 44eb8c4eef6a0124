use serde::{Deserialize, Serialize};

use crate::units::{Utf16Pos, utf16_len};

/// One primitive text change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Step {
    /// Insert `content` before the UTF-16 offset `position`.
    Insert {
        /// Where, in UTF-16 code units.
        position: Utf16Pos,
        /// What.
        content: String,
    },
    /// Delete `length` UTF-16 code units starting at `position`.
    Delete {
        /// Where, in UTF-16 code units.
        position: Utf16Pos,
        /// How many UTF-16 code units.
        length: Utf16Pos,
    },
}

impl Step {
    /// A step that changes nothing (empty insert or zero-length delete).
    pub fn is_noop(&self) -> bool {
        match self {
            Step::Insert { content, .. } => content.is_empty(),
            Step::Delete { length, .. } => *length == 0,
        }
    }

    /// Length of the inserted text in UTF-16 code units (0 for a delete).
    pub(crate) fn insert_len(&self) -> u32 {
        match self {
            Step::Insert { content, .. } => u32::try_from(utf16_len(content)).unwrap_or(u32::MAX),
            Step::Delete { .. } => 0,
        }
    }
}

/// An edit: steps applied in order. The empty edit is valid and changes nothing.
pub type EditOp = Vec<Step>;
