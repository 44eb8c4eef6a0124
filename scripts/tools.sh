#!/usr/bin/env bash
# Pinned build tools for the Cloudflare Worker. Idempotent: installs only what is missing.
#
#   source scripts/tools.sh   # installs if needed, then exports PATH and the *_BIN variables
#   bash scripts/tools.sh     # installs if needed and prints the environment it would export
#
# Exports (absolute paths), so that worker-build downloads nothing at build time:
#   WASM_BINDGEN_BIN  wasm-bindgen-cli 0.2.129 (worker-build would fetch it from GitHub: fails offline)
#   WASM_OPT_BIN      wasm-opt 132 from the npm package binaryen@132.0.0 (same version worker-build wants)
#   ESBUILD_BIN       esbuild 0.28.2 from npm
# and prepends worker-build, wasm-bindgen and node_modules/.bin to PATH.
#
# Cargo tools go to "$SYNQ_TOOLS_DIR/<name>-<version>" (default ~/.cache/synq-tools), one root per
# version, so changing a pin never reuses a stale binary. A lock file serialises concurrent callers.

SYNQ_WORKER_BUILD_VERSION="0.8.7"
SYNQ_WASM_BINDGEN_VERSION="0.2.129"

_synq_tools() {
    local root tools_dir
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)" || return 1
    tools_dir="${SYNQ_TOOLS_DIR:-$HOME/.cache/synq-tools}"
    mkdir -p "$tools_dir" || return 1

    # 1. Rust targets: the Worker's, and the trainer component's (wasm32-wasip2).
    local target
    for target in wasm32-unknown-unknown wasm32-wasip2; do
        if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
            echo "tools: adding rustup target $target" >&2
            rustup target add "$target" >&2 || return 1
        fi
    done

    # 2. Cargo-installed binaries (each only if its binary is missing), under a lock.
    local wb_root="$tools_dir/worker-build-$SYNQ_WORKER_BUILD_VERSION"
    local wbg_root="$tools_dir/wasm-bindgen-$SYNQ_WASM_BINDGEN_VERSION"
    if [[ ! -x "$wb_root/bin/worker-build" || ! -x "$wbg_root/bin/wasm-bindgen" ]]; then
        (
            flock 9 || exit 1
            if [[ ! -x "$wb_root/bin/worker-build" ]]; then
                echo "tools: installing worker-build $SYNQ_WORKER_BUILD_VERSION (about 3 min)" >&2
                cargo install worker-build --version "$SYNQ_WORKER_BUILD_VERSION" --locked \
                    --root "$wb_root" >&2 || exit 1
            fi
            if [[ ! -x "$wbg_root/bin/wasm-bindgen" ]]; then
                echo "tools: installing wasm-bindgen-cli $SYNQ_WASM_BINDGEN_VERSION (about 2 min)" >&2
                cargo install wasm-bindgen-cli --version "$SYNQ_WASM_BINDGEN_VERSION" --locked \
                    --root "$wbg_root" >&2 || exit 1
            fi
        ) 9>"$tools_dir/.install.lock" || return 1
    fi

    # 3. npm packages (wrangler, binaryen, esbuild, ws), only if node_modules is missing or stale.
    local stamp="$root/node_modules/.package-lock.json"
    if [[ ! -f "$stamp" || "$root/package-lock.json" -nt "$stamp" ]]; then
        (
            flock 9 || exit 1
            if [[ ! -f "$stamp" || "$root/package-lock.json" -nt "$stamp" ]]; then
                echo "tools: npm ci" >&2
                cd "$root" && npm ci --no-audit --no-fund >&2 || exit 1
                touch "$stamp"
            fi
        ) 9>"$tools_dir/.npm-ci.lock" || return 1
    fi

    # 4. Environment.
    local bin="$root/node_modules/.bin" tool
    for tool in "$bin/wasm-opt" "$bin/esbuild" "$bin/wrangler"; do
        [[ -x "$tool" ]] || { echo "tools: missing $tool (run npm ci)" >&2; return 1; }
    done
    export WASM_BINDGEN_BIN="$wbg_root/bin/wasm-bindgen"
    export WASM_OPT_BIN="$bin/wasm-opt"
    export ESBUILD_BIN="$bin/esbuild"
    case ":$PATH:" in
        *":$wb_root/bin:"*) ;;
        *) PATH="$wb_root/bin:$wbg_root/bin:$bin:$PATH" ;;
    esac
    export PATH
}

if (return 0 2>/dev/null); then
    # Sourced: never leak `set -e` or exit the caller's shell.
    _synq_tools || return 1
else
    set -euo pipefail
    _synq_tools
    echo "export PATH=\"$PATH\""
    echo "export WASM_BINDGEN_BIN=\"$WASM_BINDGEN_BIN\""
    echo "export WASM_OPT_BIN=\"$WASM_OPT_BIN\""
    echo "export ESBUILD_BIN=\"$ESBUILD_BIN\""
fi
