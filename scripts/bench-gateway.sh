#!/usr/bin/env bash
# The API gateway's throughput and latency under wrangler dev (bench/gateway/run.mjs), with oha as the load
# generator: installs oha (crates.io, pinned) under ~/.cache/synq-tools if missing, builds the Worker and
# the SDK the e2e harness needs, and writes target/bench/gateway-<UTC time>.json (and gateway.json).
#
#   bash scripts/bench-gateway.sh [--seconds 10] [--connections 16] [--repeat 3]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/tools.sh
source scripts/tools.sh

OHA_VERSION="1.16.0"
oha_root="${SYNQ_TOOLS_DIR:-$HOME/.cache/synq-tools}/oha-$OHA_VERSION"
if [[ ! -x "$oha_root/bin/oha" ]]; then
    echo "bench-gateway: installing oha $OHA_VERSION (a few minutes)" >&2
    cargo install oha --version "$OHA_VERSION" --locked --root "$oha_root" >&2
fi

bash scripts/build-worker.sh >&2
[[ -f target/sdk-node/synq_sdk.js ]] || bash scripts/build-sdk.sh >&2

outdir="$root/target/bench"
mkdir -p "$outdir"
out="$outdir/gateway-$(date -u +%Y%m%dT%H%M%SZ).json"
SYNQ_PREBUILT=1 OHA_BIN="$oha_root/bin/oha" node bench/gateway/run.mjs "$@" >"$out"
cp "$out" "$outdir/gateway.json"
echo "bench-gateway: $out (also $outdir/gateway.json)"
