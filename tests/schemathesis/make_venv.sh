#!/usr/bin/env bash
# Creates .venv-schemathesis/ at the repo root with the pinned schemathesis of tests/schemathesis/requirements.txt
# (tests/e2e/openapi.test.mjs runs it). Installs only what is missing; about 15 s the first time.
#
#   bash tests/schemathesis/make_venv.sh      # then: .venv-schemathesis/bin/schemathesis run …
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bash "$root/scripts/python-venv.sh" "$root/.venv-schemathesis" "$root/tests/schemathesis/requirements.txt" \
    'import schemathesis'
