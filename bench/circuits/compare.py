#!/usr/bin/env python3
"""Issue 5's comparison bench: our circuit optimizer beside Qiskit's transpiler, on MQT Bench circuits.

    python3 bench/circuits/compare.py            # or: bash scripts/bench-circuits.sh [options]
    python3 bench/circuits/compare.py --families ghz,qft --sizes 4,8 --qiskit-runs 1 --no-wasm   # quick

What it does:

1. Makes the pinned venv (.venv-circuits/: qiskit==2.6.1, mqt.bench==2.3.0) with bench/circuits/make_venv.sh
   unless it is up to date, and re-runs itself in it.
2. Generates MQT Bench circuits at the algorithmic level (`alg`: the circuit as a user writes it, composite
   gates kept as `gate` definitions) for several families and sizes into a temp dir as OpenQASM 2, the way
   gen_corpus.py makes the test corpus (MQT Bench's fixed seeds, graphstate with seed=10). A family/size MQT
   Bench refuses is listed as skipped.
3. Qiskit: reads each file back (qiskit.qasm2.loads with LEGACY_CUSTOM_INSTRUCTIONS, as the corpus does) and
   times `transpile(circ, basis_gates=["cx","rz","sx","x"], optimization_level=3, seed_transpiler=0)`, the
   median of --qiskit-runs runs, after one warm-up transpile.
4. Ours, native: `cargo build --release -p synq-bench`, then `target/release/synq-bench circuits --dir TMP
   --level 3 --runs N`. It times `synq_circuits::optimize` alone (median of N runs) on the same file, read
   as Qiskit reads it. The workspace's release profile is opt-level "s" + LTO (the Worker's profile).
5. Ours, wasm: the same Rust module (bench/src/circuits.rs) built for wasm32-wasip1 by bench/circuits-wasm
   and run under Node's built-in WASI (`node:wasi`, bench/circuits/run_wasm.mjs). Why this runtime: it needs
   no install and works offline (wasmtime-cli would be a long `cargo install`), and Node runs wasm in V8, the
   engine of Cloudflare Workers, so it is the nearest stand-in for Worker speed we have locally (no Worker
   CPU limits or isolate start-up are modelled). Like Qiskit, it is timed warm: the module first runs once
   over every circuit (run_wasm.mjs --warmup), so the timed runs get V8's optimizing tier, not its baseline
   compiler (which made the first circuits several times slower). `rustup target add wasm32-wasip1` is run if
   the target is missing. --no-wasm skips this step.
6. Prints a table per circuit, a summary per family and the totals with ratios ours/Qiskit, and the issue's
   targets: total gates <= Qiskit O3, total CX <= Qiskit O3, >= 10x Qiskit's speed (native: the sum of
   Qiskit's median times over the sum of ours). Writes everything to target/bench/circuits-compare.json.

Counts on both sides: gates = unitary gates (no measure, reset, barrier); CX = `cx` gates; depth = Qiskit's
QuantumCircuit.depth() (barriers ignored, measurements count), which synq_circuits::ResourceCounts mirrors.
Timings are wall time on whatever machine this runs on; check the load average printed in the JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VENV = REPO / ".venv-circuits"
VENV_PY = VENV / "bin" / "python"
OUT_JSON = REPO / "target" / "bench" / "circuits-compare.json"
NATIVE_BIN = REPO / "target" / "release" / "synq-bench"
WASM_MANIFEST = REPO / "bench" / "circuits-wasm" / "Cargo.toml"
WASM_FILE = REPO / "target" / "wasm32-wasip1" / "release" / "synq-bench-circuits-wasm.wasm"
WASM_RUNNER = REPO / "bench" / "circuits" / "run_wasm.mjs"

BASIS = ["cx", "rz", "sx", "x"]
LEVEL = 3
SEED_TRANSPILER = 0
NON_GATES = {"measure", "reset", "barrier", "delay"}

# (family, MQT Bench benchmark, extra kwargs): gen_corpus.py's settings.
FAMILIES: list[tuple[str, str, dict]] = [
    ("ghz", "ghz", {}),
    ("qft", "qft", {}),
    ("qftentangled", "qftentangled", {}),
    ("dj", "dj", {}),
    ("bv", "bv", {}),
    ("graphstate", "graphstate", {"seed": 10}),
    ("qaoa", "qaoa", {}),
    ("vqe_real_amp", "vqe_real_amp", {}),
    ("wstate", "wstate", {}),
    ("qpeexact", "qpeexact", {}),
    ("qpeinexact", "qpeinexact", {}),
    ("ae", "ae", {}),
    ("randomcircuit", "randomcircuit", {}),
]
SIZES = [4, 8, 12, 16, 20]


def log(msg: str) -> None:
    print(f"compare: {msg}", file=sys.stderr, flush=True)


def in_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def ensure_venv() -> None:
    """Makes or refreshes .venv-circuits (make_venv.sh does nothing when it is current), then re-runs this
    script in it."""
    if in_venv():
        return
    subprocess.run(["bash", str(REPO / "bench" / "circuits" / "make_venv.sh")], check=True)
    os.execv(str(VENV_PY), [str(VENV_PY), str(Path(__file__).resolve()), *sys.argv[1:]])


# ----------------------------------------------------------------------------------------------- generation


def generate(out: Path, families: list[tuple[str, str, dict]], sizes: list[int]) -> tuple[list[dict], list[dict]]:
    """Writes <family>_<size>.qasm files; returns the circuits written and the ones skipped."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import gen_corpus  # noqa: E402  (the corpus generator's make_circuit: same MQT Bench calls)
    from qiskit import qasm2

    written, skipped = [], []
    for family, bench, kwargs in families:
        for size in sizes:
            name = f"{family}_{size}"
            try:
                qc = gen_corpus.make_circuit(bench, size, kwargs, "alg")
                text = qasm2.dumps(qc)
            except Exception as e:  # MQT Bench refuses some sizes; qasm2 cannot write a few circuits
                skipped.append({"name": name, "error": f"{type(e).__name__}: {e}"[:300]})
                log(f"skip {name}: {type(e).__name__}: {e}"[:200])
                continue
            (out / f"{name}.qasm").write_text(text)
            written.append({"name": name, "family": family, "size": size, "num_qubits": qc.num_qubits})
    return written, skipped


# ----------------------------------------------------------------------------------------------- Qiskit


def qiskit_counts(qc) -> dict:
    ops = qc.count_ops()
    return {
        "gates": sum(n for k, n in ops.items() if k not in NON_GATES),
        "cx": ops.get("cx", 0),
        "depth": qc.depth(),
    }


def run_qiskit(out: Path, circuits: list[dict], runs: int) -> dict[str, dict]:
    from qiskit import QuantumCircuit, qasm2, transpile

    warm = QuantumCircuit(3)
    warm.h(0)
    warm.cx(0, 1)
    warm.ccx(0, 1, 2)
    transpile(warm, basis_gates=BASIS, optimization_level=LEVEL, seed_transpiler=SEED_TRANSPILER)

    results = {}
    for c in circuits:
        qc = qasm2.loads((out / f"{c['name']}.qasm").read_text(), custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
        times, res = [], None
        for _ in range(max(1, runs)):
            t0 = time.perf_counter()
            res = transpile(qc, basis_gates=BASIS, optimization_level=LEVEL, seed_transpiler=SEED_TRANSPILER)
            times.append(time.perf_counter() - t0)
        r = {"qubits": qc.num_qubits, **qiskit_counts(res), "time_s": statistics.median(times),
             "min_time_s": min(times)}
        log(f"qiskit {c['name']}: {r['gates']} gates, {r['cx']} cx, depth {r['depth']} in {r['time_s'] * 1e3:.1f} ms")
        results[c["name"]] = r
    return results


# ----------------------------------------------------------------------------------------------- ours


def run_json(cmd: list[str], env: dict | None = None) -> dict:
    log("running " + " ".join(cmd))
    proc = subprocess.run(cmd, cwd=REPO, stdout=subprocess.PIPE, env=env)
    try:
        doc = json.loads(proc.stdout)
    except json.JSONDecodeError as e:
        raise SystemExit(f"compare: {cmd[0]} exited {proc.returncode} without a JSON report ({e})")
    if proc.returncode != 0:
        log(f"{cmd[0]} exited {proc.returncode}: failures {doc.get('failures')}")
    return doc


def run_native(out: Path, runs: int, build: bool) -> dict:
    if build:
        log("cargo build --release -p synq-bench")
        subprocess.run(["cargo", "build", "--release", "-p", "synq-bench"], cwd=REPO, check=True)
    return run_json([str(NATIVE_BIN), "circuits", "--dir", str(out), "--level", str(LEVEL), "--runs", str(runs)])


def run_wasm(out: Path, runs: int, build: bool) -> dict:
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not on PATH")
    if build:
        installed = subprocess.run(["rustup", "target", "list", "--installed"], capture_output=True, text=True,
                                   check=True).stdout.split()
        if "wasm32-wasip1" not in installed:
            log("rustup target add wasm32-wasip1")
            subprocess.run(["rustup", "target", "add", "wasm32-wasip1"], check=True)
        log("cargo build --release --target wasm32-wasip1 --manifest-path bench/circuits-wasm/Cargo.toml")
        subprocess.run(["cargo", "build", "--release", "--target", "wasm32-wasip1", "--manifest-path",
                        str(WASM_MANIFEST)], cwd=REPO, check=True,
                       env={**os.environ, "CARGO_TARGET_DIR": str(REPO / "target")})
    doc = run_json([node, "--no-warnings", str(WASM_RUNNER), str(WASM_FILE), "--dir", str(out), "--level",
                    str(LEVEL), "--runs", str(runs), "--warmup"])
    doc["runtime"] = {"engine": "node:wasi (V8)", "node": subprocess.run([node, "--version"], capture_output=True,
                                                                         text=True).stdout.strip(),
                      "wasm_bytes": WASM_FILE.stat().st_size}
    return doc


# ----------------------------------------------------------------------------------------------- report


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt_ratio(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def fmt_ms(s: float | None) -> str:
    if s is None:
        return "-"
    ms = s * 1e3
    return f"{ms:.3f}" if ms < 10 else f"{ms:.1f}"


def summarize(rows: list[dict]) -> dict:
    def total(side: str, key: str) -> float | None:
        vals = [r[side][key] for r in rows if r.get(side) is not None]
        return sum(vals) if len(vals) == len(rows) and rows else None

    t = {side: {k: total(side, k) for k in ("gates", "cx", "depth", "time_s")} for side in ("qiskit", "ours")}
    t["wasm_time_s"] = total("wasm", "time_s")
    t["circuits"] = len(rows)
    t["ratio_gates"] = ratio(t["ours"]["gates"], t["qiskit"]["gates"])
    t["ratio_cx"] = ratio(t["ours"]["cx"], t["qiskit"]["cx"])
    t["ratio_depth"] = ratio(t["ours"]["depth"], t["qiskit"]["depth"])
    t["speedup_native"] = ratio(t["qiskit"]["time_s"], t["ours"]["time_s"])
    t["speedup_wasm"] = ratio(t["qiskit"]["time_s"], t["wasm_time_s"])
    t["wasm_over_native"] = ratio(t["wasm_time_s"], t["ours"]["time_s"])
    return t


def print_table(rows: list[dict], families: dict[str, dict], totals: dict, has_wasm: bool) -> None:
    head = (f"{'circuit':<18}{'q':>3} | {'gates Q':>8}{'ours':>8}{'r':>6} | {'CX Q':>7}{'ours':>7}{'r':>6} | "
            f"{'depth Q':>8}{'ours':>8}{'r':>6} | {'ms Q':>9}{'ours':>9}{'x':>8}")
    if has_wasm:
        head += f" | {'wasm ms':>9}{'x':>7}"
    print(head)
    print("-" * len(head))

    def line(label: str, q, qk: dict, us: dict, wasm_s, extra: str = "") -> None:
        s = (f"{label:<18}{q:>3} | {qk['gates']:>8}{us['gates']:>8}{fmt_ratio(ratio(us['gates'], qk['gates'])):>6} | "
             f"{qk['cx']:>7}{us['cx']:>7}{fmt_ratio(ratio(us['cx'], qk['cx'])):>6} | "
             f"{qk['depth']:>8}{us['depth']:>8}{fmt_ratio(ratio(us['depth'], qk['depth'])):>6} | "
             f"{fmt_ms(qk['time_s']):>9}{fmt_ms(us['time_s']):>9}{fmt_ratio(ratio(qk['time_s'], us['time_s']), 1):>8}")
        if has_wasm:
            s += f" | {fmt_ms(wasm_s):>9}{fmt_ratio(ratio(qk['time_s'], wasm_s), 1):>7}"
        print(s + extra)

    for r in rows:
        if r.get("ours") is None:
            print(f"{r['name']:<18}{r['qubits']:>3} | ours failed: {r.get('error')}")
            continue
        line(r["name"], r["qubits"], r["qiskit"], r["ours"], (r.get("wasm") or {}).get("time_s"))
    print("-" * len(head))
    print("per family (sums):")
    for fam, t in families.items():
        if t["ours"]["gates"] is None:
            print(f"{fam:<18}    | (a circuit failed)")
            continue
        line(fam, "", t["qiskit"], t["ours"], t["wasm_time_s"])
    print("-" * len(head))
    if totals["ours"]["gates"] is not None:
        line(f"TOTAL ({totals['circuits']})", "", totals["qiskit"], totals["ours"], totals["wasm_time_s"])
    print("ratios are ours/Qiskit for counts (lower is better); x is Qiskit's time over ours (higher is better)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--families", help="comma-separated subset of: " + ",".join(f for f, _, _ in FAMILIES))
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)), help="qubit counts (default %(default)s)")
    ap.add_argument("--runs", type=int, default=5, help="timed runs of our optimizer per circuit (median)")
    ap.add_argument("--qiskit-runs", type=int, default=3, help="timed transpiles per circuit (median)")
    ap.add_argument("--no-wasm", action="store_true", help="skip the wasm build and run")
    ap.add_argument("--no-build", action="store_true", help="use the binaries already built")
    ap.add_argument("--keep", metavar="DIR", help="write the generated .qasm files to DIR and keep them")
    ap.add_argument("--out", default=str(OUT_JSON), help="JSON report (default %(default)s)")
    args = ap.parse_args()
    ensure_venv()

    started = time.perf_counter()
    families = FAMILIES
    if args.families:
        want = args.families.split(",")
        unknown = set(want) - {f for f, _, _ in FAMILIES}
        if unknown:
            ap.error(f"unknown families {sorted(unknown)}")
        families = [f for f in FAMILIES if f[0] in want]
    sizes = [int(s) for s in args.sizes.split(",") if s]

    import qiskit
    from importlib import metadata

    tmp_ctx = tempfile.TemporaryDirectory(prefix="synq-circuits-compare-") if not args.keep else None
    out = Path(args.keep) if args.keep else Path(tmp_ctx.name)
    out.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        circuits, skipped = generate(out, families, sizes)
        gen_s = time.perf_counter() - t0
        log(f"generated {len(circuits)} circuits in {gen_s:.1f} s into {out} ({len(skipped)} skipped)")

        native = run_native(out, args.runs, not args.no_build)
        wasm, wasm_error = None, None
        if not args.no_wasm:
            try:
                wasm = run_wasm(out, args.runs, not args.no_build)
            except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
                wasm_error = str(e)
                log(f"wasm run failed: {e}")
        # Qiskit last, so the cargo builds above do not overlap its timings.
        t0 = time.perf_counter()
        qk = run_qiskit(out, circuits, args.qiskit_runs)
        qiskit_s = time.perf_counter() - t0
    finally:
        if tmp_ctx is not None:
            tmp_ctx.cleanup()

    ours_by_name = {c["name"]: c for c in native["circuits"]}
    ours_failed = {f["name"]: f["error"] for f in native["failures"]}
    wasm_by_name = {c["name"]: c for c in wasm["circuits"]} if wasm else {}
    rows = []
    for c in circuits:
        n = c["name"]
        o = ours_by_name.get(n)
        w = wasm_by_name.get(n)
        row = {
            "name": n,
            "family": c["family"],
            "size": c["size"],
            "qubits": c["num_qubits"],
            "qiskit": qk[n],
            "ours": None if o is None else {k: o[k] for k in ("gates", "cx", "depth", "time_s", "min_time_s",
                                                              "gates_before", "cx_before", "parse_s")},
            "wasm": None if w is None else {k: w[k] for k in ("gates", "cx", "depth", "time_s", "min_time_s")},
        }
        if o is None:
            row["error"] = ours_failed.get(n, "missing from our report")
        if w is not None and o is not None and (w["gates"], w["cx"]) != (o["gates"], o["cx"]):
            row["wasm_mismatch"] = True
        rows.append(row)

    fam_summary = {}
    for fam, _, _ in families:
        fam_rows = [r for r in rows if r["family"] == fam]
        if fam_rows:
            fam_summary[fam] = summarize(fam_rows)
    totals = summarize(rows)
    geo = [r["qiskit"]["time_s"] / r["ours"]["time_s"] for r in rows if r["ours"] and r["ours"]["time_s"] > 0]
    totals["speedup_native_geomean"] = statistics.geometric_mean(geo) if geo else None
    totals["speedup_native_min"] = min(geo) if geo else None
    all_ok = all(r["ours"] is not None for r in rows)
    targets = {
        "total_gates_le_qiskit_o3": all_ok and totals["ours"]["gates"] <= totals["qiskit"]["gates"],
        "total_cx_le_qiskit_o3": all_ok and totals["ours"]["cx"] <= totals["qiskit"]["cx"],
        "speed_ge_10x_native": all_ok and (totals["speedup_native"] or 0) >= 10,
    }

    print_table(rows, fam_summary, totals, wasm is not None)
    print()
    print(f"targets (issue 5), over {len(rows)} circuits at optimization level {LEVEL}, basis {{{', '.join(BASIS)}}}:")
    print(f"  total gates <= Qiskit O3: {totals['ours']['gates']} vs {totals['qiskit']['gates']} "
          f"(ratio {fmt_ratio(totals['ratio_gates'], 3)}): {'MET' if targets['total_gates_le_qiskit_o3'] else 'NOT MET'}")
    print(f"  total CX <= Qiskit O3:    {totals['ours']['cx']} vs {totals['qiskit']['cx']} "
          f"(ratio {fmt_ratio(totals['ratio_cx'], 3)}): {'MET' if targets['total_cx_le_qiskit_o3'] else 'NOT MET'}")
    print(f"  >= 10x Qiskit's speed (native, total time): {fmt_ratio(totals['speedup_native'], 1)}x "
          f"({fmt_ms(totals['ours']['time_s'])} ms vs {fmt_ms(totals['qiskit']['time_s'])} ms; per-circuit geomean "
          f"{fmt_ratio(totals['speedup_native_geomean'], 1)}x, worst {fmt_ratio(totals['speedup_native_min'], 1)}x): "
          f"{'MET' if targets['speed_ge_10x_native'] else 'NOT MET'}")
    if wasm is not None:
        print(f"  wasm (node:wasi, V8; not a target): {fmt_ms(totals['wasm_time_s'])} ms in total, "
              f"{fmt_ratio(totals['speedup_wasm'], 1)}x Qiskit's speed, {fmt_ratio(totals['wasm_over_native'], 2)}x "
              f"our native time")
    elif not args.no_wasm:
        print(f"  wasm: not measured ({wasm_error})")
    if skipped:
        print(f"skipped (MQT Bench or the qasm2 exporter refused): {', '.join(s['name'] for s in skipped)}")
    if any(r.get("wasm_mismatch") for r in rows):
        print("WARNING: the wasm build's counts differ from the native build's for some circuits")
    elapsed = time.perf_counter() - started
    print(f"runtime: {elapsed:.0f} s in all (generation {gen_s:.0f} s, Qiskit {qiskit_s:.0f} s)")

    doc = {
        "bench": "circuits-compare",
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "level": LEVEL,
        "basis": BASIS,
        "seed_transpiler": SEED_TRANSPILER,
        "runs": {"ours": args.runs, "qiskit": args.qiskit_runs},
        "versions": {
            "qiskit": qiskit.__version__,
            "mqt.bench": metadata.version("mqt.bench"),
            "python": platform.python_version(),
        },
        "machine": native.get("machine"),
        "wasm_runtime": (wasm or {}).get("runtime"),
        "wasm_error": wasm_error,
        "targets": targets,
        "totals": totals,
        "families": fam_summary,
        "circuits": rows,
        "skipped": skipped,
        "seconds": {"total": elapsed, "generation": gen_s, "qiskit": qiskit_s},
    }
    out_json = Path(args.out)
    out_json.parent.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps(doc, indent=1) + "\n")
    log(f"wrote {out_json}")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
