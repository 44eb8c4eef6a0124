#!/usr/bin/env bash
# Runs SynQ's benchmarks (crate synq-bench) and keeps their JSON under target/bench/.
#
#   bash scripts/bench.sh                      # replay, then fanout (synq and floor), with the defaults
#   bash scripts/bench.sh replay [args...]     # only replay; args go to `synq-bench replay`
#   bash scripts/bench.sh fanout [args...]     # only fanout; e.g. --readers 10 --targets floor
#   bash scripts/bench.sh yjs [args...]        # only yjs-fanout: SynQ's Yjs endpoint, the floor, Hocuspocus
#                                              # and the y-websocket server (bench/yjs-peers, npm ci here)
#
# Builds the Worker once (scripts/build-worker.sh); fanout then starts wrangler with SYNQ_PREBUILT=1.
# Each report is written to target/bench/<name>-<UTC time>.json and copied to target/bench/<name>.json.
# Exit status: non-zero if any bench failed (its JSON, if any, is still kept).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

what="all"
if [[ $# -gt 0 && ( "$1" == "replay" || "$1" == "fanout" || "$1" == "yjs" || "$1" == "all" ) ]]; then
    what="$1"
    shift
fi
if [[ "$what" == "all" && $# -gt 0 ]]; then
    echo "bench: extra arguments need a command: bench.sh replay|fanout|yjs [args...]" >&2
    exit 2
fi

# shellcheck source=scripts/tools.sh
source "$root/scripts/tools.sh"

outdir="$root/target/bench"
mkdir -p "$outdir"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"

if [[ "$what" != "replay" ]]; then
    bash "$root/scripts/build-worker.sh" >&2
fi
if [[ "$what" == "yjs" || "$what" == "all" ]]; then
    # The native Yjs peers, pinned in bench/yjs-peers/package-lock.json.
    peers="$root/bench/yjs-peers"
    if [[ ! -f "$peers/node_modules/.package-lock.json" || "$peers/package-lock.json" -nt "$peers/node_modules/.package-lock.json" ]]; then
        npm ci --no-audit --no-fund --prefix "$peers" >&2
    fi
fi
cargo build -p synq-bench --release >&2

status=0
run() {
    local name="$1"
    shift
    local out="$outdir/$name-$stamp.json"
    local start=$SECONDS
    echo "bench: synq-bench $name $*" >&2
    if cargo run -q -p synq-bench --release -- "$name" "$@" >"$out"; then
        echo "bench: $name done in $((SECONDS - start))s" >&2
    else
        echo "bench: $name FAILED (exit $?) after $((SECONDS - start))s" >&2
        status=1
    fi
    if [[ -s "$out" ]]; then
        cp "$out" "$outdir/$name.json"
        echo "bench: $name JSON: $out (also $outdir/$name.json)"
    else
        rm -f "$out"
        echo "bench: $name wrote no JSON"
    fi
}

case "$what" in
    replay) run replay "$@" ;;
    fanout) run fanout "$@" ;;
    yjs) run yjs-fanout "$@" ;;
    all)
        run replay
        run fanout
        run yjs-fanout
        ;;
esac
exit "$status"
