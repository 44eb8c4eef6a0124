#!/usr/bin/env bash
# Runs the backend locally: installs what is missing, then `wrangler dev` on 127.0.0.1 (port $PORT,
# default 8787) with local storage under .wrangler/state. No account, no login, no network beyond the
# package registries. A JWT secret for local tokens is created in .dev.vars on first run.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/tools.sh
source scripts/tools.sh

if [[ ! -f .dev.vars ]]; then
    umask 077
    echo "JWT_SECRET=$(node -e 'console.log(require("node:crypto").randomBytes(32).toString("base64url"))')" > .dev.vars
    echo "dev: created .dev.vars with a random JWT_SECRET" >&2
fi
port="${PORT:-8787}"
cat >&2 <<TXT
dev: starting wrangler dev on http://127.0.0.1:$port (first build takes a minute)
dev: a token for user alice, editor of every session:   node scripts/jwt.mjs alice editor
dev: then connect a WebSocket to ws://127.0.0.1:$port/sessions/demo/ws?token=<token>
TXT
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false CLOUDFLARE_CF_FETCH_ENABLED=false
# The sessions index (local D1) gets any schema migration it has not seen (a no-op when up to date).
node_modules/.bin/wrangler d1 migrations apply DB --local >&2
exec node_modules/.bin/wrangler dev --local --ip 127.0.0.1 --port "$port"
