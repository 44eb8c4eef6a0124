// Offloaded training end to end: a real `wrangler dev` (D1 for jobs and model versions, local R2 for the
// ONNX blobs) and the real batch runner binary running the real trainer component under wasmtime.
// A queued job is leased, trained, uploaded and completed; its model is registered as 1.0.0 and its
// blob downloads as a well-formed ONNX model. Then a runner is SIGKILLed mid-training: its lease runs
// out (SYNQ_TRAINING_LEASE_MS is short here), a second runner completes the job as 1.1.0, and the dead
// runner's token is refused. The runner's lease token is secret (never in a job's status), so the first
// runner of that test talks to the edge through a recording proxy, as a network observer would.
// Last, four jobs of one task are completed at the same moment (by hand, no trainer): each gets its own
// version and the jobs agree with the registry; and the job list, walked in pages by `next_cursor`, is
// the whole list.
//
// Needs `target/debug/synq-batch-runner` (built by `cargo test --workspace`, or
// `cargo build -p synq-batch-runner`; SYNQ_BATCH_RUNNER overrides) and
// `target/wasm32-wasip2/release/synq_trainer.wasm` (scripts/test.sh builds both).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { mintToken, root, startWrangler, waitFor } from "./harness.mjs";

const targetDir = process.env.CARGO_TARGET_DIR ?? join(root, "target");
const runnerBin = process.env.SYNQ_BATCH_RUNNER ?? join(targetDir, "debug", "synq-batch-runner");
const component = join(targetDir, "wasm32-wasip2", "release", "synq_trainer.wasm");
const secret = randomBytes(24).toString("hex");
/** Short, so that a dead runner's job comes back within the test; runners report every third of it. */
const LEASE_MS = 3_000;
/** Generous: the runner labels its circuits and compiles the component (debug build) before leasing. */
const RUN_TIMEOUT_MS = 240_000;
/** A small dataset: 8 generated circuits per family, no corpus. */
const DATA_ARGS = ["--per-family", "8", "--no-corpus"];

let server;
const children = new Set();

before(async () => {
  for (const [file, how] of [
    [runnerBin, "cargo build -p synq-batch-runner"],
    [component, "cargo build --release --target wasm32-wasip2 -p synq-trainer"],
  ]) {
    assert.ok(existsSync(file), `missing ${file}: run \`${how}\``);
  }
  server = await startWrangler({
    secret,
    label: "wrangler (training)",
    vars: {
      SYNQ_GATEWAY_ADMINS: "runner",
      SYNQ_TRAINING_LEASE_MS: String(LEASE_MS),
      SYNQ_MESSAGES_PER_MINUTE: "1000000",
      SYNQ_EDITS_PER_MINUTE: "1000000",
    },
  });
});

after(async () => {
  for (const child of children) child.kill("SIGKILL");
  if (server) {
    if (process.env.E2E_WRANGLER_LOG) console.log(server.log);
    await server.dispose();
  }
});

const user = mintToken(secret, { sub: "alice", name: "alice" });
const runnerToken = mintToken(secret, { sub: "runner", name: "runner" });

async function call(credential, method, path, { json, bytes, headers = {} } = {}) {
  const init = { method, headers: { authorization: `Bearer ${credential}`, ...headers } };
  if (json !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (bytes !== undefined) {
    init.headers["content-type"] = "application/octet-stream";
    init.body = bytes;
  }
  const res = await fetch(`${server.base}/api/v1/training${path}`, init);
  const body = Buffer.from(await res.arrayBuffer());
  const type = res.headers.get("content-type") ?? "";
  return { status: res.status, type, body, json: type.includes("json") ? JSON.parse(body.toString()) : null };
}

const job = async (id) => (await call(user, "GET", `/jobs/${id}`)).json.job;

/** A family classifier small enough to train in seconds: `epochs` epochs through `hidden` layers. */
const smallFamilyJob = (epochs, hidden) => ({
  task: "family",
  spec: {
    kind: "mlp_classifier", epochs, batch_size: 16, learning_rate: 0.01, seed: 3,
    hidden_layers: hidden, clusters: 0, anomaly_quantile: 0, target_transform: "none",
  },
});

/** Starts a runner against `edge`; resolves `exited` with its exit code. */
function startRunner(name, edge, { once = true } = {}) {
  const args = ["run", "--edge", edge, "--token", runnerToken, "--runner", name, "--component", component, ...DATA_ARGS];
  if (once) args.push("--once");
  const child = spawn(runnerBin, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let log = "";
  child.stdout.on("data", (b) => (log += b));
  child.stderr.on("data", (b) => (log += b));
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => {
    children.delete(child);
    resolve({ code, signal });
  }));
  return { child, exited, log: () => log };
}

/** ONNX is a protobuf ModelProto: walk its top-level fields and check those a model needs. */
function checkOnnx(bytes) {
  const varint = (at) => {
    let value = 0n, shift = 0n, i = at;
    for (;;) {
      const b = bytes[i++];
      value |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return [value, i];
      shift += 7n;
    }
  };
  const fields = new Map();
  let at = 0;
  while (at < bytes.length) {
    const [key, next] = varint(at);
    const [number, wire] = [Number(key >> 3n), Number(key & 7n)];
    if (wire === 0) {
      const [value, end] = varint(next);
      fields.set(number, value);
      at = end;
    } else if (wire === 2) {
      const [len, start] = varint(next);
      const end = start + Number(len);
      assert.ok(end <= bytes.length, `field ${number} runs past the end`);
      fields.set(number, bytes.subarray(start, end));
      at = end;
    } else {
      assert.fail(`unexpected wire type ${wire} for field ${number}`);
    }
  }
  assert.equal(at, bytes.length);
  assert.equal(fields.get(1), 8n, "ir_version 8");
  assert.equal(Buffer.from(fields.get(2)).toString(), "synq-trainer", "producer_name");
  assert.ok(fields.get(7)?.length > 0, "a graph");
  assert.ok(Buffer.from(fields.get(7)).includes("features"), "the graph reads `features`");
}

test("a queued job is leased, trained, uploaded and registered as 1.0.0; its ONNX downloads", { timeout: RUN_TIMEOUT_MS }, async () => {
  const queuedAt = Date.now();
  const queued = await call(user, "POST", "/jobs", { json: smallFamilyJob(40, [16]) });
  assert.equal(queued.status, 201, queued.body.toString());
  const id = queued.json.job.id;
  assert.equal(queued.json.job.state, "pending");
  // Only runners (admin) may lease.
  assert.equal((await call(user, "POST", "/lease", { json: { runner: "alice" } })).status, 403);

  const runner = startRunner("r-happy", server.base);
  const { code } = await runner.exited;
  assert.equal(code, 0, runner.log());
  const done = await job(id);
  console.log(`training e2e: queue → completed in ${((Date.now() - queuedAt) / 1000).toFixed(1)} s (runner start, labelling and component compile included)`);
  assert.equal(done.state, "completed", JSON.stringify(done));
  assert.equal(done.attempts, 1);
  assert.deepEqual(done.model_version, { major: 1, minor: 0, patch: 0 });
  const metrics = Object.fromEntries(done.metrics);
  assert.ok(metrics.accuracy > 0 && metrics.accuracy <= 1, JSON.stringify(done.metrics));
  assert.equal(done.lease, null);

  const models = await call(user, "GET", "/models?task=family");
  assert.equal(models.status, 200);
  assert.equal(models.json.models.length, 1);
  assert.equal(models.json.models[0].job_id, id);
  const blob = await call(user, "GET", "/models/family/1.0.0");
  assert.equal(blob.status, 200);
  assert.equal(blob.type, "application/octet-stream");
  checkOnnx(blob.body);
  const missing = await call(user, "GET", "/models/family/9.9.9");
  assert.equal(missing.status, 404);
  assert.equal(missing.json.error.code, "NOT_FOUND");
});

/** A proxy to the edge that remembers every lease answer (the lease token is only ever sent there). */
async function recordingProxy() {
  const leases = [];
  const proxy = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const headers = { ...req.headers };
    delete headers.host;
    delete headers["content-length"];
    const body = chunks.length ? Buffer.concat(chunks) : undefined;
    try {
      const answer = await fetch(`${server.base}${req.url}`, { method: req.method, headers, body });
      const bytes = Buffer.from(await answer.arrayBuffer());
      if (req.url.endsWith("/lease") && answer.status === 200) leases.push(JSON.parse(bytes.toString()));
      res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "text/plain" });
      res.end(bytes);
    } catch (e) {
      res.writeHead(502);
      res.end(String(e));
    }
  });
  await new Promise((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  return { base: `http://127.0.0.1:${proxy.address().port}`, leases, close: () => new Promise((r) => proxy.close(r)) };
}

test("a runner killed mid-training loses its lease; a second runner completes the job as 1.1.0", { timeout: RUN_TIMEOUT_MS }, async () => {
  // Long enough (a few seconds) that the first runner is still training when it is killed.
  const queued = await call(user, "POST", "/jobs", { json: smallFamilyJob(1_000, [64, 64]) });
  assert.equal(queued.status, 201, queued.body.toString());
  const id = queued.json.job.id;

  const proxy = await recordingProxy();
  try {
    const doomed = startRunner("r-doomed", proxy.base, { once: false });
    const training = await waitFor(async () => {
      const j = await job(id);
      return j.state === "running" && j.progress?.epoch >= 1 ? j : null;
    }, { timeout: RUN_TIMEOUT_MS / 2, label: "progress from the first runner", describe: doomed.log });
    assert.equal(training.lease.runner, "r-doomed");
    assert.ok(training.eta_at_ms > training.updated_at_ms - 1, JSON.stringify(training));
    assert.equal(training.lease.token, undefined, "the token is never shown");
    doomed.child.kill("SIGKILL");
    await doomed.exited;
    const killedAt = Date.now();
    assert.equal(proxy.leases.length, 1);
    const deadToken = proxy.leases[0].token;
    assert.equal(proxy.leases[0].lease_ms, LEASE_MS);

    // Evaluated lazily: after the lease runs out, the job reads as pending again.
    const requeued = await waitFor(async () => ((await job(id)).state === "pending" ? true : null), {
      timeout: 4 * LEASE_MS,
      label: "the lease to expire",
    });
    assert.ok(requeued);
    console.log(`training e2e: the dead runner's job was back in the queue ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill (lease ${LEASE_MS} ms)`);

    const startedAt = Date.now();
    const rescuer = startRunner("r-rescuer", server.base);
    const { code } = await rescuer.exited;
    assert.equal(code, 0, rescuer.log());
    console.log(`training e2e: second runner: start → completed in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    const done = await job(id);
    assert.equal(done.state, "completed", JSON.stringify(done));
    assert.equal(done.attempts, 2);
    assert.deepEqual(done.model_version, { major: 1, minor: 1, patch: 0 });

    // Whatever the dead runner might still send is refused.
    const late = await call(runnerToken, "POST", `/jobs/${id}/heartbeat`, { json: { token: deadToken } });
    assert.equal(late.status, 409, late.body.toString());
    assert.equal(late.json.error.code, "CONFLICT");
    const lateUpload = await call(runnerToken, "PUT", `/jobs/${id}/model`, {
      bytes: Buffer.from("not a model"),
      headers: { "x-lease-token": deadToken },
    });
    assert.equal(lateUpload.status, 409);
    const blob = await call(user, "GET", "/models/family/1.1.0");
    assert.equal(blob.status, 200);
    checkOnnx(blob.body);
  } finally {
    await proxy.close();
  }
});

test("jobs of one task completed at the same moment register distinct versions; the job list pages", { timeout: RUN_TIMEOUT_MS }, async () => {
  // A task no other test trains, so its versions start at 1.0.0 here.
  const task = "optimization_level";
  const RACERS = 4;
  const ids = [];
  for (let i = 0; i < RACERS; i++) {
    const queued = await call(user, "POST", "/jobs", { json: { task } });
    assert.equal(queued.status, 201, queued.body.toString());
    ids.push(queued.json.job.id);
  }
  const tokens = new Map();
  for (let i = 0; i < RACERS; i++) {
    const leased = await call(runnerToken, "POST", "/lease", { json: { runner: "r-race" } });
    assert.equal(leased.status, 200, leased.body.toString());
    assert.ok(ids.includes(leased.json.job.id), "only this test's jobs wait");
    tokens.set(leased.json.job.id, leased.json.token);
    const uploaded = await call(runnerToken, "PUT", `/jobs/${leased.json.job.id}/model`, {
      bytes: Buffer.from(`model of ${leased.json.job.id}`),
      headers: { "x-lease-token": leased.json.token },
    });
    assert.equal(uploaded.status, 200, uploaded.body.toString());
  }
  // All at once: each reads the same latest version; the store takes one per version, the others retry.
  const completed = await Promise.all(ids.map((id) =>
    call(runnerToken, "POST", `/jobs/${id}/complete`, { json: { token: tokens.get(id), metrics: [["accuracy", 0.5]] } })));
  for (const c of completed) assert.equal(c.status, 200, c.body.toString());
  const version = (v) => `${v.major}.${v.minor}.${v.patch}`;
  const versions = completed.map((c) => version(c.json.model.version)).sort();
  assert.deepEqual(versions, ["1.0.0", "1.1.0", "1.2.0", "1.3.0"]);
  // The registry and the jobs agree, and each version's blob is its own job's.
  const models = await call(user, "GET", `/models?task=${task}`);
  assert.equal(models.json.models.length, RACERS);
  for (const model of models.json.models) {
    const shown = await job(model.job_id);
    assert.equal(shown.state, "completed");
    assert.deepEqual(shown.model_version, model.version);
    const blob = await call(user, "GET", `/models/${task}/${version(model.version)}`);
    assert.equal(blob.body.toString(), `model of ${model.job_id}`);
  }

  // The job list in pages of two, following next_cursor, is the whole list, newest first.
  const whole = await call(user, "GET", "/jobs?limit=100");
  assert.equal(whole.status, 200);
  assert.equal(whole.json.next_cursor, undefined);
  const paged = [];
  let cursor = null;
  do {
    const page = await call(user, "GET", `/jobs?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    assert.equal(page.status, 200, page.body.toString());
    assert.ok(page.json.jobs.length <= 2);
    paged.push(...page.json.jobs.map((j) => j.id));
    cursor = page.json.next_cursor ?? null;
  } while (cursor);
  assert.deepEqual(paged, whole.json.jobs.map((j) => j.id));
  assert.ok(paged.length >= RACERS + 2, `${paged.length} jobs`);
  const created = whole.json.jobs.map((j) => j.created_at_ms);
  assert.deepEqual(created, [...created].sort((a, b) => b - a));
  const bad = await call(user, "GET", "/jobs?cursor=nonsense");
  assert.equal(bad.status, 400);
  assert.deepEqual([bad.json.error.code, bad.json.error.field], ["INVALID_MESSAGE", "cursor"]);
});
