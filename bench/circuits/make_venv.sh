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
bash "$root/scripts/python-venv.sh" "$venv" "$root/bench/circuits/requirements.txt" \
    'import qiskit, qiskit_qasm3_import, mqt.bench'
"$venv/bin/python" - <<'PY' >&2
from importlib import metadata
print("make_venv: qiskit", metadata.version("qiskit"), "/ mqt.bench", metadata.version("mqt.bench"))
PY
