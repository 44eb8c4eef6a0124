// Crash safety: every edit the server acknowledged survives a SIGKILL of wrangler and workerd, and a
// restart on the same --persist-to directory serves it back. Uses its own wrangler.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";

import { Peer, RawSocket, startWrangler, tokenFor, uniqueId } from "./harness.mjs";

const secret = randomBytes(24).toString("hex");
let server;

before(async () => {
  server = await startWrangler({ secret, label: "wrangler (crash)" });
});

after(async () => {
  if (!server) return;
  if (process.env.E2E_WRANGLER_LOG) console.log(server.log);
  await server.dispose();
});

/** Connects a fresh guest and returns the first full_sync's operation. */
async function fullSync(session) {
  const raw = await RawSocket.connect(server.wsBase, session, tokenFor(secret, "reader", session, "guest"));
  try {
    return (await raw.nextOf("sync", "full_sync")).data.operation;
  } finally {
    await raw.close();
  }
}

test("acknowledged edits survive SIGKILL and restart on the same persist dir", async (t) => {
  const session = uniqueId("crash");
  const token = tokenFor(secret, "kim", session, "editor");
  // Past two snapshots (one every 100 revisions) so that restore reads a snapshot plus the op log.
  const n = Number(process.env.E2E_CRASH_EDITS ?? 230);
  let peer = await Peer.connect(server.wsBase, session, token, { user: "kim" });
  // A plain-string mirror of what the single writer did: the exact expected text.
  let expected = "";
  try {
    for (let i = 0; i < n; i++) {
      if (i % 5 === 4 && expected.length > 3) {
        // Delete the second code point (one or two UTF-16 units: never split a surrogate pair).
        const [first, second] = [...expected];
        const at = first.length;
        const len = second.length;
        peer.delete(at, len);
        expected = expected.slice(0, at) + expected.slice(at + len);
      } else {
        const piece = i % 3 === 0 ? `😀${i};` : `e${i} `;
        const at = i % 2 ? expected.length : 0;
        peer.insert(at, piece);
        expected = expected.slice(0, at) + piece + expected.slice(at);
      }
      await peer.waitIdle({ label: `ack of edit ${i + 1}` });
    }
    assert.equal(peer.text, expected);
    assert.equal(peer.revision, n, "one revision per acknowledged edit");
    assert.deepEqual(peer.errors, []);

    // Crash right after the last ack: no SIGINT, no chance to flush anything.
    await peer.drop();
    peer.free();
    peer = null;
    await server.restart({ crash: true }); // SIGKILL to the whole process group, then start again
    t.diagnostic(`restarted after SIGKILL on :${server.port}`);

    const afterCrash = await fullSync(session);
    assert.equal(afterCrash.content, expected, "every acknowledged edit is in the full_sync after the crash");
    assert.equal(afterCrash.version, n, "the revision survived");

    // The session goes on where it stopped: a new edit becomes revision n + 1, then a clean restart.
    peer = await Peer.connect(server.wsBase, session, token, { user: "kim" });
    assert.equal(peer.text, expected);
    peer.insert(0, "after-crash ");
    expected = `after-crash ${expected}`;
    await peer.waitIdle();
    assert.equal(peer.revision, n + 1);
    await peer.close();
    peer.free();
    peer = null;
    await server.restart();

    const afterRestart = await fullSync(session);
    assert.deepEqual(afterRestart, { type: "full_sync", content: expected, version: n + 1 });
  } finally {
    if (peer) {
      await peer.close();
      peer.free();
    }
  }
});
