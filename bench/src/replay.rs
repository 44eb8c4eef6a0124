//! The replay bench: a real editing trace through the session engine natively, timed over several runs
//! and checked against the trace's end text. `--via synq` sends it as the JSON edit messages a synq
//! client would (`handle_message`); `--via yjs` as the y-websocket updates of a Yjs editor, one per
//! patch (`handle_yjs`: each becomes an OT revision through the text's delta).

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use synq_core::EpochMillis;
use synq_core::auth::Role;
use synq_core::session::{Effect, Participant, SessionConfig, SessionEngine};
use synq_core::yjs::budget::YjsLimits;
use synq_core::yjs::{TEXT_NAME, wire};
use yrs::{ClientID, Doc, OffsetKind, Options, Text, Transact};

use crate::median::median;
use crate::stats::round3;

/// The trace used when none is given.
pub(crate) const DEFAULT_TRACE: &str = "automerge-paper.json.gz";

/// `$SYNQ_TRACES_DIR`, else `../shared/data/traces` beside the repository root.
pub(crate) fn traces_dir(root: &Path) -> PathBuf {
    std::env::var_os("SYNQ_TRACES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/data/traces"))
}

#[derive(Deserialize)]
struct Trace {
    #[serde(rename = "startContent", default)]
    start_content: String,
    #[serde(rename = "endContent")]
    end_content: String,
    txns: Vec<Txn>,
}

#[derive(Deserialize)]
struct Txn {
    patches: Vec<(usize, usize, String)>,
}

/// How the trace reaches the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Via {
    /// synq edit messages.
    Synq,
    /// y-websocket update frames.
    Yjs,
}

impl std::str::FromStr for Via {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> anyhow::Result<Self> {
        match s {
            "synq" => Ok(Via::Synq),
            "yjs" => Ok(Via::Yjs),
            other => bail!("--via is synq or yjs, not `{other}`"),
        }
    }
}

/// The `replay` report.
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    trace: String,
    via: Via,
    edits: usize,
    final_len_chars: usize,
    runs: usize,
    /// Every run ended on the trace's `endContent`.
    pub(crate) text_matches: bool,
    median_total_ms: Option<f64>,
    median_ops_per_s: Option<f64>,
    best_total_ms: Option<f64>,
    total_ms: Vec<f64>,
    /// Median over the runs of the mean time per edit over the trace's last tenth, where the document
    /// is largest.
    last_tenth_us_per_edit: Option<f64>,
    /// Decompressing, parsing and turning the trace into messages (not timed in the runs).
    prepare_ms: f64,
}

/// One input to the engine.
enum Input {
    Message(String),
    Frame(Vec<u8>),
}

/// Loads the trace, turns it into edit messages or Yjs frames, and replays them `runs` times.
pub(crate) fn run(path: &Path, runs: usize, via: Via) -> anyhow::Result<Report> {
    let prepare = Instant::now();
    let file = File::open(path).with_context(|| format!("opening trace {}", path.display()))?;
    let trace: Trace = serde_json::from_reader(BufReader::new(flate2::read::GzDecoder::new(file)))
        .with_context(|| format!("reading trace {}", path.display()))?;
    if !trace.start_content.is_empty() {
        bail!("traces with a non-empty startContent are not supported");
    }
    let patches = utf16_patches(&trace.txns)?;
    let messages: Vec<Input> = match via {
        Via::Synq => to_messages(&patches)
            .into_iter()
            .map(Input::Message)
            .collect(),
        Via::Yjs => to_frames(&patches).into_iter().map(Input::Frame).collect(),
    };
    let prepare_ms = round3(prepare.elapsed().as_secs_f64() * 1000.0);
    eprintln!(
        "bench: replay {} ({} edits, prepared in {prepare_ms} ms)",
        path.display(),
        messages.len()
    );

    let author = author();
    let last_tenth = messages.len() - messages.len() / 10;
    let mut total_ms = Vec::with_capacity(runs);
    let mut tail_us = Vec::with_capacity(runs);
    let mut text_matches = true;
    for run in 0..runs {
        // One author replaying a whole paper at full speed: no rate limits here.
        let config = SessionConfig {
            max_document_utf16: usize::MAX,
            messages_per_minute: u32::MAX,
            edits_per_minute: u32::MAX,
            yjs: YjsLimits {
                updates_per_minute: u32::MAX,
                update_burst: u32::MAX,
                update_bytes_per_minute: u32::MAX,
                ..YjsLimits::default()
            },
            ..SessionConfig::default()
        };
        let mut engine = SessionEngine::new("replay", config);
        if via == Via::Yjs {
            engine
                .join_yjs(&author, EpochMillis(0))
                .map_err(|e| anyhow::anyhow!("joining: {}", e.message))?;
        }
        let started = Instant::now();
        let mut tail_started = started;
        for (n, input) in messages.iter().enumerate() {
            if n == last_tenth {
                tail_started = Instant::now();
            }
            let now = EpochMillis(n as u64);
            let effects = match input {
                Input::Message(message) => engine.handle_message(&author, message, now),
                Input::Frame(frame) => engine.handle_yjs(&author, frame, now),
            };
            if let Some(refused) = effects.iter().find_map(refusal) {
                bail!("edit {n} refused: {refused}");
            }
        }
        let elapsed = started.elapsed();
        let tail = tail_started.elapsed();
        tail_us.push(round3(
            tail.as_secs_f64() * 1e6 / (messages.len() - last_tenth).max(1) as f64,
        ));
        let matches = engine.text() == trace.end_content;
        text_matches &= matches;
        let ms = round3(elapsed.as_secs_f64() * 1000.0);
        eprintln!(
            "bench: replay run {}/{runs}: {ms} ms, {:.0} ops/s, text {}",
            run + 1,
            messages.len() as f64 / elapsed.as_secs_f64(),
            if matches { "matches" } else { "DIFFERS" }
        );
        total_ms.push(ms);
    }
    let median_total_ms = median(&total_ms);
    Ok(Report {
        via,
        trace: path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        edits: messages.len(),
        final_len_chars: trace.end_content.chars().count(),
        runs,
        text_matches,
        median_total_ms,
        median_ops_per_s: median_total_ms
            .filter(|ms| *ms > 0.0)
            .map(|ms| (messages.len() as f64 / (ms / 1000.0)).round()),
        best_total_ms: total_ms.iter().copied().reduce(f64::min),
        total_ms,
        last_tenth_us_per_edit: median(&tail_us),
        prepare_ms,
    })
}

/// The one editor who replays the trace.
fn author() -> Participant {
    Participant {
        user_id: "author".to_owned(),
        role: Role::Editor,
        name: None,
        connection_id: "replay".to_owned(),
        expires_at: None,
        token_role: None,
        read_only: false,
    }
}

/// An error reply among the effects (the engine serializes `type` first), or any answer to a Yjs
/// update (the engine answers one only to refuse it).
fn refusal(effect: &Effect) -> Option<String> {
    match effect {
        Effect::Reply(reply) if reply.starts_with(r#"{"type":"error""#) => Some(reply.clone()),
        Effect::ReplyYjs(frame) => Some(format!("a Yjs answer of {} bytes", frame.len())),
        _ => None,
    }
}

/// A trace patch in UTF-16 units: where, how many units it deletes, what it inserts.
struct Patch<'a> {
    at: usize,
    delete: usize,
    insert: &'a str,
}

/// The trace's patches with positions in UTF-16 units. Trace positions count code points; the
/// protocols count UTF-16 units, so a mirror of the text converts them.
fn utf16_patches(txns: &[Txn]) -> anyhow::Result<Vec<Patch<'_>>> {
    let mut mirror = ropey::Rope::new();
    let mut patches = Vec::new();
    for (pos, del, ins) in txns.iter().flat_map(|t| &t.patches) {
        let (pos, del) = (*pos, *del);
        if pos + del > mirror.len_chars() {
            bail!("patch {} ({pos}, {del}) is beyond the text", patches.len());
        }
        let at = mirror.char_to_utf16_cu(pos);
        let delete = mirror.char_to_utf16_cu(pos + del) - at;
        mirror.remove(pos..pos + del);
        mirror.insert(pos, ins);
        patches.push(Patch {
            at,
            delete,
            insert: ins,
        });
    }
    Ok(patches)
}

/// One y-websocket update frame per patch, as a Yjs editor typing the trace would send them.
fn to_frames(patches: &[Patch<'_>]) -> Vec<Vec<u8>> {
    let mut options = Options::with_client_id(ClientID::new(1));
    options.offset_kind = OffsetKind::Utf16;
    let doc = Doc::with_options(options);
    let text = doc.get_or_insert_text(TEXT_NAME);
    patches
        .iter()
        .map(|patch| {
            let mut txn = doc.transact_mut();
            // Positions fit in u32: a document that long is far past any session's limit.
            let at = patch.at as u32;
            if patch.delete > 0 {
                text.remove_range(&mut txn, at, patch.delete as u32);
            }
            if !patch.insert.is_empty() {
                text.insert(&mut txn, at, patch.insert);
            }
            wire::update(txn.encode_update_v1())
        })
        .collect()
}

/// One `edit` message per patch, each based on the revision before it.
fn to_messages(patches: &[Patch<'_>]) -> Vec<String> {
    let mut messages = Vec::with_capacity(patches.len());
    for &Patch { at, delete, insert } in patches {
        let mut steps = Vec::with_capacity(2);
        if delete > 0 {
            steps.push(serde_json::json!({"type": "delete", "position": at, "length": delete}));
        }
        if !insert.is_empty() {
            steps.push(serde_json::json!({"type": "insert", "position": at, "content": insert}));
        }
        let n = messages.len();
        let message = serde_json::json!({
            "type": "edit",
            "version": n,
            "data": {"operation": {"type": "transform", "operation": steps},
                     "metadata": {"operation_id": n.to_string()}},
        });
        messages.push(message.to_string());
    }
    messages
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Three patches; "😀" is one code point but two UTF-16 units.
    fn sample() -> Vec<Txn> {
        vec![Txn {
            patches: vec![
                (0, 0, "a😀b".into()),
                (2, 1, "c".into()),
                (1, 1, String::new()),
            ],
        }]
    }

    #[test]
    fn messages_count_utf16_and_replay_to_the_text() {
        let txns = sample();
        let messages = to_messages(&utf16_patches(&txns).unwrap());
        assert_eq!(messages.len(), 3);
        let second: serde_json::Value = serde_json::from_str(&messages[1]).unwrap();
        assert_eq!(second["data"]["operation"]["operation"][0]["position"], 3);

        let author = author();
        let mut engine = SessionEngine::new("t", SessionConfig::default());
        for (n, m) in messages.iter().enumerate() {
            let effects = engine.handle_message(&author, m, EpochMillis(n as u64));
            assert!(effects.iter().find_map(refusal).is_none(), "{effects:?}");
        }
        assert_eq!(engine.text(), "ac");
    }

    #[test]
    fn yjs_frames_replay_to_the_text() {
        let txns = sample();
        let frames = to_frames(&utf16_patches(&txns).unwrap());
        assert_eq!(frames.len(), 3);
        let author = author();
        let mut engine = SessionEngine::new("t", SessionConfig::default());
        engine.join_yjs(&author, EpochMillis(0)).unwrap();
        for (n, frame) in frames.iter().enumerate() {
            let effects = engine.handle_yjs(&author, frame, EpochMillis(n as u64));
            assert!(effects.iter().find_map(refusal).is_none(), "{effects:?}");
        }
        assert_eq!(engine.text(), "ac");
        assert_eq!(engine.revision().0, 3, "every update became a revision");
    }

    #[test]
    fn patches_beyond_the_text_are_refused() {
        let txns = vec![Txn {
            patches: vec![(1, 0, "x".into())],
        }];
        assert!(utf16_patches(&txns).is_err());
    }
}
