// The gateway's cost under `wrangler dev`, measured with oha (OHA_BIN): requests/s and p50/p99 latency of an
// authenticated GET through the gateway — a custom route (`GET /bench/ping` → our `health` handler, auth
// `read`), so the request is authenticated, matched against the route table, counted against the caller's
// limits and recorded in analytics — with a JWT and with an API key, against `GET /healthz` on the same
// server (no authentication, no limit, not recorded: the Worker's floor). Two servers: rate limiting on
// (every request asks the user's RateLimiter Durable Object; the limit is set far above the load) and off
// (SYNQ_HTTP_RATE_LIMITS=off). Each scenario runs REPEAT times, interleaved; the report has the medians and
// the ratios to the floor. JSON on stdout.
//
// Req/s on this machine is bounded by its cores, not by the gateway; what carries to the edge is the CPU a
// request costs. So each measured run (not the warm-ups) also reads the CPU time wrangler's process group
// spent (procstat.mjs, Linux /proc) and divides it by the requests oha completed:
// - cpu_us_per_request: both workerd processes — wrangler's proxy (the server's port) and the one running
//   our Worker and its Durable Objects; cpu_us_overhead is a route's cost above /healthz's;
// - worker_cpu_us_per_request (and worker_cpu_us_overhead): that second workerd alone (the edge runs no
//   wrangler proxy);
// - node_cpu_us_per_request: wrangler's Node process, apart: not on the request path, but it gets a log
//   line per request and a debug log per devtools event (see procstat.mjs).
// All three include wrangler's devtools instrumentation (per-subrequest Network events, relayed by the
// proxy), which the CLI cannot turn off: upper bounds for the edge. edge_cores_for_10k_rps estimates from
// them how many cores' worth of isolates the seed's 10,000 req/s would keep busy.
//
//   OHA_BIN=… node bench/gateway/run.mjs [--seconds 10] [--connections 16] [--repeat 3]
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpus } from "node:os";
import { promisify } from "node:util";

import { mintToken, startWrangler } from "../../tests/e2e/harness.mjs";
import { cpuBetween, sampleGroup } from "./procstat.mjs";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith("--") ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const SECONDS = Number(args.seconds ?? 10);
const CONNECTIONS = Number(args.connections ?? 16);
const REPEAT = Number(args.repeat ?? 3);
const oha = process.env.OHA_BIN;
if (!oha) throw new Error("set OHA_BIN (scripts/bench-gateway.sh installs oha and does)");

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
/** The median of `xs`, or null if any is null (no /proc to read). */
const medianOrNull = (xs) => (xs.some((x) => x === null) ? null : median(xs));
const round = (x, digits) => (x === null ? null : Number(x.toFixed(digits)));
/** `cost - floor` in µs, or null without both. */
const overOrNull = (cost, floor) => (cost === null || floor === null ? null : round(cost - floor, 1));
/** The seed's target load, for the edge estimate. */
const TARGET_RPS = 10_000;

async function load(url, headers) {
  const argv = ["-z", `${SECONDS}s`, "-c", String(CONNECTIONS), "--no-tui", "--output-format", "json", url];
  for (const [k, v] of Object.entries(headers)) argv.push("-H", `${k}: ${v}`);
  const { stdout } = await promisify(execFile)(oha, argv, { maxBuffer: 64 << 20 });
  const r = JSON.parse(stdout);
  const statuses = r.statusCodeDistribution ?? {};
  return {
    rps: r.summary.requestsPerSec,
    p50_ms: r.latencyPercentiles.p50 * 1000,
    p99_ms: r.latencyPercentiles.p99 * 1000,
    ok: statuses["200"] ?? 0,
    other: Object.entries(statuses).filter(([s]) => s !== "200").reduce((n, [, c]) => n + c, 0),
  };
}

/** One measured run: `load` plus the CPU microseconds per completed request the server's processes spent. */
async function measuredLoad(server, url, headers) {
  const before = sampleGroup(server.pgid, server.port);
  const run = await load(url, headers);
  const spent = cpuBetween(before, sampleGroup(server.pgid, server.port));
  const requests = run.ok + run.other;
  const perRequest = (seconds) => (spent && requests > 0 ? round((seconds * 1e6) / requests, 1) : null);
  return {
    ...run,
    cpu_us_per_request: perRequest(spent && spent.proxy + spent.worker),
    worker_cpu_us_per_request: perRequest(spent?.worker),
    node_cpu_us_per_request: perRequest(spent?.node),
  };
}

async function call(base, token, method, path, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function measure(limits) {
  const secret = randomBytes(24).toString("hex");
  const vars = {
    SYNQ_GATEWAY_ADMINS: "root",
    SYNQ_REQUESTS_PER_MINUTE: "100000000",
    ...(limits ? {} : { SYNQ_HTTP_RATE_LIMITS: "off" }),
  };
  const server = await startWrangler({ secret, label: `wrangler (bench, limits ${limits ? "on" : "off"})`, vars });
  try {
    const root = mintToken(secret, { sub: "root", exp: Math.floor(Date.now() / 1000) + 3600 });
    const jwt = mintToken(secret, { sub: "bench", exp: Math.floor(Date.now() / 1000) + 3600 });
    await call(server.base, root, "POST", "/api/v1/gateway/routes", {
      path: "/bench/ping",
      methods: ["GET"],
      target: { handler: "health" },
      auth: "read",
    });
    const key = (await call(server.base, jwt, "POST", "/api/v1/gateway/keys", { name: "bench" })).secret;
    const scenarios = {
      floor: [`${server.base}/healthz`, {}],
      jwt: [`${server.base}/bench/ping`, { authorization: `Bearer ${jwt}` }],
      api_key: [`${server.base}/bench/ping`, { "x-api-key": key }],
    };
    // Warm up: compile, caches, the user's limiter object.
    for (const [url, headers] of Object.values(scenarios)) await load(url, headers);
    const runs = Object.fromEntries(Object.keys(scenarios).map((k) => [k, []]));
    for (let i = 0; i < REPEAT; i++) {
      for (const [name, [url, headers]] of Object.entries(scenarios)) {
        runs[name].push(await measuredLoad(server, url, headers));
      }
    }
    const summary = {};
    for (const [name, rs] of Object.entries(runs)) {
      summary[name] = {
        rps: median(rs.map((r) => r.rps)),
        p50_ms: median(rs.map((r) => r.p50_ms)),
        p99_ms: median(rs.map((r) => r.p99_ms)),
        non_200: rs.reduce((n, r) => n + r.other, 0),
        cpu_us_per_request: medianOrNull(rs.map((r) => r.cpu_us_per_request)),
        worker_cpu_us_per_request: medianOrNull(rs.map((r) => r.worker_cpu_us_per_request)),
        node_cpu_us_per_request: medianOrNull(rs.map((r) => r.node_cpu_us_per_request)),
        runs: rs,
      };
    }
    for (const name of ["jwt", "api_key"]) {
      const s = summary[name];
      s.rps_ratio_to_floor = s.rps / summary.floor.rps;
      s.p50_overhead_ms = s.p50_ms - summary.floor.p50_ms;
      s.p99_overhead_ms = s.p99_ms - summary.floor.p99_ms;
      s.cpu_us_overhead = overOrNull(s.cpu_us_per_request, summary.floor.cpu_us_per_request);
      s.worker_cpu_us_overhead = overOrNull(s.worker_cpu_us_per_request, summary.floor.worker_cpu_us_per_request);
    }
    return summary;
  } finally {
    await server.dispose();
  }
}

/** Cores' worth of isolates TARGET_RPS would keep busy at each scenario's median CPU cost. */
function edgeCores(summary) {
  const cores = (us) => (us === null ? null : round((TARGET_RPS * us) / 1e6, 3));
  return Object.fromEntries(
    Object.entries(summary).map(([name, s]) => [
      name,
      { all_workerd: cores(s.cpu_us_per_request), worker_only: cores(s.worker_cpu_us_per_request) },
    ]),
  );
}

const when = new Date().toISOString();
const limitsOn = await measure(true);
const limitsOff = await measure(false);
const report = {
  bench: "gateway",
  when,
  machine: { cpus: cpus().length, model: cpus()[0]?.model },
  oha: { seconds: SECONDS, connections: CONNECTIONS, repeat: REPEAT },
  limits_on: limitsOn,
  limits_off: limitsOff,
  edge_cores_for_10k_rps: {
    estimate:
      `An estimate from local CPU cost, not a measurement at the edge: ${TARGET_RPS} req/s × the median ` +
      "CPU µs per request / 1e6, in this machine's cores. all_workerd from cpu_us_per_request (with " +
      "wrangler's local proxy), worker_only from worker_cpu_us_per_request (without it; still with the " +
      "devtools events wrangler dev has the Worker emit per subrequest, so an upper bound); the edge's " +
      "CPUs, isolate reuse and Durable Object placement differ.",
    limits_on: edgeCores(limitsOn),
    limits_off: edgeCores(limitsOff),
  },
};
console.log(JSON.stringify(report, null, 2));
