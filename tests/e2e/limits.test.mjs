// Rate limits with their real mechanism under wrangler dev (own server, limits set low through vars):
// an editor who types too fast is told RATE_LIMITED with retry_after_ms, nothing is applied, the socket
// stays open, and the same edit goes through after the wait.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";

import { RawSocket, envelope, sleep, startWrangler, tokenFor, uniqueId } from "./harness.mjs";

const secret = randomBytes(24).toString("hex");
let server;

before(async () => {
  server = await startWrangler({
    secret,
    label: "wrangler (limits)",
    vars: { SYNQ_MESSAGES_PER_MINUTE: "600", SYNQ_EDITS_PER_MINUTE: "60" },
  });
});

after(async () => {
  if (server) await server.dispose();
});

test("edits beyond 60 a minute get RATE_LIMITED with retry_after_ms, and the client recovers", async () => {
  const session = uniqueId("rate");
  const raw = await RawSocket.connect(server.wsBase, session, tokenFor(secret, "speedy", session, "editor"));
  try {
    await raw.nextOf("sync", "full_sync");
    // The burst allowance is a minute's worth: 60 edits pass at once.
    for (let i = 0; i < 60; i++) {
      raw.send(envelope("edit", { type: "insert", position: i, content: "x" }, { version: i, operationId: `e${i}` }));
      assert.equal((await raw.nextOf("sync", "ack")).data.operation.version, i + 1);
    }
    raw.send(envelope("edit", { type: "insert", position: 60, content: "!" }, { version: 60, operationId: "e60" }));
    const refused = (await raw.nextOf("error")).data.operation;
    assert.equal(refused.code, "RATE_LIMITED");
    assert.equal(refused.operation_id, "e60");
    assert.ok(refused.retry_after_ms > 0 && refused.retry_after_ms <= 1000, JSON.stringify(refused));
    assert.ok(raw.isOpen, "the socket stays open");

    await sleep(refused.retry_after_ms + 50);
    raw.send(envelope("edit", { type: "insert", position: 60, content: "!" }, { version: 60, operationId: "e60" }));
    const ack = (await raw.nextOf("sync", "ack")).data.operation;
    assert.deepEqual([ack.operation_id, ack.version], ["e60", 61]);
    raw.send(envelope("sync", { type: "full_sync_request" }));
    assert.equal((await raw.nextOf("sync", "full_sync")).data.operation.content, `${"x".repeat(60)}!`);
  } finally {
    await raw.close();
  }
});
