#!/usr/bin/env bash
# Builds the synq client SDK (sdk/) for Node with wasm-bindgen into target/sdk-node/, where the
# end-to-end tests import it. Browsers use `--target web` the same way.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/tools.sh
source "$root/scripts/tools.sh"

cd "$root"
cargo build --quiet -p synq-sdk --target wasm32-unknown-unknown --release
"$WASM_BINDGEN_BIN" --target nodejs --out-dir target/sdk-node \
    target/wasm32-unknown-unknown/release/synq_sdk.wasm
echo "build-sdk: target/sdk-node/synq_sdk.js"
