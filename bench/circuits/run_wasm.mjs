// Runs the wasm build of the circuits bench (bench/circuits-wasm, target wasm32-wasip1) under Node's
// built-in WASI (`node:wasi`, preview 1). Node's engine is V8, the engine Cloudflare Workers run wasm in,
// and it needs nothing installed.
//
//   node --no-warnings bench/circuits/run_wasm.mjs WASM_FILE --dir DIR [--level 3] [--runs 5] [--warmup]
//
// DIR is preopened at its own (absolute) path, so the guest reads it as given. The module's JSON goes
// to stdout, its progress to stderr; the exit code is the module's. With --warmup the module first runs
// once over the whole folder (one run per circuit, output discarded) in another instance of the same
// compiled module, so that the timed run sees V8's optimized code rather than its baseline tier, as the
// Qiskit side is timed after a warm-up transpile.
import { openSync, closeSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { WASI } from "node:wasi";

const [wasmFile, ...rest] = process.argv.slice(2);
if (!wasmFile) {
  console.error("usage: run_wasm.mjs WASM_FILE --dir DIR [--level 3] [--runs 5] [--warmup]");
  process.exit(2);
}
const warmup = rest.includes("--warmup");
const args = rest.filter((a) => a !== "--warmup");
const at = args.indexOf("--dir");
if (at < 0 || !args[at + 1]) {
  console.error("run_wasm.mjs: --dir DIR is required");
  process.exit(2);
}
const dir = path.resolve(args[at + 1]);
args[at + 1] = dir;

const module = await WebAssembly.compile(await readFile(wasmFile));

async function run(moduleArgs, stdout) {
  const wasi = new WASI({
    version: "preview1",
    args: ["synq-bench-circuits-wasm", "circuits", ...moduleArgs],
    env: {},
    preopens: { [dir]: dir },
    returnOnExit: true,
    stdout,
  });
  const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
  return wasi.start(instance);
}

if (warmup) {
  const once = args.filter((_, i) => args[i - 1] !== "--runs" && args[i] !== "--runs");
  const devNull = openSync("/dev/null", "w");
  try {
    await run([...once, "--runs", "1"], devNull);
  } finally {
    closeSync(devNull);
  }
}
process.exitCode = await run(args, 1);
