// The API gateway under wrangler dev (own server, a low HTTP rate limit through vars): every authenticated
// HTTP request is counted by the caller's RateLimiter Durable Object; responses carry RateLimit-* headers;
// over the limit the answer is 429 RATE_LIMITED with retry_after_ms and Retry-After, and the caller
// recovers after the wait. Concurrent requests are counted exactly (one counter per user). CORS answers
// only the configured origins.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";

import { fetchText, sleep, startWrangler, tokenFor, uniqueId } from "./harness.mjs";

const secret = randomBytes(24).toString("hex");
/** 6 a minute (one token every 10 s) with a burst of 3. */
const PER_MINUTE = 6;
const BURST = 3;
const BELL = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nh q[0];\ncx q[0], q[1];\n';
const ALLOWED_ORIGIN = "https://ide.example";
let server;

before(async () => {
  server = await startWrangler({
    secret,
    label: "wrangler (gateway)",
    vars: {
      SYNQ_REQUESTS_PER_MINUTE: String(PER_MINUTE),
      SYNQ_REQUEST_BURST: String(BURST),
      SYNQ_CORS_ORIGINS: ALLOWED_ORIGIN,
    },
  });
});

after(async () => {
  if (server) await server.dispose();
});

async function analyze(user) {
  const res = await fetchText(`${server.base}/api/v1/circuits/analyze`, {
    method: "POST",
    headers: { authorization: `Bearer ${tokenFor(secret, user, "any", "viewer")}`, "content-type": "application/json" },
    body: JSON.stringify({ qasm: BELL }),
  });
  return { ...res, json: JSON.parse(res.text) };
}

test("a burst passes with RateLimit headers, the next request gets 429 with retry_after_ms, and the caller recovers", async () => {
  const user = uniqueId("burst");
  for (let left = BURST - 1; left >= 0; left--) {
    const ok = await analyze(user);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.counts.cx, 1);
    assert.equal(ok.headers.get("ratelimit-limit"), String(BURST));
    assert.equal(ok.headers.get("ratelimit-remaining"), String(left));
    assert.ok(Number(ok.headers.get("ratelimit-reset")) > 0);
  }
  const refused = await analyze(user);
  assert.equal(refused.status, 429, refused.text);
  assert.equal(refused.json.error.code, "RATE_LIMITED");
  const wait = refused.json.error.retry_after_ms;
  assert.ok(wait > 0 && wait <= 10_000, refused.text);
  assert.equal(refused.headers.get("retry-after"), String(Math.ceil(wait / 1000)));
  assert.equal(refused.headers.get("ratelimit-remaining"), "0");

  // Another user has a bucket of their own.
  assert.equal((await analyze(uniqueId("other"))).status, 200);

  await sleep(wait + 50);
  const recovered = await analyze(user);
  assert.equal(recovered.status, 200, recovered.text);
  assert.equal(recovered.headers.get("ratelimit-remaining"), "0");
});

test("concurrent requests are counted exactly: a burst of 3 lets exactly 3 of 12 through", async () => {
  const user = uniqueId("race");
  const started = Date.now();
  const results = await Promise.all(Array.from({ length: 12 }, () => analyze(user)));
  const elapsed = Date.now() - started;
  const statuses = results.map((r) => r.status).sort();
  // One token refills every 10 s; on a slow machine the requests might span a refill.
  const refills = Math.floor(elapsed / 10_000);
  assert.equal(statuses.filter((s) => s === 200).length, BURST + refills, `${statuses} in ${elapsed} ms`);
  assert.ok(statuses.every((s) => s === 200 || s === 429), String(statuses));
  for (const r of results.filter((r) => r.status === 429)) assert.equal(r.json.error.code, "RATE_LIMITED");
});

test("a request without credentials is refused before it is counted", async () => {
  const res = await fetchText(`${server.base}/api/v1/circuits/analyze`, { method: "POST", body: "{}" });
  assert.equal(res.status, 401);
  assert.equal(res.headers.get("ratelimit-limit"), null);
  assert.equal(JSON.parse(res.text).error.code, "UNAUTHORIZED");
});

test("CORS: preflights from the allowed origin get 204, others 403; answers carry the origin's headers", async () => {
  const preflight = (origin, method = "POST", headers = "authorization, content-type") =>
    fetchText(`${server.base}/api/v1/circuits/analyze`, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": method, "access-control-request-headers": headers },
    });
  const ok = await preflight(ALLOWED_ORIGIN);
  assert.equal(ok.status, 204);
  assert.equal(ok.headers.get("access-control-allow-origin"), ALLOWED_ORIGIN);
  assert.match(ok.headers.get("access-control-allow-methods"), /POST/);
  assert.match(ok.headers.get("access-control-allow-headers"), /authorization/);

  for (const refused of [await preflight("https://evil.example"), await preflight(ALLOWED_ORIGIN, "POST", "x-secret")]) {
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get("access-control-allow-origin"), null);
    assert.equal(JSON.parse(refused.text).error.code, "FORBIDDEN");
  }

  const health = (origin) => fetchText(`${server.base}/healthz`, { headers: { origin } });
  const allowed = await health(ALLOWED_ORIGIN);
  assert.equal(allowed.headers.get("access-control-allow-origin"), ALLOWED_ORIGIN);
  assert.match(allowed.headers.get("access-control-expose-headers"), /ratelimit-remaining/);
  const other = await health("https://evil.example");
  assert.equal(other.status, 200);
  assert.equal(other.headers.get("access-control-allow-origin"), null);
  assert.equal(other.headers.get("vary"), "Origin");
});
