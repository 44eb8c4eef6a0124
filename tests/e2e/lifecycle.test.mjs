// The session's life under wrangler dev (own server, timeouts set short through vars): heartbeats are
// answered, a connection that says nothing is closed as idle while a talking one stays, and a quiet
// session is archived read-only until an owner reopens it — with real alarms.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";

import { RawSocket, envelope, sleep, startWrangler, tokenFor, uniqueId } from "./harness.mjs";

const IDLE_TIMEOUT_MS = 1_500;
const ARCHIVE_AFTER_MS = 3_000;
const secret = randomBytes(24).toString("hex");
let server;

before(async () => {
  server = await startWrangler({
    secret,
    label: "wrangler (lifecycle)",
    vars: {
      SYNQ_MESSAGES_PER_MINUTE: "1000000",
      SYNQ_EDITS_PER_MINUTE: "1000000",
      SYNQ_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS),
      SYNQ_ARCHIVE_AFTER_MS: String(ARCHIVE_AFTER_MS),
    },
  });
});

after(async () => {
  if (server) await server.dispose();
});

const connect = (session, user, role) => RawSocket.connect(server.wsBase, session, tokenFor(secret, user, session, role));
const sessionStatus = (socket) => socket.nextOf("sync", "session_status").then((f) => f.data.operation.status);

test("a heartbeat ping is answered with pong", async () => {
  const session = uniqueId("beat");
  const amy = await connect(session, "amy", "editor");
  try {
    await amy.nextOf("sync", "full_sync");
    amy.send("ping");
    const pong = await amy.next((f) => f.unparsable !== undefined, { label: "pong" });
    assert.equal(pong.unparsable, "pong");
  } finally {
    await amy.close();
  }
});

test("a silent connection is closed as idle (4000) and the others are told; a talking one stays", async () => {
  const session = uniqueId("idle");
  const amy = await connect(session, "amy", "editor");
  const bob = await connect(session, "bob", "editor");
  try {
    await amy.nextOf("sync", "full_sync");
    await bob.nextOf("sync", "full_sync");
    const started = Date.now();
    // Bob moves his cursor every 300 ms (and pings, which alone would not count); amy sends nothing.
    while (!amy.closed && Date.now() - started < IDLE_TIMEOUT_MS * 4) {
      bob.send(envelope("presence", { type: "cursor", line: 1, column: 1 }));
      amy.send("ping");
      await sleep(300);
    }
    assert.deepEqual(amy.closed, { code: 4000, reason: "idle" });
    const idleFor = Date.now() - started;
    assert.ok(idleFor >= IDLE_TIMEOUT_MS, `closed after ${idleFor} ms, before the ${IDLE_TIMEOUT_MS} ms timeout`);
    const left = await bob.next((f) => f.type === "presence" && f.data.operation.type === "user_left");
    assert.equal(left.user_id, "amy");
    assert.ok(bob.isOpen, "the talking connection stays");
    bob.send(envelope("sync", { type: "full_sync_request" }));
    await bob.nextOf("sync", "full_sync");
  } finally {
    await Promise.all([amy.close(), bob.close()]);
  }
});

test("a quiet session is archived read-only; an editor is refused, an owner reopens it", async () => {
  const session = uniqueId("archive");
  const ed = await connect(session, "ed", "editor");
  await ed.nextOf("sync", "full_sync");
  ed.send(envelope("edit", { type: "insert", position: 0, content: "qreg q[1];" }, { version: 0, operationId: "e1" }));
  await ed.nextOf("sync", "ack");
  await ed.close();

  // Nobody is connected: only the alarm can archive it.
  await sleep(ARCHIVE_AFTER_MS + ARCHIVE_AFTER_MS / 10 + 500);
  const again = await connect(session, "ed", "editor");
  const olga = await connect(session, "olga", "owner");
  try {
    const synced = await again.nextOf("sync", "full_sync");
    assert.equal(synced.data.operation.content, "qreg q[1];");
    // The alarm ran with nobody connected; the session still answers under its own id.
    assert.equal(synced.session_id, session);
    assert.equal(await sessionStatus(again), "archived");
    again.send(envelope("edit", { type: "insert", position: 0, content: "x" }, { version: 1, operationId: "e2" }));
    const refused = (await again.nextOf("error")).data.operation;
    assert.deepEqual([refused.code, refused.operation_id], ["SESSION_ARCHIVED", "e2"]);
    assert.ok(again.isOpen, "a refused edit leaves the socket open");

    again.send(envelope("sync", { type: "reopen" }));
    assert.equal((await again.nextOf("error")).data.operation.code, "FORBIDDEN");

    await olga.nextOf("sync", "full_sync");
    assert.equal(await sessionStatus(olga), "archived");
    olga.send(envelope("sync", { type: "reopen" }));
    assert.equal(await sessionStatus(olga), "active");
    assert.equal(await sessionStatus(again), "active");
    again.send(envelope("edit", { type: "insert", position: 0, content: "x" }, { version: 1, operationId: "e2" }));
    assert.equal((await again.nextOf("sync", "ack")).data.operation.version, 2);
  } finally {
    await Promise.all([again.close(), olga.close()]);
  }
});
