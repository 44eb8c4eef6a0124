//! Replays a real editing trace (`../shared/data/traces/automerge-paper.json.gz`, 259,778 edits) through
//! the session engine as `synq` JSON messages and checks the final text exactly.

#![allow(clippy::unwrap_used)] // tests fail loudly by design

mod common;

use std::path::PathBuf;

use common::participant;
use synq_core::EpochMillis;
use synq_core::auth::Role;
use synq_core::session::{Effect, SessionConfig, SessionEngine};

/// The traces folder: `$SYNQ_TRACES_DIR`, else `shared/data/traces` beside the repository.
fn traces_dir() -> PathBuf {
    std::env::var_os("SYNQ_TRACES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/traces")
        })
}

#[derive(serde::Deserialize)]
struct Trace {
    #[serde(rename = "endContent")]
    end_content: String,
    txns: Vec<Txn>,
}

#[derive(serde::Deserialize)]
struct Txn {
    patches: Vec<(usize, usize, String)>,
}

#[test]
fn automerge_paper_replays_to_its_end_content() {
    let path = traces_dir().join("automerge-paper.json.gz");
    let file = std::fs::File::open(&path)
        .unwrap_or_else(|e| panic!("trace {} missing: {e}", path.display()));
    let trace: Trace =
        serde_json::from_reader(flate2::read::GzDecoder::new(file)).expect("trace parses");

    // One author typing a whole paper as fast as the engine goes: no rate limits here.
    let config = SessionConfig {
        max_document_utf16: usize::MAX,
        messages_per_minute: u32::MAX,
        edits_per_minute: u32::MAX,
        ..SessionConfig::default()
    };
    let mut engine = SessionEngine::new("paper", config);
    let author = participant("author", Role::Editor);
    // Trace positions count code points; the protocol counts UTF-16 units, so track the text to convert.
    let mut mirror = ropey::Rope::new();
    let mut n = 0u64;
    for txn in &trace.txns {
        for (pos, del, ins) in &txn.patches {
            let at = mirror.char_to_utf16_cu(*pos);
            let del16 = mirror.char_to_utf16_cu(pos + del) - at;
            mirror.remove(*pos..pos + del);
            mirror.insert(*pos, ins);
            let mut steps = Vec::new();
            if *del > 0 {
                steps.push(serde_json::json!({"type": "delete", "position": at, "length": del16}));
            }
            if !ins.is_empty() {
                steps.push(serde_json::json!({"type": "insert", "position": at, "content": ins}));
            }
            let msg = serde_json::json!({"type": "edit", "version": n,
                "data": {"operation": {"type": "transform", "operation": steps}, "metadata": {"operation_id": n.to_string()}}});
            let effects = engine.handle_message(&author, &msg.to_string(), EpochMillis(n));
            let refused = effects.iter().find_map(|e| match e {
                Effect::Reply(r) if r.contains(r#""type":"error""#) => Some(r),
                _ => None,
            });
            assert!(refused.is_none(), "edit {n} refused: {refused:?}");
            n += 1;
        }
    }
    assert_eq!(engine.revision().0, n);
    assert!(
        engine.text() == trace.end_content,
        "final text differs from endContent"
    );
}
