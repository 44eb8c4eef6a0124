//! Newtypes for quantities that are easy to mix up.

use serde::{Deserialize, Serialize};

/// A document revision: 0 is the empty document, each applied edit adds one.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Revision(pub u64);

impl Revision {
    /// The revision after this one.
    pub fn next(self) -> Self {
        Revision(self.0 + 1)
    }
}

impl std::fmt::Display for Revision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Milliseconds since the Unix epoch, always handed in by the caller (the core never reads a clock).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct EpochMillis(pub u64);

/// A position or length in UTF-16 code units, as JavaScript strings, CodeMirror, Monaco and `Y.Text` count.
pub type Utf16Pos = u32;

/// A line/column position (both 0-based; the column counts UTF-16 units; only `\n` ends a line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineCol {
    /// 0-based line.
    pub line: u32,
    /// 0-based column in UTF-16 units.
    pub column: u32,
}

/// Length of `s` in UTF-16 code units.
pub fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}
