use ropey::Rope;
use thiserror::Error;

use super::step::{Delete, EditOp, Insert, Step};

/// Why an edit could not be applied. The text is left unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OtError {
    /// The position or range ends past the end of the text.
    #[error("position {position} is past the end of the text ({len} UTF-16 units)")]
    OutOfRange {
        /// The offending offset.
        position: u64,
        /// The text's length in UTF-16 units.
        len: u64,
    },
    /// The offset falls between the two halves of a surrogate pair.
    #[error("position {position} splits a surrogate pair")]
    SplitsSurrogatePair {
        /// The offending offset.
        position: u64,
    },
}

/// The document text, indexed by UTF-16 offsets. A rope, so edits and offset conversions are O(log n).
#[derive(Debug, Clone, Default)]
pub struct TextBuffer {
    rope: Rope,
}

impl TextBuffer {
    /// A buffer holding `text`.
    pub fn new(text: &str) -> Self {
        TextBuffer {
            rope: Rope::from_str(text),
        }
    }

    /// Length in UTF-16 code units.
    pub fn len_utf16(&self) -> usize {
        self.rope.len_utf16_cu()
    }

    /// Converts a UTF-16 offset to a char index, refusing offsets past the end or inside a surrogate pair.
    fn char_index(&self, position: u64) -> Result<usize, OtError> {
        let len = self.rope.len_utf16_cu();
        let pos =
            usize::try_from(position)
                .ok()
                .filter(|p| *p <= len)
                .ok_or(OtError::OutOfRange {
                    position,
                    len: len as u64,
                })?;
        let char_idx = self.rope.utf16_cu_to_char(pos);
        if self.rope.char_to_utf16_cu(char_idx) != pos {
            return Err(OtError::SplitsSurrogatePair { position });
        }
        Ok(char_idx)
    }

    /// Applies one step and returns the step that undoes it.
    fn apply_step(&mut self, step: &Step) -> Result<Step, OtError> {
        Ok(match step {
            Step::Insert(Insert { position, content }) => {
                let at = self.char_index(u64::from(*position))?;
                self.rope.insert(at, content);
                Step::delete(*position, step.insert_len())
            }
            Step::Delete(Delete { position, length }) => {
                let start = self.char_index(u64::from(*position))?;
                let end = self.char_index(u64::from(*position) + u64::from(*length))?;
                let removed = self.rope.slice(start..end).to_string();
                self.rope.remove(start..end);
                Step::insert(*position, removed)
            }
        })
    }

    /// Applies every step, or none: on error the text is as it was.
    pub fn apply(&mut self, steps: &[Step]) -> Result<(), OtError> {
        self.apply_inverting(steps).map(drop)
    }

    /// Applies every step, or none, and returns the edit that undoes them all.
    pub fn apply_inverting(&mut self, steps: &[Step]) -> Result<EditOp, OtError> {
        match steps {
            [] => Ok(EditOp::new()),
            [single] => self.apply_step(single).map(|inverse| vec![inverse]),
            _ => {
                // Rope clones share their nodes, so keeping the old text costs O(1).
                let before = self.rope.clone();
                let mut inverse = Vec::with_capacity(steps.len());
                for step in steps {
                    match self.apply_step(step) {
                        Ok(undo) => inverse.push(undo),
                        Err(e) => {
                            self.rope = before;
                            return Err(e);
                        }
                    }
                }
                inverse.reverse();
                Ok(inverse)
            }
        }
    }
}

impl std::fmt::Display for TextBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for chunk in self.rope.chunks() {
            f.write_str(chunk)?;
        }
        Ok(())
    }
}
