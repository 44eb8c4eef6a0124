//! Threaded comments anchored to lines. A thread remembers its line as the UTF-16 range of that line's
//! text; edits shift the range, so the thread follows its line as lines come and go above it, and it is
//! marked orphaned (kept, unanchored) when its whole line is deleted.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ot::{Delete, Insert, Step, TextBuffer};
use crate::protocol::{CommentReply, CommentView};
use crate::units::{EpochMillis, Revision, Utf16Pos};

/// Where a thread's line is: `[start, end)` is its text, the line break (if any) is at `end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineAnchor {
    /// Offset of the line's first unit.
    pub start: Utf16Pos,
    /// Offset just past the line's last unit (its `\n`, if it has one, is here).
    pub end: Utf16Pos,
}

impl LineAnchor {
    /// The range of `line` in `text` (which must exist).
    fn of_line(text: &TextBuffer, line: u32) -> Self {
        let start = text.offset_of(crate::units::LineCol { line, column: 0 });
        let end = text.offset_of(crate::units::LineCol {
            line,
            column: u32::MAX,
        });
        LineAnchor { start, end }
    }

    /// Moves the anchor over one step applied to a text of `len` units; `false` if it deleted the line.
    fn shift(&mut self, step: &Step, len: u32) -> bool {
        match step {
            // Text inserted at the line's start is on (or above) the line: the start moves right.
            Step::Insert(Insert { position, .. }) => {
                let n = step.insert_len();
                if *position <= self.start {
                    self.start = self.start.saturating_add(n);
                }
                if *position <= self.end {
                    self.end = self.end.saturating_add(n);
                }
                true
            }
            Step::Delete(Delete { position, length }) => {
                let (p, q) = (*position, position.saturating_add(*length));
                // Gone: its text and its line break, or (last line) its text and the break before it.
                let whole_line = p <= self.start && q > self.end;
                let whole_last_line = self.end == len && p < self.start && q >= self.end;
                if whole_line || whole_last_line {
                    self.start = p;
                    self.end = p;
                    return false;
                }
                let map = |x: u32| if x >= q { x - length } else { x.min(p) };
                self.start = map(self.start);
                self.end = map(self.end);
                true
            }
        }
    }
}

/// One thread, as kept and persisted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentThread {
    /// The thread's id.
    pub comment_id: String,
    /// The author's id for the request that started it (a resend finds the thread instead of adding one).
    pub operation_id: String,
    /// Who started it.
    pub author: String,
    /// The first comment.
    pub text: String,
    /// When the server received it.
    pub created_at: EpochMillis,
    /// Resolved or open.
    pub resolved: bool,
    /// Replies, oldest first.
    pub replies: Vec<CommentReply>,
    /// Its line, as of `revision`; `None` once orphaned.
    pub anchor: Option<LineAnchor>,
    /// The revision `anchor` refers to.
    pub revision: Revision,
}

impl CommentThread {
    /// How clients see it on `text`.
    pub fn view(&self, text: &TextBuffer) -> CommentView {
        CommentView {
            comment_id: self.comment_id.clone(),
            line: self.anchor.map(|a| text.line_col(a.start).line),
            orphaned: self.anchor.is_none(),
            author: self.author.clone(),
            text: self.text.clone(),
            created_at: self.created_at,
            resolved: self.resolved,
            replies: self.replies.clone(),
        }
    }

    /// Moves the anchor over an edit that made `revision`; `true` if this edit orphaned the thread.
    pub(crate) fn shift(&mut self, op: &[Step], len_before: u32, revision: Revision) -> bool {
        if self.revision >= revision {
            return false; // saved after this edit (a restore replays edits the thread already saw)
        }
        self.revision = revision;
        let Some(anchor) = &mut self.anchor else {
            return false;
        };
        let mut len = len_before;
        for step in op {
            let alive = anchor.shift(step, len);
            len = match step {
                Step::Insert(_) => len.saturating_add(step.insert_len()),
                Step::Delete(d) => len.saturating_sub(d.length),
            };
            if !alive {
                self.anchor = None;
                return true;
            }
        }
        false
    }
}

/// Every thread of a session.
#[derive(Debug, Default)]
pub(crate) struct CommentBook {
    /// By the number in the id (`c7` → 7), so threads list oldest first.
    threads: BTreeMap<u64, CommentThread>,
    next_id: u64,
}

fn number(comment_id: &str) -> Option<u64> {
    comment_id.strip_prefix('c')?.parse().ok()
}

impl CommentBook {
    /// Takes back persisted threads.
    pub(crate) fn restore(&mut self, threads: Vec<CommentThread>) {
        for thread in threads {
            if let Some(n) = number(&thread.comment_id) {
                self.next_id = self.next_id.max(n + 1);
                self.threads.insert(n, thread);
            }
        }
    }

    /// The thread `author` started with `operation_id`, if any.
    pub(crate) fn started_by(&self, author: &str, operation_id: &str) -> Option<&CommentThread> {
        self.threads
            .values()
            .find(|t| t.author == author && t.operation_id == operation_id)
    }

    /// Starts a thread on `line` of `text`.
    pub(crate) fn add(
        &mut self,
        text: &TextBuffer,
        line: u32,
        (author, operation_id): (&str, &str),
        body: String,
        now: EpochMillis,
        revision: Revision,
    ) -> &CommentThread {
        let n = self.next_id;
        self.next_id += 1;
        let comment_id = format!("c{n}");
        let thread = CommentThread {
            comment_id: comment_id.clone(),
            operation_id: operation_id.to_owned(),
            author: author.to_owned(),
            text: body,
            created_at: now,
            resolved: false,
            replies: Vec::new(),
            anchor: Some(LineAnchor::of_line(text, line)),
            revision,
        };
        self.threads.entry(n).or_insert(thread)
    }

    pub(crate) fn get(&self, comment_id: &str) -> Option<&CommentThread> {
        self.threads.get(&number(comment_id)?)
    }

    pub(crate) fn get_mut(&mut self, comment_id: &str) -> Option<&mut CommentThread> {
        self.threads.get_mut(&number(comment_id)?)
    }

    pub(crate) fn remove(&mut self, comment_id: &str) -> Option<CommentThread> {
        self.threads.remove(&number(comment_id)?)
    }

    /// Moves every anchor over an applied edit; returns the threads it orphaned.
    pub(crate) fn shift(
        &mut self,
        op: &[Step],
        len_before: u32,
        revision: Revision,
    ) -> Vec<CommentThread> {
        self.threads
            .values_mut()
            .filter_map(|t| t.shift(op, len_before, revision).then(|| t.clone()))
            .collect()
    }

    pub(crate) fn all(&self) -> impl Iterator<Item = &CommentThread> {
        self.threads.values()
    }
}
