// Rate limits with their real mechanism under wrangler dev (own server, limits set low through vars):
// an editor who types too fast is told RATE_LIMITED with retry_after_ms, nothing is applied, the socket
// stays open, and the same edit goes through after the wait.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";

import { RawSocket, envelope, sleep, startWrangler, tokenFor, uniqueId } from "./harness.mjs";

const secret = randomBytes(24).toString("hex");
// A token refills every 60/12 = 5 s: far longer than the burst takes to send and apply, however loaded
// the machine, so exactly the burst passes.
const EDITS_PER_MINUTE = 12;
let server;

before(async () => {
  server = await startWrangler({
    secret,
    label: "wrangler (limits)",
    vars: { SYNQ_MESSAGES_PER_MINUTE: "600", SYNQ_EDITS_PER_MINUTE: String(EDITS_PER_MINUTE) },
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
