#![allow(clippy::unwrap_used)]
//! The document the Worker serves (`openapi.json`, embedded at build time) is the one the types generate.

#[test]
fn the_committed_document_is_current() {
    let committed = include_str!("../openapi.json");
    assert!(
        committed.trim_end() == synq_openapi::document_json(),
        "shared/openapi/openapi.json is stale: run `cargo run -p synq-openapi > shared/openapi/openapi.json`"
    );
}
