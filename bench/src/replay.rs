//! The replay bench: a real editing trace through `SessionEngine::handle_message` natively, as the JSON
//! edit messages a client would send, timed over several runs and checked against the trace's end text.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use synq_core::EpochMillis;
use synq_core::auth::Role;
use synq_core::session::{Effect, Participant, SessionConfig, SessionEngine};

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

/// The `replay` report.
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    trace: String,
    edits: usize,
    final_len_chars: usize,
    runs: usize,
    /// Every run ended on the trace's `endContent`.
    pub(crate) text_matches: bool,
    median_total_ms: Option<f64>,
    median_ops_per_s: Option<f64>,
    best_total_ms: Option<f64>,
    total_ms: Vec<f64>,
    /// Decompressing, parsing and turning the trace into messages (not timed in the runs).
    prepare_ms: f64,
}

/// Loads the trace, turns it into `synq` edit messages, and replays them `runs` times.
pub(crate) fn run(path: &Path, runs: usize) -> anyhow::Result<Report> {
    let prepare = Instant::now();
    let file = File::open(path).with_context(|| format!("opening trace {}", path.display()))?;
    let trace: Trace = serde_json::from_reader(BufReader::new(flate2::read::GzDecoder::new(file)))
        .with_context(|| format!("reading trace {}", path.display()))?;
    if !trace.start_content.is_empty() {
        bail!("traces with a non-empty startContent are not supported");
    }
    let messages = to_messages(&trace.txns)?;
    let prepare_ms = round3(prepare.elapsed().as_secs_f64() * 1000.0);
    eprintln!(
        "bench: replay {} ({} edits, prepared in {prepare_ms} ms)",
        path.display(),
        messages.len()
    );

    let author = Participant {
        user_id: "author".to_owned(),
        role: Role::Editor,
        name: None,
        connection_id: "replay".to_owned(),
        expires_at: None,
    };
    let mut total_ms = Vec::with_capacity(runs);
    let mut text_matches = true;
    for run in 0..runs {
        // One author replaying a whole paper at full speed: no rate limits here.
        let config = SessionConfig {
            max_document_utf16: usize::MAX,
            messages_per_minute: u32::MAX,
            edits_per_minute: u32::MAX,
            ..SessionConfig::default()
        };
        let mut engine = SessionEngine::new("replay", config);
        let started = Instant::now();
        for (n, message) in messages.iter().enumerate() {
            let effects = engine.handle_message(&author, message, EpochMillis(n as u64));
            if let Some(refused) = effects.iter().find_map(refusal) {
                bail!("edit {n} refused: {refused}");
            }
        }
        let elapsed = started.elapsed();
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
        prepare_ms,
    })
}

/// An error reply among the effects (the engine serializes `type` first).
fn refusal(effect: &Effect) -> Option<&str> {
    match effect {
        Effect::Reply(reply) if reply.starts_with(r#"{"type":"error""#) => Some(reply),
        _ => None,
    }
}

/// One `edit` message per patch, each based on the revision before it. Trace positions count code
/// points; the protocol counts UTF-16 units, so a mirror of the text converts them.
fn to_messages(txns: &[Txn]) -> anyhow::Result<Vec<String>> {
    let mut mirror = ropey::Rope::new();
    let mut messages = Vec::new();
    for (pos, del, ins) in txns.iter().flat_map(|t| &t.patches) {
        let (pos, del) = (*pos, *del);
        if pos + del > mirror.len_chars() {
            bail!("patch {} ({pos}, {del}) is beyond the text", messages.len());
        }
        let at = mirror.char_to_utf16_cu(pos);
        let del16 = mirror.char_to_utf16_cu(pos + del) - at;
        mirror.remove(pos..pos + del);
        mirror.insert(pos, ins);
        let mut steps = Vec::with_capacity(2);
        if del > 0 {
            steps.push(serde_json::json!({"type": "delete", "position": at, "length": del16}));
        }
        if !ins.is_empty() {
            steps.push(serde_json::json!({"type": "insert", "position": at, "content": ins}));
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
    Ok(messages)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn messages_count_utf16_and_replay_to_the_text() {
        // "😀" is one code point but two UTF-16 units.
        let txns = vec![Txn {
            patches: vec![
                (0, 0, "a😀b".into()),
                (2, 1, "c".into()),
                (1, 1, String::new()),
            ],
        }];
        let messages = to_messages(&txns).unwrap();
        assert_eq!(messages.len(), 3);
        let second: serde_json::Value = serde_json::from_str(&messages[1]).unwrap();
        assert_eq!(second["data"]["operation"]["operation"][0]["position"], 3);

        let author = Participant {
            user_id: "a".into(),
            role: Role::Editor,
            name: None,
            connection_id: "replay".into(),
            expires_at: None,
        };
        let mut engine = SessionEngine::new("t", SessionConfig::default());
        for (n, m) in messages.iter().enumerate() {
            let effects = engine.handle_message(&author, m, EpochMillis(n as u64));
            assert!(effects.iter().find_map(refusal).is_none(), "{effects:?}");
        }
        assert_eq!(engine.text(), "ac");
    }

    #[test]
    fn patches_beyond_the_text_are_refused() {
        let txns = vec![Txn {
            patches: vec![(1, 0, "x".into())],
        }];
        assert!(to_messages(&txns).is_err());
    }
}
