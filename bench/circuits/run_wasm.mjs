// Runs the wasm build of the circuits bench (bench/circuits-wasm, target wasm32-wasip1) under Node's
// built-in WASI (`node:wasi`, preview 1). Node's engine is V8, the engine Cloudflare Workers run wasm in,
// and it needs nothing installed.
//
//   node --no-warnings bench/circuits/run_wasm.mjs WASM_FILE --dir DIR [--level 3] [--runs 5]
//
// DIR is preopened at its own (absolute) path, so the guest reads it as given. The module's JSON goes
// to stdout, its progress to stderr; the exit code is the module's.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { WASI } from "node:wasi";

const [wasmFile, ...args] = process.argv.slice(2);
if (!wasmFile) {
  console.error("usage: run_wasm.mjs WASM_FILE --dir DIR [--level 3] [--runs 5]");
  process.exit(2);
}
const at = args.indexOf("--dir");
if (at < 0 || !args[at + 1]) {
  console.error("run_wasm.mjs: --dir DIR is required");
  process.exit(2);
}
const dir = path.resolve(args[at + 1]);
args[at + 1] = dir;

const wasi = new WASI({
  version: "preview1",
  args: ["synq-bench-circuits-wasm", "circuits", ...args],
  env: {},
  preopens: { [dir]: dir },
  returnOnExit: true,
});
const module = await WebAssembly.compile(await readFile(wasmFile));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
