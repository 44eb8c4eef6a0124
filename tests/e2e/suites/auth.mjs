// Authentication at the WebSocket upgrade: HS256 JWTs checked before the Durable Object sees the socket.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, test } from "node:test";

import WebSocket from "ws";

import { RawSocket, mintToken, tokenFor, tryUpgrade, uniqueId, waitFor } from "../harness.mjs";

/** Asserts a refused upgrade: the status and `{"error":{"code", "message"}}`. */
function assertRefused(result, status, code) {
  assert.notEqual(result.status, 101, "the upgrade must be refused");
  assert.equal(result.status, status, `HTTP status (body: ${result.body})`);
  assert.equal(result.json?.error?.code, code, `error code (body: ${result.body})`);
  assert.equal(typeof result.json.error.message, "string", `error message (body: ${result.body})`);
}

async function assertAccepted(ctx, session, token, via) {
  const raw = await RawSocket.connect(ctx.server.wsBase, session, token, { via });
  try {
    const sync = await raw.nextOf("sync", "full_sync");
    assert.equal(sync.data.operation.content, "");
    assert.equal(sync.data.operation.version, 0);
  } finally {
    await raw.close();
  }
}

export function authSuite(ctx) {
  describe("authentication at upgrade", () => {
    test("a valid token is accepted in the Authorization header and in ?token=", async () => {
      const session = uniqueId("auth-ok");
      const token = tokenFor(ctx.secret, "alice", session, "editor");
      await assertAccepted(ctx, session, token, "header");
      await assertAccepted(ctx, session, token, "query");
    });

    test("the Bearer scheme is case-insensitive", async () => {
      const session = uniqueId("auth-bearer");
      const ws = new WebSocket(`${ctx.server.wsBase}/sessions/${session}/ws`, {
        headers: { Authorization: `bearer ${tokenFor(ctx.secret, "alice", session, "editor")}` },
      });
      const raw = new RawSocket(ws);
      await new Promise((resolve, reject) => {
        ws.once("open", resolve);
        ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      });
      try {
        assert.equal((await raw.nextOf("sync", "full_sync")).data.operation.version, 0);
      } finally {
        await raw.close();
      }
    });

    test("a role for `*` grants every session", async () => {
      const session = uniqueId("auth-star");
      await assertAccepted(ctx, session, tokenFor(ctx.secret, "alice", "*", "viewer"), "header");
    });

    test("no token → 401 UNAUTHORIZED", async () => {
      const result = await tryUpgrade(ctx.server.wsBase, uniqueId("auth"), undefined);
      assertRefused(result, 401, "UNAUTHORIZED");
    });

    test("a token signed with another secret → 401 UNAUTHORIZED", async () => {
      const session = uniqueId("auth");
      const forged = tokenFor(`${ctx.secret}-not`, "mallory", session, "owner");
      assertRefused(await tryUpgrade(ctx.server.wsBase, session, forged), 401, "UNAUTHORIZED");
      assertRefused(await tryUpgrade(ctx.server.wsBase, session, forged, { via: "query" }), 401, "UNAUTHORIZED");
    });

    test("a payload changed after signing (viewer → owner) → 401 UNAUTHORIZED", async () => {
      const session = uniqueId("auth");
      const [head, , sig] = tokenFor(ctx.secret, "mallory", session, "viewer").split(".");
      const now = Math.floor(Date.now() / 1000);
      const payload = Buffer.from(
        JSON.stringify({ sub: "mallory", iat: now, exp: now + 3600, roles: { [session]: "owner" } }),
      ).toString("base64url");
      const tampered = `${head}.${payload}.${sig}`;
      assertRefused(await tryUpgrade(ctx.server.wsBase, session, tampered), 401, "UNAUTHORIZED");
    });

    test('alg "none" → 401 UNAUTHORIZED', async () => {
      const session = uniqueId("auth");
      const unsigned = mintToken(ctx.secret, { sub: "mallory", roles: { [session]: "owner" } }, { alg: "none" });
      assertRefused(await tryUpgrade(ctx.server.wsBase, session, unsigned), 401, "UNAUTHORIZED");
      // The same with the valid HS256 signature kept: the header still says "none".
      const signed = tokenFor(ctx.secret, "mallory", session, "owner");
      const noneHead = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
      const [, payload, sig] = signed.split(".");
      const resigned = `${noneHead}.${payload}.${sig}`;
      assertRefused(await tryUpgrade(ctx.server.wsBase, session, resigned), 401, "UNAUTHORIZED");
    });

    test("an expired token → 401 TOKEN_EXPIRED", async () => {
      const session = uniqueId("auth");
      const now = Math.floor(Date.now() / 1000);
      // An hour past expiry: far beyond any clock-skew leeway.
      const expired = tokenFor(ctx.secret, "alice", session, "editor", { iat: now - 7200, exp: now - 3600 });
      assertRefused(await tryUpgrade(ctx.server.wsBase, session, expired), 401, "TOKEN_EXPIRED");
    });

    test("an open socket whose token expires is told TOKEN_EXPIRED and closed with 1008", async () => {
      const session = uniqueId("auth-expiring");
      const now = Math.floor(Date.now() / 1000);
      // Expired 27 s ago: still inside the server's 30 s clock-skew leeway, so honoured for about 3 s more.
      const token = tokenFor(ctx.secret, "alice", session, "editor", { iat: now - 60, exp: now - 27 });
      const raw = await RawSocket.connect(ctx.server.wsBase, session, token);
      try {
        await raw.nextOf("sync", "full_sync");
        raw.send({ type: "edit", version: 0, data: { operation: { type: "insert", position: 0, content: "ok" }, metadata: { operation_id: "e1" } } });
        assert.equal((await raw.nextOf("sync", "ack")).data.operation.version, 1);
        await new Promise((resolve) => setTimeout(resolve, 4500));
        raw.send({ type: "edit", version: 1, data: { operation: { type: "insert", position: 2, content: "!" }, metadata: { operation_id: "e2" } } });
        assert.equal((await raw.nextOf("error")).data.operation.code, "TOKEN_EXPIRED");
        await waitFor(() => raw.closed, { label: "the socket closed" });
        assert.equal(raw.closed.code, 1008);
      } finally {
        await raw.close();
      }
      // The edit after expiry was not applied.
      const fresh = await RawSocket.connect(ctx.server.wsBase, session, tokenFor(ctx.secret, "bob", session, "guest"));
      try {
        assert.equal((await fresh.nextOf("sync", "full_sync")).data.operation.content, "ok");
      } finally {
        await fresh.close();
      }
    });

    test("a token not valid yet (nbf an hour ahead) → 401 TOKEN_EXPIRED", async () => {
      const session = uniqueId("auth");
      const now = Math.floor(Date.now() / 1000);
      const early = tokenFor(ctx.secret, "alice", session, "editor", { nbf: now + 3600, exp: now + 7200 });
      assertRefused(await tryUpgrade(ctx.server.wsBase, session, early), 401, "TOKEN_EXPIRED");
    });

    test("a token without exp → 401 UNAUTHORIZED", async () => {
      const session = uniqueId("auth");
      const noExp = tokenFor(ctx.secret, "alice", session, "editor", { exp: undefined });
      assertRefused(await tryUpgrade(ctx.server.wsBase, session, noExp), 401, "UNAUTHORIZED");
    });

    test("garbage instead of a JWT → 401 UNAUTHORIZED", async () => {
      const session = uniqueId("auth");
      assertRefused(await tryUpgrade(ctx.server.wsBase, session, "not.a.jwt"), 401, "UNAUTHORIZED");
      const mac = createHmac("sha256", ctx.secret).update("x").digest("base64url");
      assertRefused(await tryUpgrade(ctx.server.wsBase, session, `x.y.${mac}`), 401, "UNAUTHORIZED");
    });

    test("a valid token with no role for this session → 403 FORBIDDEN", async () => {
      const session = uniqueId("auth");
      const elsewhere = tokenFor(ctx.secret, "alice", `${session}-other`, "owner");
      assertRefused(await tryUpgrade(ctx.server.wsBase, session, elsewhere), 403, "FORBIDDEN");
      const noRoles = mintToken(ctx.secret, { sub: "alice" });
      assertRefused(await tryUpgrade(ctx.server.wsBase, session, noRoles), 403, "FORBIDDEN");
    });
  });
}
