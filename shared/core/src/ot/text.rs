use ropey::Rope;
use thiserror::Error;

use super::step::{Delete, EditOp, Insert, Step};
use crate::units::{LineCol, Utf16Pos};

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

    /// The UTF-16 offset of `at`, clamped into the text: a line past the end means the last line, a
    /// column past a line's end means its end, and an offset inside a surrogate pair moves before it.
    pub fn offset_of(&self, at: LineCol) -> Utf16Pos {
        let last = self.rope.len_lines().saturating_sub(1);
        let line = usize::try_from(at.line).unwrap_or(usize::MAX).min(last);
        let start = self.rope.line_to_char(line);
        let start16 = self.rope.char_to_utf16_cu(start);
        let end = if line < last {
            self.rope.line_to_char(line + 1) - 1 // before the '\n'
        } else {
            self.rope.len_chars()
        };
        let end16 = self.rope.char_to_utf16_cu(end);
        let wanted = start16
            .saturating_add(usize::try_from(at.column).unwrap_or(usize::MAX))
            .min(end16);
        let snapped = self
            .rope
            .char_to_utf16_cu(self.rope.utf16_cu_to_char(wanted));
        u32::try_from(snapped).unwrap_or(u32::MAX)
    }

    /// The line and column of a UTF-16 offset (clamped to the text).
    pub fn line_col(&self, offset: Utf16Pos) -> LineCol {
        let offset = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.rope.len_utf16_cu());
        let char_idx = self.rope.utf16_cu_to_char(offset);
        let line = self.rope.char_to_line(char_idx);
        let start16 = self.rope.char_to_utf16_cu(self.rope.line_to_char(line));
        LineCol {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(self.rope.char_to_utf16_cu(char_idx) - start16)
                .unwrap_or(u32::MAX),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_and_offset_convert_both_ways_and_clamp() {
        let text = TextBuffer::new("ab\n😀c\n\nxyz");
        let at = |line, column| LineCol { line, column };
        assert_eq!(text.offset_of(at(1, 0)), 3);
        assert_eq!(text.offset_of(at(1, 2)), 5); // after the emoji
        assert_eq!(text.offset_of(at(1, 1)), 3); // inside the pair: before it
        assert_eq!(text.offset_of(at(0, 99)), 2); // clamped to the end of line 0
        assert_eq!(text.offset_of(at(9, 1)), 9); // last line, column 1
        for offset in [0, 2, 3, 5, 6, 7, 8, 10] {
            assert_eq!(text.offset_of(text.line_col(offset)), offset);
        }
        assert_eq!(text.line_col(6), at(1, 3));
        assert_eq!(text.line_col(99), at(3, 3));
    }
}
