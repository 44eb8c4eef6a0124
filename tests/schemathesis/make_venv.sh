#!/usr/bin/env bash
# Creates .venv-schemathesis/ at the repo root with the pinned schemathesis of tests/schemathesis/requirements.txt.
# Installs only what is missing: a second run with unchanged requirements does nothing.
#
#   bash tests/schemathesis/make_venv.sh      # then: .venv-schemathesis/bin/schemathesis run …
#
# PYTHON=python3.12 picks another interpreter (3.10 or newer). Needs PyPI; about 15 s the first time.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="$root/.venv-schemathesis"
req="$root/tests/schemathesis/requirements.txt"
python="${PYTHON:-python3}"
stamp="$venv/.requirements.sha256"

if [[ ! -x "$venv/bin/python" ]]; then
    echo "make_venv: creating $venv with $("$python" --version 2>&1)" >&2
    "$python" -m venv "$venv"
fi

want="$(sha256sum "$req" | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$venv/bin/schemathesis" ]]; then
    exit 0
fi

echo "make_venv: installing $req" >&2
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
"$venv/bin/schemathesis" --version >&2
echo "$want" > "$stamp"
