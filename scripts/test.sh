#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what is missing (scripts/tools.sh), then
# formatting, lints, native tests, the Worker build (with its gzip size), the SDK build, and the
# end-to-end suite against a real `wrangler dev`. CI runs exactly this (.ci/run).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/tools.sh
source scripts/tools.sh

step() { printf '\n== %s (%ss)\n' "$1" "$SECONDS"; }

# CI builds everything once from cold, where incremental compilation only adds work.
if [[ "${CI:-}" == "true" ]]; then
    export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
fi

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy --all-targets -D warnings (native)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo clippy (wasm32: the Worker and its Durable Object)"
cargo clippy --locked --target wasm32-unknown-unknown -p synq-api-worker -p synq-durable-objects -p synq-sdk -- -D warnings

step "cargo clippy (wasm32-wasip2: the trainer component)"
cargo clippy --locked --target wasm32-wasip2 -p synq-trainer -- -D warnings

step "trainer component for wasm32-wasip2 (the batch runner's tests run it)"
cargo build --locked --release --target wasm32-wasip2 -p synq-trainer

step "cargo test --workspace"
cargo test --workspace --locked

step "Worker build (gzip size below)"
bash scripts/build-worker.sh

step "SDK build for Node"
bash scripts/build-sdk.sh

step "schemathesis (pinned, for the OpenAPI e2e test)"
bash tests/schemathesis/make_venv.sh

step "end-to-end suite against wrangler dev"
SYNQ_PREBUILT=1 node --test --test-concurrency=1 tests/e2e/

step "done"
