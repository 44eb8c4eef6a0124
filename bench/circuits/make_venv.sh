#!/usr/bin/env bash
# Creates .venv-circuits/ at the repo root with the pinned Python tools of bench/circuits/requirements.txt
# (qiskit, mqt.bench). Installs only what is missing: a second run with unchanged requirements does nothing.
#
#   bash bench/circuits/make_venv.sh          # then: .venv-circuits/bin/python bench/circuits/gen_corpus.py
#
# PYTHON=python3.12 picks another interpreter (3.11 or newer). Needs PyPI; about 20 s and 400 MB the first time.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="$root/.venv-circuits"
req="$root/bench/circuits/requirements.txt"
python="${PYTHON:-python3}"
stamp="$venv/.requirements.sha256"

if [[ ! -x "$venv/bin/python" ]]; then
    echo "make_venv: creating $venv with $("$python" --version 2>&1)" >&2
    "$python" -m venv "$venv"
fi

want="$(sha256sum "$req" | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] \
    && "$venv/bin/python" -c 'import qiskit, qiskit_qasm3_import, mqt.bench' 2>/dev/null; then
    exit 0
fi

echo "make_venv: installing $req" >&2
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
"$venv/bin/python" -c 'import qiskit, qiskit_qasm3_import, mqt.bench' 
echo "$want" > "$stamp"
"$venv/bin/python" - <<'PY' >&2
from importlib import metadata
print("make_venv: qiskit", metadata.version("qiskit"), "/ mqt.bench", metadata.version("mqt.bench"))
PY
