//! A `Y.Text` delta (retain / insert / delete, lengths in UTF-16 units) as OT steps.

use yrs::types::Delta;
use yrs::{Any, Out};

use crate::ot::{EditOp, Step};

/// What an embedded object (not text) stands for in the OT text: one UTF-16 unit, as in `Y.Text`.
pub const EMBED_PLACEHOLDER: &str = "\u{FFFC}";

/// Converts a delta over the text before a change into steps applied in order. A delta walks the old text
/// with a cursor; steps are positioned on the text as the earlier steps left it, so the cursor position
/// is each step's position.
pub fn delta_to_steps(delta: &[Delta]) -> EditOp {
    let mut steps = EditOp::new();
    let mut at: u32 = 0;
    for change in delta {
        match change {
            Delta::Retain(len, _) => at = at.saturating_add(*len),
            Delta::Deleted(len) if *len > 0 => steps.push(Step::delete(at, *len)),
            Delta::Deleted(_) => {}
            Delta::Inserted(value, _) => {
                let content = match value {
                    Out::Any(Any::String(s)) => s.to_string(),
                    _ => EMBED_PLACEHOLDER.to_owned(),
                };
                let step = Step::insert(at, content);
                at = at.saturating_add(step.insert_len());
                if !step.is_noop() {
                    steps.push(step);
                }
            }
        }
    }
    steps
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::ot::TextBuffer;

    fn insert(s: &str) -> Delta {
        Delta::Inserted(Out::Any(Any::String(s.into())), None)
    }

    #[test]
    fn non_bmp_characters_count_two_units() {
        // "a😀b🎉c": retain "a😀" (3 units), delete "b", insert "𝔸", retain "🎉" (2), delete "c".
        let delta = [
            Delta::Retain(3, None),
            Delta::Deleted(1),
            insert("𝔸"),
            Delta::Retain(2, None),
            Delta::Deleted(1),
        ];
        let steps = delta_to_steps(&delta);
        assert_eq!(
            steps,
            vec![Step::delete(3, 1), Step::insert(3, "𝔸"), Step::delete(7, 1),]
        );
        let mut text = TextBuffer::new("a😀b🎉c");
        text.apply(&steps).unwrap();
        assert_eq!(text.to_string(), "a😀𝔸🎉");
    }

    #[test]
    fn inserts_advance_the_cursor_and_embeds_take_one_unit() {
        let delta = [
            insert("😀😀"),
            Delta::Retain(1, None),
            Delta::Inserted(Out::Any(Any::Bool(true)), None),
            insert("z"),
            Delta::Deleted(0),
        ];
        let steps = delta_to_steps(&delta);
        assert_eq!(
            steps,
            vec![
                Step::insert(0, "😀😀"),
                Step::insert(5, EMBED_PLACEHOLDER),
                Step::insert(6, "z"),
            ]
        );
        let mut text = TextBuffer::new("q");
        text.apply(&steps).unwrap();
        assert_eq!(text.to_string(), "😀😀q\u{FFFC}z");
    }
}
