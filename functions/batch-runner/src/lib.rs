//! SynQ's batch runner: runs the trainer component (`synq_trainer.wasm`, the `synq:trainer` world)
//! under wasmtime with fuel and memory limits ([`sandbox`]), on datasets it labels from the
//! generators and the committed corpus ([`data`]); leases jobs from the edge and reports back
//! ([`edge`], [`worker`]); measures models against baselines ([`measure`]).

pub mod data;
pub mod edge;
pub mod measure;
pub mod progress;
pub mod sandbox;
pub mod worker;

/// The trainer component built by `cargo build -p synq-trainer --target wasm32-wasip2 --release`.
pub fn default_component() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/wasm32-wasip2/release/synq_trainer.wasm")
}
