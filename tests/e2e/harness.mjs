// Harness for the end-to-end tests: a real `wrangler dev --local` (workerd) and real `ws` clients.
//
// - `startWrangler()` spawns wrangler in its own process group and resolves once it prints
//   `Ready on http://127.0.0.1:<port>`; the handle can `stop()` (SIGINT, then SIGKILL), `kill()`
//   (SIGKILL to the whole group: a crash) and `restart()` on the same `--persist-to` directory.
// - `mintToken()` signs HS256 JWTs with node:crypto (and forges the bad ones the auth tests need).
// - `Peer` is a client as an editor would run it: a `ws` socket plus the SDK's `SynqClient` (the Rust
//   OT client state machine built by scripts/build-sdk.sh), so no OT is written in JavaScript here.
// - `RawSocket` speaks raw JSON frames, for protocol-error tests.
//
// The Worker must be built first (`bash scripts/build-worker.sh`, `bash scripts/build-sdk.sh`); wrangler
// runs with SYNQ_PREBUILT=1 so that it does not rebuild on every start.
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import WebSocket from "ws";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const wranglerBin = join(root, "node_modules", ".bin", "wrangler");
const sdkPath = join(root, "target", "sdk-node", "synq_sdk.js");
const workerBuild = join(root, "functions", "api-worker", "build", "index.js");

if (!existsSync(sdkPath)) {
  throw new Error(`missing ${sdkPath}: run \`bash scripts/build-sdk.sh\` first (or \`npm run test:e2e\`)`);
}
if (!existsSync(workerBuild)) {
  throw new Error(`missing ${workerBuild}: run \`bash scripts/build-worker.sh\` first (or \`npm run test:e2e\`)`);
}
export const { SynqClient } = createRequire(import.meta.url)(sdkPath);

/** Time limits (ms); generous because 2 cores run wrangler, workerd and the test clients together. */
export const READY_TIMEOUT_MS = 90_000;
export const STOP_TIMEOUT_MS = 10_000;
export const WAIT_TIMEOUT_MS = 15_000;

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The longest one HTTP exchange (the answer and its whole body) may take; far above any answer's time. */
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * `fetch(url, init)` with its body read as text: `{ status, headers, text }`. A request not fully answered
 * within REQUEST_TIMEOUT_MS fails the test with its method and URL, instead of stalling it (fetch waits for
 * a held request for minutes).
 */
export async function fetchText(url, init = {}) {
  const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  // A caller's own signal still counts beside the timeout.
  const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  try {
    const res = await fetch(url, { ...init, signal });
    return { status: res.status, headers: res.headers, text: await res.text() };
  } catch (e) {
    if (e?.name !== "TimeoutError") throw e;
    throw new Error(`${init.method ?? "GET"} ${url}: no complete answer within ${REQUEST_TIMEOUT_MS} ms`);
  }
}

/** A random suffix, so that every test gets its own session (sessions isolate tests on one wrangler). */
export const uniqueId = (prefix) => `${prefix}-${randomBytes(6).toString("hex")}`;

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// wrangler dev
// ---------------------------------------------------------------------------------------------

/** Process groups still alive; killed on exit so that a failed or interrupted run leaks no workerd. */
const liveGroups = new Set();
/** Temporary persist directories the harness made; removed on exit too. */
const ownedDirs = new Set();

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (e) {
    if (e.code === "ESRCH") return false;
    throw e;
  }
}

function groupAlive(pid) {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGroupGone(pid, ms) {
  const deadline = Date.now() + ms;
  while (groupAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

process.on("exit", () => {
  for (const pid of liveGroups) killGroup(pid, "SIGKILL");
  // Exit handlers cannot await: block (at most 5 s) until the killed processes are gone, so that no
  // workerd writes into a directory while it is being removed.
  const tick = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + 5_000;
  while ([...liveGroups].some(groupAlive) && Date.now() < deadline) Atomics.wait(tick, 0, 0, 20);
  for (const dir of ownedDirs) rmSync(dir, { recursive: true, force: true });
});
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  // process.exit runs the "exit" handler above.
  process.once(signal, () => process.exit(128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 }[signal] ?? 0)));
}

const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");

const wranglerEnv = {
  ...process.env,
  SYNQ_PREBUILT: "1",
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  NO_COLOR: "1",
  FORCE_COLOR: "0",
};

/** Runs `wrangler d1 <command…> DB --local --persist-to dir <options…>`. */
async function wranglerD1(dir, command, options = []) {
  const args = ["d1", ...command, "DB", "--local", "--persist-to", dir, ...options];
  try {
    await promisify(execFile)(wranglerBin, args, { cwd: root, env: wranglerEnv, timeout: READY_TIMEOUT_MS });
  } catch (e) {
    throw new Error(`wrangler ${args.join(" ")} failed: ${e.message}\n${e.stdout ?? ""}${e.stderr ?? ""}`);
  }
}

/** The local D1 sessions index in `dir` gets the schema migrations it lacks (idempotent). */
const applyD1Migrations = (dir) => wranglerD1(dir, ["migrations", "apply"]);

/** Runs SQL on the local D1 database in `dir`, while no wrangler runs on it (a test's way to set up state). */
export const executeD1 = (dir, sql) => wranglerD1(dir, ["execute"], ["--command", sql]);

/**
 * Starts `wrangler dev --local` on a fresh port with `--persist-to persistDir` (a new temporary
 * directory if omitted, removed by `dispose()`), `JWT_SECRET` set to `secret`, and `vars` (by default rate
 * limits far above what the suites send).
 *
 * The returned handle:
 * - `base` / `wsBase`: `http://127.0.0.1:<port>` / `ws://…` of the current process;
 * - `log`: everything wrangler printed (all runs), for failure messages;
 * - `pgid`: the process group of the current run (wrangler and its workerd), null while stopped;
 * - `stop()`: SIGINT to the process group, SIGKILL after STOP_TIMEOUT_MS;
 * - `kill()`: SIGKILL to the whole group at once (a crash: nothing gets to flush);
 * - `restart({ crash, whileStopped })`: `kill()` or `stop()`, then `await whileStopped(persistDir)` if
 *   given, then start again on the same persist directory;
 * - `dispose()`: stop, then delete the persist directory if the harness created it.
 */
/** Rate limits far above what the suites send: only limits.test.mjs runs with real ones. */
export const GENEROUS_RATES = { SYNQ_MESSAGES_PER_MINUTE: "1000000", SYNQ_EDITS_PER_MINUTE: "1000000" };

export async function startWrangler({ secret, persistDir, label = "wrangler", vars = GENEROUS_RATES } = {}) {
  if (!secret) throw new Error("startWrangler needs the JWT secret");
  const ownDir = !persistDir;
  const dir = persistDir ?? mkdtempSync(join(tmpdir(), "synq-e2e-"));
  if (ownDir) ownedDirs.add(dir);
  let log = "";
  let proc = null; // { child, pid, exited }
  let port = 0;

  async function start() {
    port = await freePort();
    const inspectorPort = await freePort();
    const startedAt = Date.now();
    const child = spawn(
      wranglerBin,
      [
        "dev",
        "--local",
        "--ip", "127.0.0.1",
        "--port", String(port),
        "--inspector-port", String(inspectorPort),
        "--persist-to", dir,
        "--var", `JWT_SECRET:${secret}`,
        ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
        "--show-interactive-dev-session=false",
      ],
      {
        cwd: root,
        detached: true, // own process group: workerd dies with it
        env: wranglerEnv,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const pid = child.pid;
    liveGroups.add(pid);
    const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
    proc = { child, pid, exited };
    log += `\n--- ${label}: start on :${port} (pid ${pid}) ---\n`;
    const ready = `Ready on http://127.0.0.1:${port}`;
    let runLog = "";
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${label}: not ready after ${READY_TIMEOUT_MS} ms:\n${log}`));
      }, READY_TIMEOUT_MS);
      const onData = (buf) => {
        const text = stripAnsi(buf.toString());
        log += text;
        runLog += text;
        if (runLog.includes(ready)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`${label}: exited before ready (${code ?? signal}):\n${log}`));
      });
    }).catch(async (e) => {
      await terminate("SIGKILL");
      throw e;
    });
    log += `--- ${label}: ready in ${Date.now() - startedAt} ms ---\n`;
  }

  async function terminate(signal) {
    if (!proc) return;
    const { pid, exited } = proc;
    proc = null;
    killGroup(pid, signal);
    let timer;
    const res = await Promise.race([exited, new Promise((r) => (timer = setTimeout(() => r(null), STOP_TIMEOUT_MS)))]);
    clearTimeout(timer);
    if (res === null) log += `--- ${label}: no exit ${STOP_TIMEOUT_MS} ms after ${signal}; SIGKILL ---\n`;
    // wrangler may be gone while workerd still holds the persist directory: end the whole group.
    killGroup(pid, "SIGKILL");
    if (!(await waitGroupGone(pid, STOP_TIMEOUT_MS))) {
      throw new Error(`${label}: process group ${pid} survived SIGKILL`);
    }
    liveGroups.delete(pid);
    log += `--- ${label}: stopped (${signal}) ---\n`;
  }

  // Once per server: a restart keeps the directory and so its schema.
  await applyD1Migrations(dir);
  await start();
  return {
    get port() {
      return port;
    },
    get base() {
      return `http://127.0.0.1:${port}`;
    },
    get wsBase() {
      return `ws://127.0.0.1:${port}`;
    },
    get log() {
      return log;
    },
    get pgid() {
      return proc?.pid ?? null;
    },
    persistDir: dir,
    stop: () => terminate("SIGINT"),
    kill: () => terminate("SIGKILL"),
    async restart({ crash = false, whileStopped } = {}) {
      await terminate(crash ? "SIGKILL" : "SIGINT");
      if (whileStopped) await whileStopped(dir);
      await start();
    },
    async dispose() {
      await terminate("SIGINT");
      if (ownDir) {
        rmSync(dir, { recursive: true, force: true });
        ownedDirs.delete(dir);
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

// One token implementation for local use and tests: scripts/jwt.mjs.
export { mintToken, tokenFor } from "../../scripts/jwt.mjs";

// ---------------------------------------------------------------------------------------------
// Sockets
// ---------------------------------------------------------------------------------------------

/**
 * `wsBase/sessions/{session}/ws`, with the token in `Authorization` (default) or `?token=`; `origin` sends
 * the `Origin` header every browser sends on an upgrade.
 */
function openSocket(wsBase, session, token, { via = "header", origin } = {}) {
  let url = `${wsBase}/sessions/${encodeURIComponent(session)}/ws`;
  const options = { handshakeTimeout: WAIT_TIMEOUT_MS };
  if (origin !== undefined) options.origin = origin;
  if (token !== undefined) {
    if (via === "query") url += `?token=${encodeURIComponent(token)}`;
    else options.headers = { Authorization: `Bearer ${token}` };
  }
  return new WebSocket(url, options);
}

/**
 * Tries a WebSocket upgrade and reports how it ended: `{ status: 101, ws }` when accepted, else the
 * HTTP status and parsed JSON body of the refusal.
 */
export function tryUpgrade(wsBase, session, token, opts) {
  return new Promise((resolve, reject) => {
    const ws = openSocket(wsBase, session, token, opts);
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => {
        let json = null;
        try {
          json = JSON.parse(body);
        } catch {
          // left null: the test reports the raw body
        }
        resolve({ status: res.statusCode, headers: res.headers, body, json });
        ws.terminate();
      });
    });
    ws.once("open", () => resolve({ status: 101, ws }));
    ws.once("error", (e) => reject(e));
  });
}

/** Polls `pred` every few ms (and right away) until it returns truthy; rejects after `timeout`. */
export async function waitFor(pred, { timeout = WAIT_TIMEOUT_MS, label = "condition", describe } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await pred();
    if (value) return value;
    if (Date.now() > deadline) {
      const extra = describe ? `\n${describe()}` : "";
      throw new Error(`timed out after ${timeout} ms waiting for ${label}${extra}`);
    }
    await sleep(5);
  }
}

/** Opens the socket, or rejects with the refusal's status and body. */
function connectOpen(wsBase, session, token, opts) {
  return tryUpgrade(wsBase, session, token, opts).then((r) => {
    if (r.status !== 101) throw new Error(`upgrade refused: HTTP ${r.status} ${r.body}`);
    return r.ws;
  });
}

/** Frames every connection gets that most tests do not look at: presence, and the comment list on join. */
const notAmbient = (frame) =>
  frame.type !== "presence" && !(frame.type === "comment" && frame.data?.operation?.type === "comments");

/**
 * A socket that speaks raw JSON: every frame the server sends is parsed and queued. For protocol
 * tests that must send what no well-behaved client would.
 */
export class RawSocket {
  static async connect(wsBase, session, token, opts) {
    const raw = new RawSocket(await connectOpen(wsBase, session, token, opts));
    return raw;
  }

  constructor(ws) {
    this.ws = ws;
    /** Every parsed frame received, in order. */
    this.frames = [];
    this.cursor = 0;
    this.closed = null;
    ws.on("message", (data, isBinary) => {
      const text = data.toString();
      let msg;
      try {
        msg = JSON.parse(text);
      } catch {
        msg = { unparsable: text, isBinary };
      }
      this.frames.push(msg);
    });
    ws.on("close", (code, reason) => (this.closed = { code, reason: reason.toString() }));
  }

  get isOpen() {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends an object as JSON, or a string as is. */
  send(message) {
    this.ws.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /** Sends a binary frame. */
  sendBinary(bytes) {
    this.ws.send(Buffer.from(bytes), { binary: true });
  }

  /**
   * The next unread frame for which `pred` holds (frames before it are skipped). By default the next
   * frame that is neither presence nor the comment list on join (who joins or moves a cursor is not what these tests are about).
   */
  async next(pred = notAmbient, { timeout = WAIT_TIMEOUT_MS, label = "a frame" } = {}) {
    return waitFor(
      () => {
        while (this.cursor < this.frames.length) {
          const frame = this.frames[this.cursor++];
          if (pred(frame)) return frame;
        }
        if (this.closed) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) while waiting for ${label}`);
        return null;
      },
      { timeout, label, describe: () => `frames so far: ${JSON.stringify(this.frames).slice(0, 4000)}` },
    );
  }

  /** The next frame that is an `error`, a `sync`, an `edit`, …: `nextOf("sync", "full_sync")`. */
  nextOf(type, opType, opts) {
    return this.next(
      (f) => f.type === type && (opType === undefined || f.data?.operation?.type === opType),
      { label: `${type}/${opType ?? "*"}`, ...opts },
    );
  }

  /** Frames that arrived and were not read yet (except presence and the comment list on join). */
  unread() {
    return this.frames.slice(this.cursor).filter(notAmbient);
  }

  close() {
    return closeSocket(this.ws);
  }
}

function closeSocket(ws) {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve();
    ws.once("close", () => resolve());
    if (ws.readyState !== WebSocket.CLOSING) ws.close(1000);
    setTimeout(() => {
      ws.terminate();
      resolve();
    }, 3_000).unref();
  });
}

/** A synq client message (the envelope clients send). */
export function envelope(type, operation, { version, operationId, session = "", user = "" } = {}) {
  const msg = {
    type,
    session_id: session,
    user_id: user,
    timestamp: Date.now(),
    data: { operation, metadata: operationId === undefined ? {} : { operation_id: operationId } },
  };
  if (version !== undefined) msg.version = version;
  return msg;
}

/**
 * One editor: a `ws` socket driven by the SDK's `SynqClient`. Every server frame is logged and fed to
 * the SDK, and whatever the SDK answers is sent; local edits go through the SDK too. Errors the SDK
 * raises (server errors, lost sync) are collected in `errors` for the test to assert on.
 */
export class Peer {
  /**
   * @param {string} wsBase `ws://127.0.0.1:<port>`
   * @param {string} session session id
   * @param {string} token JWT
   * @param {object} [opts] `{ user, idPrefix, via: "header" | "query" }`
   */
  static async connect(wsBase, session, token, opts = {}) {
    const peer = new Peer(wsBase, session, token, opts);
    await peer.open();
    return peer;
  }

  constructor(wsBase, session, token, { user = "user", idPrefix = uniqueId(user), via = "header" } = {}) {
    Object.assign(this, { wsBase, session, token, user, via });
    this.client = new SynqClient(session, user, idPrefix);
    /** Every frame received on every connection: `{ conn, msg }`. */
    this.received = [];
    /** Every frame sent: `{ conn, msg }` (parsed). */
    this.sent = [];
    /** Errors thrown by the SDK's `receive`, with the frame that caused them. */
    this.errors = [];
    this.conn = 0;
    this.ws = null;
    /** While true, incoming frames are logged but not given to the SDK (to lose an ack on purpose). */
    this.holdIncoming = false;
  }

  /** Opens a connection and waits for its `full_sync` (and, after a reconnect, for any catch-up to end). */
  async open() {
    if (this.ws && this.ws.readyState !== WebSocket.CLOSED) throw new Error(`${this.user}: already connected`);
    const ws = await connectOpen(this.wsBase, this.session, this.token, { via: this.via });
    const conn = ++this.conn;
    this.ws = ws;
    const synced = this.received.length;
    ws.on("message", (data) => this.#onFrame(conn, data.toString()));
    ws.on("close", () => {
      if (this.ws === ws) this.client.disconnected();
    });
    const errorsBefore = this.errors.length;
    await this.waitFor(
      () => {
        if (this.errors.length > errorsBefore) throw new Error(`${this.user}: SDK error before full_sync\n${this.describe()}`);
        if (ws.readyState === WebSocket.CLOSED) throw new Error(`${this.user}: socket closed before full_sync\n${this.describe()}`);
        return this.received.slice(synced).some((r) => r.conn === conn && r.msg?.data?.operation?.type === "full_sync");
      },
      { label: `${this.user}: full_sync on connection ${conn}` },
    );
    if (!this.client.isSynced()) throw new Error(`${this.user}: got a full_sync but the SDK is not synced`);
    return this;
  }

  #onFrame(conn, text) {
    let msg = null;
    try {
      msg = JSON.parse(text);
    } catch {
      // kept as text below; the SDK will report it
    }
    this.received.push({ conn, msg, text });
    if (this.holdIncoming || conn !== this.conn) return;
    let replies;
    try {
      replies = this.client.receive(text, Date.now());
    } catch (e) {
      this.errors.push({ error: e.message, frame: text });
      return;
    }
    for (const reply of replies) this.#send(reply);
  }

  #send(text) {
    this.sent.push({ conn: this.conn, msg: JSON.parse(text) });
    this.ws.send(text);
  }

  /** Sends a message the SDK produced (or a raw one), on the current connection. */
  sendRaw(message) {
    this.#send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /** Inserts locally through the SDK and sends what it says to send (nothing while an edit is in flight). */
  insert(position, content) {
    const msg = this.client.insert(position, content, Date.now());
    if (msg !== undefined && msg !== null) this.#send(msg);
    return msg;
  }

  /** Deletes locally through the SDK and sends what it says to send. */
  delete(position, length) {
    const msg = this.client.delete(position, length, Date.now());
    if (msg !== undefined && msg !== null) this.#send(msg);
    return msg;
  }

  /** The local text (server text plus unconfirmed local edits). */
  get text() {
    return this.client.text();
  }

  get revision() {
    return this.client.revision();
  }

  /** No local edit waits for an ack. */
  get idle() {
    return !this.client.hasUnconfirmed();
  }

  /** Parsed frames received (optionally only those matching `pred`). */
  frames(pred = () => true) {
    return this.received.map((r) => r.msg).filter((m) => m && pred(m));
  }

  waitFor(pred, opts = {}) {
    return waitFor(pred, { describe: () => this.describe(), ...opts });
  }

  /** Waits until every local edit is acknowledged. */
  waitIdle(opts = {}) {
    return this.waitFor(() => this.idle, { label: `${this.user}: all edits acknowledged`, ...opts });
  }

  /** Waits until every local edit is acknowledged and the client has seen revision `revision`. */
  waitSettled(revision, opts = {}) {
    return this.waitFor(() => this.idle && this.revision === revision, {
      label: `${this.user}: idle at revision ${revision}`,
      ...opts,
    });
  }

  /** A short state dump for failure messages. */
  describe() {
    const last = this.received.slice(-5).map((r) => r.text.slice(0, 300));
    return (
      `${this.user}: conn ${this.conn}, revision ${this.revision}, synced ${this.client.isSynced()}, ` +
      `unconfirmed ${this.client.hasUnconfirmed()}, errors ${JSON.stringify(this.errors).slice(0, 1000)}, ` +
      `last frames ${JSON.stringify(last)}`
    );
  }

  /** Closes cleanly (the SDK is told it is disconnected). */
  async close() {
    if (this.ws) await closeSocket(this.ws);
  }

  /** Drops the connection without a closing handshake, as a network failure would. */
  async drop() {
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise((resolve) => ws.once("close", resolve));
    ws.terminate();
    await closed;
  }

  /** Frees the SDK's wasm memory. */
  free() {
    this.client.free();
  }
}
