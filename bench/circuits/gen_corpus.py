#!/usr/bin/env python3
"""Generate the OpenQASM test corpus of shared/circuits and the facts Qiskit reports about it.

Circuits come from MQT Bench (MIT licence) at the algorithmic level ("alg", the circuit as a user writes it,
with composite gates kept) and the IBM-Falcon native-gates level ("native": id, x, sx, rz, cx; not mapped to
a device), and are written with qiskit.qasm2.dumps and qiskit.qasm3.dumps. For each circuit facts.json holds
what Qiskit reports about each written file (re-parsed from the file, so the gate names are the file's), the
same with every user `gate` definition inlined, and the baselines after
transpile(basis_gates=["cx","rz","sx","x"], optimization_level=0 and 3, seed_transpiler=0) with wall times.

Run with bench/circuits/make_venv.sh first:

    .venv-circuits/bin/python bench/circuits/gen_corpus.py            # regenerate in place
    .venv-circuits/bin/python bench/circuits/gen_corpus.py --check    # regenerate to a temp dir and compare

Everything is deterministic (fixed seeds) except the `time_s` fields: --check ignores those.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import math
import platform
import re
import shutil
import sys
import tempfile
import time
import warnings
from collections import Counter
from importlib import metadata
from pathlib import Path

import numpy as np
import qiskit
from qiskit import qasm2, qasm3, transpile
from qiskit.circuit import ControlFlowOp, Gate, QuantumCircuit
from qiskit.qasm2.parse import _DefinedGate
from qiskit.quantum_info import Statevector

from mqt.bench import BenchmarkLevel, get_benchmark
from mqt.bench.targets.gatesets import get_target_for_gateset

REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO / "shared" / "circuits" / "tests" / "corpus"

BASIS = ["cx", "rz", "sx", "x"]
NATIVE_GATESET = "ibm_falcon"  # id, x, sx, rz, cx
LEVELS = ("alg", "native")
SEED_TRANSPILER = 0
SV_TOP = 8  # how many of the largest outcome probabilities to record
SV_MAX_QUBITS = 12

# (corpus family name, MQT Bench benchmark name, sizes, extra kwargs for the benchmark factory)
# The size is MQT Bench's `circuit_size` (the qubit count for every family here except iqpe, whose size is the
# number of phase bits; it always has 2 qubits).
SMALL: list[tuple[str, str, list[int], dict]] = [
    ("ghz", "ghz", [3, 5, 8, 12], {}),
    ("qft", "qft", [3, 5, 8, 12], {}),
    ("qftentangled", "qftentangled", [3, 5, 8, 12], {}),
    ("dj", "dj", [3, 5, 8, 12], {}),
    ("bv", "bv", [3, 5, 8, 12], {}),
    ("grover", "grover", [3, 4, 5, 6], {}),
    ("qaoa", "qaoa", [3, 5, 8, 12], {}),
    ("vqe_real_amp", "vqe_real_amp", [3, 5, 8, 12], {}),
    ("vqe_su2", "vqe_su2", [3, 6, 10], {}),
    ("vqe_two_local", "vqe_two_local", [3, 6, 10], {}),
    ("wstate", "wstate", [3, 5, 8, 12], {}),
    ("qpeexact", "qpeexact", [3, 5, 8, 12], {}),
    ("qpeinexact", "qpeinexact", [3, 5, 8, 12], {}),
    ("ae", "ae", [3, 5, 8, 12], {}),
    ("randomcircuit", "randomcircuit", [3, 5, 8, 12], {}),
    ("graphstate", "graphstate", [3, 5, 8, 12], {"seed": 10}),
    ("qnn", "qnn", [3, 5, 8, 12], {}),
    ("qwalk", "qwalk", [3, 4, 5], {}),
    ("hhl", "hhl", [3, 5, 7], {}),
    ("bmw_quark_cardinality", "bmw_quark_cardinality", [3, 6, 9, 12], {}),
    ("bmw_quark_copula", "bmw_quark_copula", [4, 8, 12], {}),
    ("cdkm_ripple_carry_adder", "cdkm_ripple_carry_adder", [4, 8, 12], {}),
    ("draper_qft_adder", "draper_qft_adder", [4, 8, 12], {}),
    ("vbe_ripple_carry_adder", "vbe_ripple_carry_adder", [4, 7, 10], {}),
    ("full_adder", "full_adder", [4, 8, 12], {}),
    ("half_adder", "half_adder", [3, 7, 11], {}),
    ("modular_adder", "modular_adder", [4, 8, 12], {}),
    ("multiplier", "multiplier", [4, 8], {}),
    ("rg_qft_multiplier", "rg_qft_multiplier", [4, 8], {}),
    ("hrs_cumulative_multiplier", "hrs_cumulative_multiplier", [5], {}),
    # Dynamic circuits: mid-circuit measurement, reset, if/else, for loops. OpenQASM 2 cannot express most of
    # them, so most have a qasm3 file only.
    ("bv_dynamic", "bv", [3, 5, 8], {"dynamic": True}),
    ("ghz_dynamic", "ghz_dynamic", [3, 5, 8], {}),
    ("dynamic_qft", "dynamic_qft", [3, 5, 8], {}),
    ("iqpe", "iqpe", [3, 5, 8], {}),
    ("grover_forloop", "grover", [3, 4, 5], {"for_loop": True}),
    ("qwalk_forloop", "qwalk", [3, 4, 5], {"for_loop": True}),
]

# Larger circuits (13-20 qubits) for parse/count checks only: too big to simulate in the Rust tests.
LARGE: list[tuple[str, str, list[int], dict]] = [
    ("ghz", "ghz", [16, 20], {}),
    ("qft", "qft", [16, 20], {}),
    ("qftentangled", "qftentangled", [16], {}),
    ("dj", "dj", [20], {}),
    ("graphstate", "graphstate", [20], {"seed": 10}),
    ("wstate", "wstate", [16], {}),
    ("qaoa", "qaoa", [16], {}),
    ("vqe_real_amp", "vqe_real_amp", [16], {}),
    ("qnn", "qnn", [16], {}),
    ("qpeexact", "qpeexact", [16], {}),
    ("seven_qubit_steane_code", "seven_qubit_steane_code", [13], {}),
    ("shors_nine_qubit_code", "shors_nine_qubit_code", [17], {}),
]

# Names a parser gets from the standard include of each format (Qiskit's view of qelib1.inc / stdgates.inc).
# Qiskit's exporter writes `include "qelib1.inc";` and then uses the whole gate set of Qiskit's qelib1.inc (the
# 23 gates of the OpenQASM 2 paper's qelib1.inc plus p, sx, sxdg, swap, cswap, crx, cry, cp, csx, cu, rxx, rzz, rccx,
# rc3x, c3x, c3sqrtx, c4x, u0, u). qiskit.qasm2.loads only knows the paper's 23 unless it is given
# LEGACY_CUSTOM_INSTRUCTIONS, so the corpus is re-parsed with those.
QASM2_CUSTOM = qasm2.LEGACY_CUSTOM_INSTRUCTIONS
QELIB1 = {c.name for c in QASM2_CUSTOM} - {"delay"}
# Qiskit's own names for library gates that the formats name differently (c3sqrtx -> c3sx, c3x/c4x -> mcx, U -> u)
QISKIT_LIBRARY_NAMES = {"c3sx", "mcx", "u", "cx"}
STDGATES = {
    "p", "x", "y", "z", "h", "s", "sdg", "t", "tdg", "sx", "rx", "ry", "rz", "cx", "cy", "cz", "cp", "crx", "cry",
    "crz", "ch", "swap", "ccx", "cswap", "cu", "CX", "phase", "cphase", "id", "u1", "u2", "u3",
    "U", "u", "gphase",  # builtins / Qiskit's names for them
}
NON_GATES = {"measure", "reset", "barrier", "delay"}


# ----------------------------------------------------------------------------------------------- generation


def _has_array_param(op) -> bool:
    return any(isinstance(p, np.ndarray) for p in op.params)


def exportable(qc: QuantumCircuit) -> QuantumCircuit:
    """Decompose top-level instructions whose parameters are arrays (e.g. Permutation in ae), which neither
    Qiskit exporter can write ("only 0-dimensional arrays can be converted to Python scalars")."""
    for _ in range(4):
        names = sorted({ci.operation.name for ci in qc.data if _has_array_param(ci.operation)})
        if not names:
            return qc
        qc = qc.decompose(gates_to_decompose=names)
    return qc


def make_circuit(bench: str, size: int, kwargs: dict, level: str) -> QuantumCircuit:
    if level == "alg":
        qc = get_benchmark(bench, BenchmarkLevel.ALG, size, **kwargs)
    else:
        probe = get_benchmark(bench, BenchmarkLevel.ALG, size, **kwargs)
        target = get_target_for_gateset(NATIVE_GATESET, num_qubits=probe.num_qubits)
        qc = get_benchmark(bench, BenchmarkLevel.NATIVEGATES, size, target=target, **kwargs)
    return exportable(qc)


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Identifiers that carry a process-dependent number: Qiskit's qasm2 exporter disambiguates two different gates of
# the same name with id(gate) ("mcphase_140099287715088"), and unnamed circuits get a global counter
# ("circuit-6855", exported as circuit_6855 / _circuit_6855, "ccircuit_9194" for its controlled version).
_VOLATILE = re.compile(r"^(.*?_?c*circuit)_(\d+)(.*)$|^(.*?)_(\d{9,})(.*)$")


def normalize_names(text: str) -> str:
    """Renumber volatile identifiers per file, in order of first appearance, so regeneration is byte-stable."""
    idents = list(dict.fromkeys(_IDENT.findall(text)))
    mapping: dict[str, str] = {}
    numbering: dict[tuple[str, str], int] = {}
    per_prefix: dict[str, int] = {}
    taken = set(idents)
    for ident in idents:
        m = _VOLATILE.match(ident)
        if not m:
            continue
        prefix, num, rest = (m.group(1), m.group(2), m.group(3)) if m.group(1) is not None else m.group(4, 5, 6)
        key = (prefix, num)
        if key not in numbering:
            k = per_prefix.get(prefix, 0)
            # skip numbers that would collide with an identifier already in the file
            while any(f"{prefix}_{k}{r}" in taken and f"{prefix}_{k}{r}" not in mapping.values()
                      for r in ("", rest)):
                k += 1
            numbering[key] = k
            per_prefix[prefix] = k + 1
        mapping[ident] = f"{prefix}_{numbering[key]}{rest}"
    if not mapping:
        return text
    if len(set(mapping.values()) | (taken - set(mapping))) != len(taken):
        raise RuntimeError("renaming volatile identifiers would merge two names")
    return _IDENT.sub(lambda m: mapping.get(m.group(0), m.group(0)), text)


# ----------------------------------------------------------------------------------------------- facts


def circuit_facts(qc: QuantumCircuit) -> dict:
    """What Qiskit reports about a circuit. Barriers are in count_ops but not in size or depth (Qiskit's
    defaults); measure/reset count in size and depth. Gate counts cover unitary gates only (Gate instances:
    standard and user-defined gates), not measure/reset/barrier/control flow."""
    ops = qc.count_ops()
    n1 = n2 = nm = 0
    control_flow = False
    for ci in qc.data:
        op = ci.operation
        if isinstance(op, ControlFlowOp):
            control_flow = True
        if not isinstance(op, Gate):
            continue
        k = len(ci.qubits)
        if k == 1:
            n1 += 1
        elif k == 2:
            n2 += 1
        else:
            nm += 1
    out = {
        "num_qubits": qc.num_qubits,
        "num_clbits": qc.num_clbits,
        "count_ops": {k: ops[k] for k in sorted(ops)},
        "size": qc.size(),
        "depth": qc.depth(),
        "num_1q_gates": n1,
        "num_2q_gates": n2,
        "num_multiq_gates": nm,
        "cx_count": ops.get("cx", 0),
        "t_count": ops.get("t", 0) + ops.get("tdg", 0),
        "num_measure": ops.get("measure", 0),
        "num_reset": ops.get("reset", 0),
        "num_barrier": ops.get("barrier", 0),
        "control_flow": control_flow,
    }
    if control_flow:
        nested = nested_counts(qc)
        out["count_ops_nested"] = {k: nested[k] for k in sorted(nested)}
    return out


def nested_counts(qc: QuantumCircuit) -> Counter:
    """count_ops over the circuit and, once each, every control-flow block in it (both branches of an if, one
    for-loop body: a static count, not multiplied by iterations)."""
    counts: Counter = Counter()
    for ci in qc.data:
        op = ci.operation
        counts[op.name] += 1
        if isinstance(op, ControlFlowOp):
            for block in op.blocks:
                counts += nested_counts(block)
    return counts


def is_user_gate(op, library: set[str]) -> bool:
    """A gate the file defines itself. The importers give those a generic class (qasm2: _DefinedGate, qasm3:
    plain Gate) and library gates their standard class, whose Qiskit name may differ from the file's
    (qelib1's c3sqrtx loads as c3sx, c3x/c4x as mcx; and a file's own `gate mcx` must still be inlined)."""
    if not isinstance(op, Gate):
        return False
    if type(op) in (Gate, _DefinedGate):
        return True
    return op.name not in library and op.name not in QISKIT_LIBRARY_NAMES


def inline_user_gates(qc: QuantumCircuit, library: set[str]) -> QuantumCircuit:
    """Inline every gate that is not in the format's standard library (i.e. the file's own `gate`
    definitions, recursively). Library gates stay as they are; control-flow bodies are not touched."""
    for _ in range(64):
        names = sorted({ci.operation.name for ci in qc.data if is_user_gate(ci.operation, library)})
        if not names:
            return qc
        qc = qc.decompose(gates_to_decompose=names)
    raise RuntimeError("gate definitions nest deeper than 64")


def timed_transpile(qc: QuantumCircuit, level: int) -> tuple[QuantumCircuit, float, int]:
    """Transpile, repeated while fast (min of up to 5 runs, stop after 0.5 s); checks the runs agree."""
    best = math.inf
    out = None
    runs = 0
    spent = 0.0
    while runs < 5 and spent < 0.5:
        t0 = time.perf_counter()
        res = transpile(qc, basis_gates=BASIS, optimization_level=level, seed_transpiler=SEED_TRANSPILER)
        dt = time.perf_counter() - t0
        spent += dt
        runs += 1
        best = min(best, dt)
        if out is None:
            out = res
        elif qasm3.dumps(res) != qasm3.dumps(out):
            raise RuntimeError("transpile is not deterministic")
    return out, best, runs


def unitary_part(qc: QuantumCircuit) -> QuantumCircuit | None:
    """The circuit without its final measurements, if what is left is unitary (barriers allowed)."""
    if qc.num_qubits > SV_MAX_QUBITS:
        return None
    body = qc.remove_final_measurements(inplace=False)
    for ci in body.data:
        if ci.operation.name == "barrier":
            continue
        if not isinstance(ci.operation, Gate):
            return None
    return body


def state(body: QuantumCircuit) -> Statevector:
    """Statevector via a cheap O0 translation: Statevector() on a wide composite gate would build its full
    matrix from the definition, which takes minutes at 12 qubits."""
    flat = transpile(body, basis_gates=["u", "cx"], optimization_level=0)
    return Statevector(flat)


def sv_top(qc: QuantumCircuit) -> list[list] | None:
    body = unitary_part(qc)
    if body is None:
        return None
    probs = state(body).probabilities()
    order = sorted(range(len(probs)), key=lambda i: (-round(float(probs[i]), 9), i))[:SV_TOP]
    return [[i, round(float(probs[i]), 12)] for i in order]


def check_same_state(a: QuantumCircuit, b: QuantumCircuit, what: str) -> None:
    """The re-parsed file prepares the same state as the generated circuit (up to global phase)."""
    ua, ub = unitary_part(a), unitary_part(b)
    if ua is None or ub is None:
        return
    sa, sb = state(ua), state(ub)
    fid = abs(np.vdot(sa.data, sb.data)) ** 2
    if fid < 1 - 1e-9:
        raise RuntimeError(f"{what}: re-parsed file differs from the generated circuit (fidelity {fid})")


# ----------------------------------------------------------------------------------------------- driver


def generate(out: Path, with_timings: bool = True, log=print) -> dict:
    for sub in ("qasm2", "qasm3", "large/qasm2", "large/qasm3"):
        d = out / sub
        if d.exists():
            for f in d.glob("*.qasm"):
                f.unlink()
        d.mkdir(parents=True, exist_ok=True)

    # warm up the transpiler so the first timing is not inflated by lazy imports
    warm = QuantumCircuit(2)
    warm.h(0)
    warm.cx(0, 1)
    for lvl in (0, 3):
        transpile(warm, basis_gates=BASIS, optimization_level=lvl, seed_transpiler=SEED_TRANSPILER)

    entries = []
    skipped = []
    t_start = time.perf_counter()
    for group, spec in (("small", SMALL), ("large", LARGE)):
        prefix = "" if group == "small" else "large/"
        for family, bench, sizes, kwargs in spec:
            for size in sizes:
                for level in LEVELS:
                    cid = f"{family}_{level}_{size}"
                    try:
                        qc = make_circuit(bench, size, kwargs, level)
                    except Exception as e:  # noqa: BLE001 - record and go on
                        skipped.append({"id": cid, "reason": f"generation: {type(e).__name__}: {e}"})
                        log(f"  skip {cid}: {e}")
                        continue
                    if group == "small" and qc.num_qubits > 12:
                        raise RuntimeError(f"{cid} has {qc.num_qubits} qubits (> 12)")
                    entry = {
                        "id": cid,
                        "group": group,
                        "family": family,
                        "benchmark": bench,
                        "benchmark_kwargs": kwargs,
                        "size": size,
                        "level": level,
                        "num_qubits": qc.num_qubits,
                        "num_clbits": qc.num_clbits,
                        "files": {},
                        "facts": {},
                        "facts_inlined": {},
                        "export_errors": {},
                    }
                    loaded = {}
                    for fmt, dumps, loads, library in (
                        ("qasm2", qasm2.dumps, lambda t: qasm2.loads(t, custom_instructions=QASM2_CUSTOM), QELIB1),
                        ("qasm3", qasm3.dumps, qasm3.loads, STDGATES),
                    ):
                        try:
                            text = dumps(qc)
                        except Exception as e:  # noqa: BLE001
                            entry["export_errors"][fmt] = f"{type(e).__name__}: {e}"
                            continue
                        if not text.endswith("\n"):
                            text += "\n"
                        text = normalize_names(text)
                        rel = f"{prefix}{fmt}/{cid}.qasm"
                        (out / rel).write_text(text)
                        entry["files"][fmt] = rel
                        try:
                            with warnings.catch_warnings():
                                warnings.simplefilter("ignore")
                                back = loads(text)
                        except Exception as e:  # noqa: BLE001 - the importer lacks a construct: facts of the circuit
                            entry.setdefault("reparse_errors", {})[fmt] = f"{type(e).__name__}: {e}"
                            back = qc
                        if back.num_qubits != qc.num_qubits or back.num_clbits != qc.num_clbits:
                            raise RuntimeError(f"{rel}: re-parsed width differs")
                        check_same_state(qc, back, rel)
                        loaded[fmt] = back
                        entry["facts"][fmt] = circuit_facts(back)
                        entry["facts_inlined"][fmt] = circuit_facts(inline_user_gates(back, library))
                    if not entry["files"]:
                        skipped.append({"id": cid, "reason": "no format could be exported"})
                        continue
                    if not entry["export_errors"]:
                        del entry["export_errors"]
                    src_fmt = "qasm2" if "qasm2" in loaded else "qasm3"
                    src = loaded[src_fmt]
                    entry["transpile_input"] = src_fmt
                    entry["sv_top"] = sv_top(src)
                    entry["transpiled"] = {}
                    for lvl in (0, 3):
                        res, dt, runs = timed_transpile(src, lvl)
                        f = circuit_facts(res)
                        if with_timings:
                            f["time_s"] = round(dt, 6)
                            f["time_runs"] = runs
                        entry["transpiled"][f"o{lvl}"] = f
                    entries.append(entry)
                    o3 = entry["transpiled"]["o3"]
                    log(
                        f"  {cid:40s} q={qc.num_qubits:2d} files={','.join(entry['files'])} "
                        f"size={entry['facts'][src_fmt]['size']} o3.size={o3['size']} o3.cx={o3['cx_count']}"
                        + (f" o3.t={o3['time_s']:.4f}s" if with_timings else "")
                    )
    elapsed = time.perf_counter() - t_start
    doc = {
        "schema": 1,
        "generator": "bench/circuits/gen_corpus.py",
        "versions": {
            "qiskit": qiskit.__version__,
            "mqt.bench": metadata.version("mqt.bench"),
            "qiskit_qasm3_import": metadata.version("qiskit_qasm3_import"),
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
        "transpile": {
            "basis_gates": BASIS,
            "optimization_levels": [0, 3],
            "seed_transpiler": SEED_TRANSPILER,
            "timing": "time_s = min wall time of time_runs runs (up to 5, stopping after 0.5 s in total)",
        },
        "native_gateset": {"name": NATIVE_GATESET, "gates": ["id", "x", "sx", "rz", "cx"]},
        "sv_top_note": (
            "largest outcome probabilities of the unitary part (final measurements removed) as "
            "[basis index, probability]; Qiskit's little-endian order: qubit 0 is bit 0 of the index"
        ),
        "circuits": entries,
        "skipped": skipped,
    }
    if with_timings:
        doc["generation_seconds"] = round(elapsed, 1)
    return doc


def write_json(path: Path, doc: dict) -> None:
    """Pretty header, one line per circuit: small, and diffs show which circuit changed."""
    head = {k: v for k, v in doc.items() if k not in ("circuits", "skipped")}
    lines = ["{"]
    for k, v in head.items():
        lines.append(f" {json.dumps(k)}: {json.dumps(v)},")
    for key in ("skipped", "circuits"):
        items = doc[key]
        lines.append(f" {json.dumps(key)}: [")
        lines.extend(f"  {json.dumps(it, separators=(',', ':'))}{',' if i + 1 < len(items) else ''}"
                     for i, it in enumerate(items))
        lines.append(" ]" + ("," if key == "skipped" else ""))
    lines.append("}")
    text = "\n".join(lines) + "\n"
    assert json.loads(text) == doc
    path.write_text(text)


def strip_timings(obj):
    if isinstance(obj, dict):
        return {k: strip_timings(v) for k, v in obj.items() if k not in ("time_s", "time_runs", "generation_seconds")}
    if isinstance(obj, list):
        return [strip_timings(v) for v in obj]
    return obj


def compare(a: Path, b: Path) -> list[str]:
    problems = []
    for sub in ("qasm2", "qasm3", "large/qasm2", "large/qasm3"):
        fa = {p.name for p in (a / sub).glob("*.qasm")}
        fb = {p.name for p in (b / sub).glob("*.qasm")}
        for name in sorted(fa ^ fb):
            problems.append(f"{sub}/{name}: only in one of the two")
        for name in sorted(fa & fb):
            if not filecmp.cmp(a / sub / name, b / sub / name, shallow=False):
                problems.append(f"{sub}/{name}: differs")
    ja = strip_timings(json.loads((a / "facts.json").read_text()))
    jb = strip_timings(json.loads((b / "facts.json").read_text()))
    if ja != jb:
        ca = {c["id"]: c for c in ja["circuits"]}
        cb = {c["id"]: c for c in jb["circuits"]}
        diff = [k for k in sorted(set(ca) | set(cb)) if ca.get(k) != cb.get(k)]
        problems.append(f"facts.json differs (ignoring timings) in: {diff[:20]}" if diff else "facts.json header differs")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="corpus directory (default: %(default)s)")
    ap.add_argument("--check", action="store_true", help="regenerate into a temp dir and compare with --out")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    log = (lambda *_: None) if args.quiet else (lambda *a: print(*a, flush=True))

    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            write_json(tmp / "facts.json", generate(tmp, log=log))
            problems = compare(args.out, tmp)
        for p in problems:
            print("MISMATCH", p)
        print("corpus is up to date" if not problems else f"{len(problems)} mismatches")
        return 1 if problems else 0

    args.out.mkdir(parents=True, exist_ok=True)
    doc = generate(args.out, log=log)
    write_json(args.out / "facts.json", doc)
    n_files = sum(len(c["files"]) for c in doc["circuits"])
    print(f"{len(doc['circuits'])} circuits, {n_files} files, {len(doc['skipped'])} skipped, "
          f"{doc['generation_seconds']} s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
