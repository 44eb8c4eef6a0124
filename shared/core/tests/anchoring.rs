//! Property: a cursor stays on its text. A cursor right after a marker character still sits right
//! after it whatever others insert or delete elsewhere (inserts at the cursor itself go after it).

#![allow(clippy::unwrap_used)] // tests fail loudly by design

mod common;

use common::{Hosted, participant, pump};
use proptest::prelude::*;
use serde_json::json;
use synq_core::EpochMillis;
use synq_core::auth::Role;
use synq_core::session::SessionConfig;

const MARK: char = 'Ω';
const WORDS: [&str; 5] = ["a", "😀", "\n", "cx q[0],q[1];\n", "é"];

/// UTF-16 offset of char index `c` in `text`.
fn utf16_at(text: &str, c: usize) -> usize {
    text.chars().take(c).map(char::len_utf16).sum()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn a_cursor_stays_after_its_character(
        prefix in "[a-c\n😀]{0,6}",
        suffix in "[a-c\n😀]{0,6}",
        edits in prop::collection::vec((any::<bool>(), any::<usize>(), 0..WORDS.len(), 1..4usize), 1..30),
    ) {
        let mut s = Hosted::new(SessionConfig::default());
        let (amy, bo) = (participant("amy", Role::Editor), participant("bo", Role::Editor));
        pump(&s.store, s.engine.join(&bo, EpochMillis(0)).unwrap());
        let start = format!("{prefix}{MARK}{suffix}");
        let op = json!({"type": "insert", "position": 0, "content": start});
        s.handle(&amy, &json!({"type": "edit", "version": 0, "data": {"operation": op, "metadata": {"operation_id": "init"}}}).to_string());
        // Bo's cursor goes right after the mark, given as line/column.
        let before_mark: String = prefix.clone();
        let line = before_mark.matches('\n').count();
        let column: usize = before_mark.rsplit('\n').next().unwrap().encode_utf16().count() + 1;
        let cursor = json!({"type": "presence", "data": {"operation": {"type": "cursor", "line": line, "column": column}}});
        s.handle(&bo, &cursor.to_string());

        for (i, (insert, at, word, len)) in edits.into_iter().enumerate() {
            let text = s.engine.text();
            let chars: Vec<char> = text.chars().collect();
            let mark_at = chars.iter().position(|c| *c == MARK).unwrap();
            let op = if insert {
                let c = at % (chars.len() + 1);
                json!({"type": "insert", "position": utf16_at(&text, c), "content": WORDS[word]})
            } else {
                // Delete a range that leaves the mark alone.
                let c = at % chars.len();
                let (from, to) = if c < mark_at { (c, (c + len).min(mark_at)) } else if c > mark_at { (c, (c + len).min(chars.len())) } else { continue };
                let (p, q) = (utf16_at(&text, from), utf16_at(&text, to));
                json!({"type": "delete", "position": p, "length": q - p})
            };
            let msg = json!({"type": "edit", "version": s.engine.revision().0, "data": {"operation": op, "metadata": {"operation_id": i.to_string()}}});
            s.handle(&amy, &msg.to_string());
        }
        let text = s.engine.text();
        let joined = pump(&s.store, s.engine.join(&participant("cy", Role::Guest), EpochMillis(0)).unwrap());
        let list: serde_json::Value = serde_json::from_str(&joined.replies[1]).unwrap();
        let bo_view = list["data"]["operation"]["participants"].as_array().unwrap().iter().find(|p| p["user_id"] == "bo").unwrap().clone();
        let (line, column) = (bo_view["cursor"]["line"].as_u64().unwrap() as usize, bo_view["cursor"]["column"].as_u64().unwrap() as usize);
        let line_text = text.split('\n').nth(line).unwrap();
        let before: Vec<u16> = line_text.encode_utf16().take(column).collect();
        prop_assert_eq!(before.last().copied(), Some(MARK as u16), "text {:?}, cursor {}:{}", text, line, column);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// A thread on the line holding the marker stays on the line holding it, whatever lines are
    /// inserted, split or joined around it, as long as the marker itself is not deleted.
    #[test]
    fn a_comment_stays_on_its_line(
        above in "[a-c\n]{0,8}",
        below in "[a-c\n]{0,8}",
        edits in prop::collection::vec((any::<bool>(), any::<usize>(), 0..WORDS.len(), 1..4usize), 1..30),
    ) {
        let mut s = Hosted::new(SessionConfig::default());
        let amy = participant("amy", Role::Editor);
        let start = format!("{above}\n{MARK}{MARK}\n{below}");
        let op = json!({"type": "insert", "position": 0, "content": start});
        s.handle(&amy, &json!({"type": "edit", "version": 0, "data": {"operation": op, "metadata": {"operation_id": "init"}}}).to_string());
        let line = above.matches('\n').count() + 1;
        let add = json!({"type": "comment", "data": {"operation": {"type": "add_comment", "line": line, "text": "look"}, "metadata": {"operation_id": "c"}}});
        s.handle(&amy, &add.to_string());

        for (i, (insert, at, word, len)) in edits.into_iter().enumerate() {
            let text = s.engine.text();
            let chars: Vec<char> = text.chars().collect();
            let op = if insert {
                let c = at % (chars.len() + 1);
                json!({"type": "insert", "position": utf16_at(&text, c), "content": WORDS[word]})
            } else {
                let from = at % chars.len();
                let to = (from + len).min(chars.len());
                if chars[from..to].contains(&MARK) {
                    continue;
                }
                let (p, q) = (utf16_at(&text, from), utf16_at(&text, to));
                json!({"type": "delete", "position": p, "length": q - p})
            };
            let msg = json!({"type": "edit", "version": s.engine.revision().0, "data": {"operation": op, "metadata": {"operation_id": i.to_string()}}});
            s.handle(&amy, &msg.to_string());
        }
        let text = s.engine.text();
        let marker_line = text.split('\n').position(|l| l.contains(MARK)).unwrap();
        let joined = pump(&s.store, s.engine.join(&participant("cy", Role::Guest), EpochMillis(0)).unwrap());
        let threads: serde_json::Value = serde_json::from_str(&joined.replies[2]).unwrap();
        let thread = &threads["data"]["operation"]["threads"][0];
        prop_assert_eq!(&thread["orphaned"], &json!(false));
        prop_assert_eq!(thread["line"].as_u64(), Some(marker_line as u64), "text {:?}", text);
    }
}
