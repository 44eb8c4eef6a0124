#!/usr/bin/env bash
# Creates or updates a Python venv with pinned requirements; installs only when the requirements changed
# (a stamp keeps their hash) or the check fails.
#
#   bash scripts/python-venv.sh VENV_DIR REQUIREMENTS_FILE 'python check (imports)'
#
# PYTHON=python3.12 picks another interpreter. Needs PyPI the first time.
set -euo pipefail

venv="$1"
req="$2"
check="$3"
python="${PYTHON:-python3}"
stamp="$venv/.requirements.sha256"

if [[ ! -x "$venv/bin/python" ]]; then
    echo "python-venv: creating $venv with $("$python" --version 2>&1)" >&2
    "$python" -m venv "$venv"
fi

want="$(sha256sum "$req" | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && "$venv/bin/python" -c "$check" 2>/dev/null; then
    exit 0
fi

echo "python-venv: installing $req" >&2
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
"$venv/bin/python" -c "$check"
echo "$want" > "$stamp"
