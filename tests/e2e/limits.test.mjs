// Limits with their real mechanism under wrangler dev (own server, limits set low through vars): an
// editor who types too fast, or a connection that sends too many messages, is told RATE_LIMITED with
// retry_after_ms, nothing is applied, the socket stays open, and the same message goes through after the
// wait; a full session refuses one more connection until someone leaves.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";

import { RawSocket, envelope, sleep, startWrangler, tokenFor, tryUpgrade, uniqueId, waitFor } from "./harness.mjs";

const secret = randomBytes(24).toString("hex");
// A token refills every 60/12 = 5 s: far longer than the burst takes to send and apply, however loaded
// the machine, so exactly the burst passes.
const EDITS_PER_MINUTE = 12;
// Likewise a message every 2 s; the edit test's connection sends fewer than this many messages.
const MESSAGES_PER_MINUTE = 30;
const MAX_CONNECTIONS = 4;
let server;

before(async () => {
  server = await startWrangler({
    secret,
    label: "wrangler (limits)",
    vars: {
      SYNQ_MESSAGES_PER_MINUTE: String(MESSAGES_PER_MINUTE),
      SYNQ_EDITS_PER_MINUTE: String(EDITS_PER_MINUTE),
      SYNQ_MAX_CONNECTIONS: String(MAX_CONNECTIONS),
    },
  });
});

after(async () => {
  if (server) await server.dispose();
});

test(`edits beyond ${EDITS_PER_MINUTE} a minute get RATE_LIMITED with retry_after_ms, and the client recovers`, async () => {
  const session = uniqueId("rate");
  const raw = await RawSocket.connect(server.wsBase, session, tokenFor(secret, "speedy", session, "editor"));
  try {
    await raw.nextOf("sync", "full_sync");
    // The burst allowance is a minute's worth: that many edits pass at once. They are sent back to back
    // (each against the revision the one before will make).
    const burst = EDITS_PER_MINUTE;
    for (let i = 0; i <= burst; i++) {
      const content = i < burst ? "x" : "!";
      raw.send(envelope("edit", { type: "insert", position: i, content }, { version: i, operationId: `e${i}` }));
    }
    for (let i = 0; i < burst; i++) {
      assert.equal((await raw.nextOf("sync", "ack")).data.operation.version, i + 1);
    }
    const refused = (await raw.nextOf("error")).data.operation;
    assert.equal(refused.code, "RATE_LIMITED");
    assert.equal(refused.operation_id, `e${burst}`);
    const refill = 60_000 / EDITS_PER_MINUTE;
    assert.ok(refused.retry_after_ms > 0 && refused.retry_after_ms <= refill, JSON.stringify(refused));
    assert.ok(raw.isOpen, "the socket stays open");

    await sleep(refused.retry_after_ms + 50);
    raw.send(envelope("edit", { type: "insert", position: burst, content: "!" }, { version: burst, operationId: `e${burst}` }));
    const ack = (await raw.nextOf("sync", "ack")).data.operation;
    assert.deepEqual([ack.operation_id, ack.version], [`e${burst}`, burst + 1]);
    raw.send(envelope("sync", { type: "full_sync_request" }));
    assert.equal((await raw.nextOf("sync", "full_sync")).data.operation.content, `${"x".repeat(burst)}!`);
  } finally {
    await raw.close();
  }
});

test(`messages beyond ${MESSAGES_PER_MINUTE} a minute on one connection get RATE_LIMITED; the next after the wait is relayed`, async () => {
  const session = uniqueId("chatty");
  const chatty = await RawSocket.connect(server.wsBase, session, tokenFor(secret, "chatty", session, "editor"));
  const watcher = await RawSocket.connect(server.wsBase, session, tokenFor(secret, "watcher", session, "viewer"));
  try {
    await chatty.nextOf("sync", "full_sync");
    await watcher.nextOf("sync", "full_sync");
    const cursor = (column) => envelope("presence", { type: "cursor", line: 0, column });
    for (let i = 0; i <= MESSAGES_PER_MINUTE; i++) chatty.send(cursor(0));
    const refused = (await chatty.nextOf("error")).data.operation;
    assert.equal(refused.code, "RATE_LIMITED");
    assert.ok(refused.retry_after_ms > 0 && refused.retry_after_ms <= 60_000 / MESSAGES_PER_MINUTE, JSON.stringify(refused));
    assert.ok(chatty.isOpen, "the socket stays open");
    const isCursor = (f) => f.type === "presence" && f.data.operation.type === "cursor";
    const relayed = () => watcher.frames.filter(isCursor).length;
    // The refusal reaches chatty before every relay has reached the watcher on a loaded machine.
    await waitFor(() => relayed() >= MESSAGES_PER_MINUTE, { label: "the allowance relayed" });
    await sleep(300);
    assert.equal(relayed(), MESSAGES_PER_MINUTE, "exactly the allowance was relayed");

    await sleep(refused.retry_after_ms + 50);
    chatty.send(envelope("presence", { type: "user_info", name: "Chatty", color: "#123456" }));
    const info = await watcher.next((f) => f.type === "presence" && f.data.operation.type === "user_info");
    assert.equal(info.data.operation.name, "Chatty");
  } finally {
    await Promise.all([chatty.close(), watcher.close()]);
  }
});

test(`a session takes ${MAX_CONNECTIONS} connections; one more is refused until someone leaves`, async () => {
  const session = uniqueId("full");
  const sockets = [];
  try {
    for (let i = 0; i < MAX_CONNECTIONS; i++) {
      const socket = await RawSocket.connect(server.wsBase, session, tokenFor(secret, `user${i}`, session, "viewer"));
      await socket.nextOf("sync", "full_sync");
      sockets.push(socket);
    }
    const late = tokenFor(secret, "late", session, "editor");
    // From a browser (an Origin header), as from a program: the session's refusal passes through the
    // Worker in the error shape.
    for (const origin of [undefined, "https://ide.example"]) {
      const refused = await tryUpgrade(server.wsBase, session, late, { origin });
      assert.equal(refused.status, 429, refused.body);
      assert.equal(refused.json?.error?.code, "LIMIT_EXCEEDED", refused.body);
      assert.match(refused.headers["content-type"] ?? "", /application\/json/);
    }
    assert.ok(sockets.every((s) => s.isOpen), "those already in stay");

    await sockets.shift().close();
    const admitted = await RawSocket.connect(server.wsBase, session, late);
    sockets.push(admitted);
    await admitted.nextOf("sync", "full_sync");
  } finally {
    await Promise.all(sockets.map((s) => s.close()));
  }
});
