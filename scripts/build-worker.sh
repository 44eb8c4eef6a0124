#!/usr/bin/env bash
# Builds the API Worker (functions/api-worker) with worker-build, offline, using the pinned tools
# from scripts/tools.sh. wrangler runs this as its [build] command.
#
#   bash scripts/build-worker.sh                   # release build, then prints gzip sizes
#   SYNQ_PREBUILT=1 bash scripts/build-worker.sh   # exit 0 at once if the output already exists
#                                                  # (tests build once, then start wrangler many times)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
crate="$root/functions/api-worker"
out="$crate/build"

if [[ "${SYNQ_PREBUILT:-}" == "1" && -f "$out/index.js" && -f "$out/index_bg.wasm" ]]; then
    echo "build-worker: SYNQ_PREBUILT=1 and $out exists, skipping build" >&2
    exit 0
fi

# shellcheck source=scripts/tools.sh
source "$root/scripts/tools.sh"

start=$SECONDS
(cd "$crate" && worker-build --release)
elapsed=$((SECONDS - start))

gz() { gzip -9 -c "$1" | wc -c; }
wasm_gz=$(gz "$out/index_bg.wasm")
total_gz=0
while IFS= read -r -d '' f; do
    total_gz=$((total_gz + $(gz "$f")))
done < <(find "$out" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.mjs' \) -print0)

kib() { awk -v b="$1" 'BEGIN { printf "%.1f KiB", b / 1024 }'; }
echo "build-worker: built in ${elapsed}s"
echo "build-worker: index_bg.wasm $(wc -c <"$out/index_bg.wasm") bytes raw, gzip -9 $wasm_gz bytes ($(kib "$wasm_gz"))"
echo "build-worker: total (wasm + js) gzip -9 $total_gz bytes ($(kib "$total_gz")); Free plan limit 3 MiB"
