#!/usr/bin/env bash
# Issue 5's comparison bench, run by hand (not part of CI): our circuit optimizer (native and wasm) beside
# Qiskit's transpile at optimization level 3, to the basis {cx, rz, sx, x}, on MQT Bench circuits.
#
#   bash scripts/bench-circuits.sh                    # every family at 4, 8, 12, 16, 20 qubits
#   bash scripts/bench-circuits.sh --families ghz,qft --sizes 4,8 --no-wasm   # a quick look
#
# All options go to bench/circuits/compare.py (see its header for what it measures and how). It makes the
# pinned venv .venv-circuits/ if needed, builds target/release/synq-bench and the wasm32-wasip1 build, prints
# the tables and targets, and writes target/bench/circuits-compare.json. Needs python3, cargo, node; PyPI the
# first time only.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
exec python3 bench/circuits/compare.py "$@"
