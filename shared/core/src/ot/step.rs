use serde::{Deserialize, Serialize};

use crate::units::{Utf16Pos, utf16_len};

/// Insert `content` before the UTF-16 offset `position`: the wire's `insert` operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Insert {
    /// Where, in UTF-16 code units.
    pub position: Utf16Pos,
    /// What.
    pub content: String,
}

/// Delete `length` UTF-16 code units starting at `position`: the wire's `delete` operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delete {
    /// Where, in UTF-16 code units.
    pub position: Utf16Pos,
    /// How many UTF-16 code units.
    pub length: Utf16Pos,
}

/// One primitive text change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Step {
    /// An insertion.
    Insert(Insert),
    /// A deletion.
    Delete(Delete),
}

impl Step {
    /// An insert step.
    pub fn insert(position: Utf16Pos, content: impl Into<String>) -> Self {
        Step::Insert(Insert {
            position,
            content: content.into(),
        })
    }

    /// A delete step.
    pub fn delete(position: Utf16Pos, length: Utf16Pos) -> Self {
        Step::Delete(Delete { position, length })
    }

    /// A step that changes nothing (empty insert or zero-length delete).
    pub fn is_noop(&self) -> bool {
        match self {
            Step::Insert(i) => i.content.is_empty(),
            Step::Delete(d) => d.length == 0,
        }
    }

    /// Length of the inserted text in UTF-16 code units (0 for a delete).
    pub fn insert_len(&self) -> u32 {
        match self {
            Step::Insert(i) => u32::try_from(utf16_len(&i.content)).unwrap_or(u32::MAX),
            Step::Delete(_) => 0,
        }
    }
}

/// An edit: steps applied in order. The empty edit is valid and changes nothing.
pub type EditOp = Vec<Step>;
