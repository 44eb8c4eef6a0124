// The stateless circuit endpoints of the API Worker: POST /api/v1/circuits/analyze, /simulate and /optimize.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { mintToken, tokenFor } from "../harness.mjs";

const BELL2 = `OPENQASM 2.0;
include "qelib1.inc";
qreg q[2];
creg c[2];
h q[0];
cx q[0], q[1];
measure q -> c;
`;
const BELL3 = `OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
bit[2] c;
h q[0];
cx q[0], q[1];
c = measure q;
`;
/** A deterministic outcome (`111`) reached through gates that cancel, merge and translate. */
const DETERMINISTIC = `OPENQASM 2.0;
include "qelib1.inc";
qreg q[3];
creg c[3];
x q[0];
h q[2];
h q[2];
cx q[0], q[1];
cx q[1], q[2];
cx q[1], q[2];
t q[2];
tdg q[2];
ccx q[0], q[1], q[2];
s q[0];
rz(0.25) q[1];
rz(-0.25) q[1];
swap q[0], q[1];
measure q -> c;
`;
const IBM = ["cx", "rz", "sx", "x"];
/** The Worker's qubit cap (synq_circuits_api::Limits::default). */
const MAX_SIM_QUBITS = 20;

function ghz(n) {
  let s = `OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[${n}];\ncreg c[${n}];\nh q[0];\n`;
  for (let i = 1; i < n; i++) s += `cx q[0], q[${i}];\n`;
  return s + "measure q -> c;\n";
}

export function circuitsSuite(ctx) {
  // Any valid token will do: roles are per session, and these endpoints have none.
  const token = () => tokenFor(ctx.secret, "alice", "some-other-session", "viewer");

  /** POSTs `body` (an object is sent as JSON) and returns `{ status, headers, json, text }`. */
  async function call(endpoint, body, { auth = "header", bearer = token(), method = "POST", headers = {} } = {}) {
    let url = `${ctx.server.base}/api/v1/circuits/${endpoint}`;
    const init = { method, headers: { "content-type": "application/json", ...headers } };
    if (auth === "header") init.headers.authorization = `Bearer ${bearer}`;
    if (auth === "query") url += `?token=${encodeURIComponent(bearer)}`;
    if (body !== undefined) {
      init.body = typeof body === "string" || body instanceof ReadableStream ? body : JSON.stringify(body);
      if (body instanceof ReadableStream) init.duplex = "half";
    }
    const res = await fetch(url, init);
    const text = await res.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      // left null: assertions show the text
    }
    return { status: res.status, headers: res.headers, json, text };
  }

  /** Asserts the one error shape with `status` and `code`; returns the error object. */
  function assertError(res, status, code) {
    assert.equal(res.status, status, res.text);
    assert.match(res.headers.get("content-type") ?? "", /application\/json/);
    assert.equal(res.json?.error?.code, code, res.text);
    assert.equal(typeof res.json.error.message, "string", res.text);
    assert.ok(res.json.error.message.length > 0, res.text);
    return res.json.error;
  }

  describe("circuit endpoints", () => {
    test("analyze counts a Bell pair (OpenQASM 2, token in the header)", async () => {
      const res = await call("analyze", { qasm: BELL2 });
      assert.equal(res.status, 200, res.text);
      assert.match(res.headers.get("content-type") ?? "", /application\/json/);
      assert.deepEqual(res.json, {
        format: "openqasm2",
        counts: {
          qubits: 2,
          clbits: 2,
          gate_counts: { h: 1, cx: 1, measure: 2 },
          gates: 2,
          one_qubit: 1,
          two_qubit: 1,
          multi_qubit: 0,
          cx: 1,
          t_count: 0,
          depth: 3,
          measurements: 2,
        },
      });
    });

    test("analyze reads OpenQASM 3 (token in ?token=)", async () => {
      const res = await call("analyze", { qasm: BELL3 }, { auth: "query" });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.format, "openqasm3");
      assert.equal(res.json.counts.cx, 1);
      assert.equal(res.json.counts.depth, 3);
    });

    test("simulate with a seed is deterministic and gives only 00 and 11 for a Bell pair", async () => {
      const body = { qasm: BELL2, shots: 2000, seed: 42 };
      const a = await call("simulate", body);
      assert.equal(a.status, 200, a.text);
      assert.match(a.headers.get("content-type") ?? "", /application\/json/);
      assert.equal(a.json.shots, 2000);
      assert.equal(a.json.seed, 42);
      assert.equal(a.json.qubits, 2);
      assert.deepEqual(Object.keys(a.json.counts).sort(), ["00", "11"], a.text);
      assert.equal(a.json.counts["00"] + a.json.counts["11"], 2000);
      assert.ok(a.json.counts["00"] > 850 && a.json.counts["00"] < 1150, a.text);
      const b = await call("simulate", body);
      assert.deepEqual(b.json, a.json);
    });

    test("simulate picks a seed when none is given, and returns it to replay the run", async () => {
      const first = await call("simulate", { qasm: ghz(3) });
      assert.equal(first.status, 200, first.text);
      assert.equal(first.json.shots, 1024);
      assert.ok(Number.isSafeInteger(first.json.seed), first.text);
      const replay = await call("simulate", { qasm: ghz(3), seed: first.json.seed });
      assert.deepEqual(replay.json, first.json);
    });

    test(`simulate runs ${MAX_SIM_QUBITS} qubits, the Worker's cap`, async () => {
      const res = await call("simulate", { qasm: ghz(MAX_SIM_QUBITS), shots: 100, seed: 1 });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.qubits, MAX_SIM_QUBITS);
      const zeros = "0".repeat(MAX_SIM_QUBITS);
      const ones = "1".repeat(MAX_SIM_QUBITS);
      assert.ok(Object.keys(res.json.counts).every((k) => k === zeros || k === ones), res.text);
    });

    test("simulate over the cap is LIMIT_EXCEEDED, whatever max_qubits asks", async () => {
      const err = assertError(
        await call("simulate", { qasm: ghz(MAX_SIM_QUBITS + 1), max_qubits: 64 }),
        429,
        "LIMIT_EXCEEDED",
      );
      assert.match(err.message, new RegExp(`${MAX_SIM_QUBITS}`));
      const own = assertError(await call("simulate", { qasm: BELL2, max_qubits: 1 }), 429, "LIMIT_EXCEEDED");
      assert.equal(own.field, "max_qubits");
    });

    test("bad OpenQASM is INVALID_CIRCUIT with its line and column", async () => {
      // Line 5 lacks its `;`: the parser stops at the next token, line 6 column 1.
      const qasm = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nh q[0]\n\ncx q[0], q[1];\n';
      for (const endpoint of ["analyze", "simulate", "optimize"]) {
        const err = assertError(await call(endpoint, { qasm }), 400, "INVALID_CIRCUIT");
        assert.equal(err.line, 6, JSON.stringify(err));
        assert.equal(err.column, 1, JSON.stringify(err));
      }
      const unknown = assertError(
        await call("analyze", { qasm: "OPENQASM 3.0;\nqubit q;\n  frob q;\n" }),
        400,
        "INVALID_CIRCUIT",
      );
      assert.deepEqual([unknown.line, unknown.column], [3, 3], JSON.stringify(unknown));
    });

    test("a body that is not the request is INVALID_MESSAGE naming the field, or MALFORMED_MESSAGE", async () => {
      assert.equal(assertError(await call("simulate", { qasm: BELL2, shots: "ten" }), 400, "INVALID_MESSAGE").field, "shots");
      assert.equal(assertError(await call("simulate", { qasm: BELL2, shots: 0 }), 400, "INVALID_MESSAGE").field, "shots");
      assert.equal(assertError(await call("simulate", { qasm: BELL2, shots: 100001 }), 400, "INVALID_MESSAGE").field, "shots");
      assert.equal(assertError(await call("analyze", {}), 400, "INVALID_MESSAGE").field, "qasm");
      assert.equal(assertError(await call("analyze", { qasm: BELL2, qsam: 1 }), 400, "INVALID_MESSAGE").field, "qsam");
      assertError(await call("analyze", "{not json"), 400, "MALFORMED_MESSAGE");
      assertError(await call("analyze"), 400, "MALFORMED_MESSAGE");
    });

    test("an oversized body is 413 MESSAGE_TOO_LARGE, with or without a content-length", async () => {
      const qasm = BELL2 + "// padding\n".repeat(30_000); // ~330 KB, over 256 KiB
      assertError(await call("analyze", { qasm }), 413, "MESSAGE_TOO_LARGE");
      const bytes = new TextEncoder().encode(JSON.stringify({ qasm }));
      const chunked = new ReadableStream({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 16_384) controller.enqueue(bytes.slice(i, i + 16_384));
          controller.close();
        },
      });
      assertError(await call("simulate", chunked), 413, "MESSAGE_TOO_LARGE");
      assertError(await call("optimize", { qasm }), 413, "MESSAGE_TOO_LARGE");
    });

    test("no token, a forged one or an expired one is 401", async () => {
      assertError(await call("analyze", { qasm: BELL2 }, { auth: "none" }), 401, "UNAUTHORIZED");
      const forged = tokenFor("not-the-secret", "mallory", "*", "owner");
      assertError(await call("simulate", { qasm: BELL2 }, { bearer: forged }), 401, "UNAUTHORIZED");
      const expired = mintToken(ctx.secret, { sub: "alice", roles: {}, exp: Math.floor(Date.now() / 1000) - 3600 });
      assertError(await call("analyze", { qasm: BELL2 }, { bearer: expired }), 401, "TOKEN_EXPIRED");
      assertError(await call("optimize", { qasm: BELL2 }, { auth: "none" }), 401, "UNAUTHORIZED");
    });

    test("another method is 405 METHOD_NOT_ALLOWED with Allow: POST", async () => {
      for (const endpoint of ["analyze", "optimize"]) {
        for (const method of ["GET", "PUT", "DELETE"]) {
          const res = await call(endpoint, method === "GET" ? undefined : { qasm: BELL2 }, { method });
          assertError(res, 405, "METHOD_NOT_ALLOWED");
          assert.equal(res.headers.get("allow"), "POST");
        }
      }
      assertError(await call("optimise", { qasm: BELL2 }), 404, "NOT_FOUND");
    });

    test("optimize at levels 0 and 3: valid QASM in the basis, never past the translation, same outcomes", async () => {
      const seeded = { shots: 500, seed: 11 };
      const original = await call("simulate", { qasm: DETERMINISTIC, ...seeded });
      assert.equal(original.status, 200, original.text);
      assert.deepEqual(original.json.counts, { 111: 500 }, original.text);
      const analyzed = await call("analyze", { qasm: DETERMINISTIC });
      assert.equal(analyzed.status, 200, analyzed.text);

      const results = {};
      for (const level of [0, 3]) {
        const res = await call("optimize", { qasm: DETERMINISTIC, level });
        assert.equal(res.status, 200, res.text);
        assert.match(res.headers.get("content-type") ?? "", /application\/json/);
        const r = res.json;
        assert.equal(r.level, level);
        assert.equal(r.format, "openqasm2");
        assert.deepEqual(r.basis, IBM);
        assert.deepEqual(r.before, analyzed.json.counts, "before counts the input as /analyze does");
        assert.ok(r.qasm.startsWith("OPENQASM 2.0;"), r.qasm);
        for (const name of Object.keys(r.after.gate_counts)) {
          assert.ok([...IBM, "measure"].includes(name), `${name} in ${r.qasm}`);
        }
        assert.equal(r.after.measurements, 3);
        // The answer is valid QASM that /analyze counts as `after` says.
        const again = await call("analyze", { qasm: r.qasm });
        assert.equal(again.status, 200, again.text);
        assert.deepEqual(again.json.counts, r.after);
        // Same seed, same outcomes.
        const sim = await call("simulate", { qasm: r.qasm, ...seeded });
        assert.equal(sim.status, 200, sim.text);
        assert.deepEqual(sim.json, original.json);
        results[level] = r;
      }
      // Level 0 is the plain translation: level 3 is never larger, and here strictly smaller.
      assert.ok(results[3].after.gates <= results[0].after.gates, JSON.stringify(results));
      assert.ok(results[3].after.gates < results[0].after.gates, JSON.stringify(results));
      assert.ok(results[3].after.cx <= results[0].after.cx, JSON.stringify(results));
    });

    test("optimize defaults to level 2 and the input's format, and writes the format asked for", async () => {
      const three = await call("optimize", { qasm: BELL3 });
      assert.equal(three.status, 200, three.text);
      assert.equal(three.json.level, 2);
      assert.equal(three.json.format, "openqasm3");
      assert.ok(three.json.qasm.startsWith("OPENQASM 3.0;"), three.json.qasm);
      const two = await call("optimize", { qasm: BELL3, format: "openqasm2", basis: ["cx", "u3"] });
      assert.equal(two.status, 200, two.text);
      assert.equal(two.json.format, "openqasm2");
      assert.deepEqual(two.json.basis, ["cx", "u3"]);
      assert.deepEqual(Object.keys(two.json.after.gate_counts).sort(), ["cx", "measure", "u3"]);
      const seeded = { shots: 1000, seed: 5 };
      const a = await call("simulate", { qasm: two.json.qasm, ...seeded });
      const b = await call("simulate", { qasm: BELL3, ...seeded });
      assert.deepEqual(a.json, b.json);
    });

    test("optimize: a bad basis or level is INVALID_MESSAGE naming the field", async () => {
      for (const basis of [["cz", "rz", "sx"], ["cx", "h"], ["cx", "bogus"], [], "cx", ["cx", 1]]) {
        const err = assertError(await call("optimize", { qasm: BELL2, basis }), 400, "INVALID_MESSAGE");
        assert.equal(err.field, "basis", JSON.stringify(err));
      }
      const unsupported = assertError(
        await call("optimize", { qasm: BELL2, basis: ["cx", "h"] }),
        400,
        "INVALID_MESSAGE",
      );
      assert.match(unsupported.message, /rz\+sx/);
      for (const level of [4, -1, 1.5, "2"]) {
        const err = assertError(await call("optimize", { qasm: BELL2, level }), 400, "INVALID_MESSAGE");
        assert.equal(err.field, "level", JSON.stringify(err));
      }
      const format = assertError(await call("optimize", { qasm: BELL2, format: "qasm" }), 400, "INVALID_MESSAGE");
      assert.equal(format.field, "format");
    });
  });
}
