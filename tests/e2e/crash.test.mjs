// Crash safety: every edit the server acknowledged (or broadcast) survives a SIGKILL of wrangler and
// workerd, a restart on the same --persist-to directory serves it back, and a client whose ack was lost
// in the crash gets its edit confirmed exactly once. Uses its own wrangler.
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
  const peer = await Peer.connect(server.wsBase, session, token, { user: "kim" });
  const observer = await RawSocket.connect(server.wsBase, session, tokenFor(secret, "obs", session, "viewer"));
  let raw;
  // A plain-string mirror of what the single writer did: the exact expected text.
  let expected = "";
  try {
    for (let i = 0; i < n; i++) {
      if (i % 5 === 4 && expected.length > 3) {
        // Delete the second code point (one or two UTF-16 units: never split a surrogate pair).
        const [first, second] = [...expected];
        peer.delete(first.length, second.length);
        expected = expected.slice(0, first.length) + expected.slice(first.length + second.length);
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

    // One more edit whose ack kim never hears; the observer's copy of the broadcast proves the server
    // applied (and so persisted) it.
    peer.holdIncoming = true;
    const lostAck = peer.insert(0, "🧪lost-ack ");
    const lostId = JSON.parse(lostAck).data.metadata.operation_id;
    expected = `🧪lost-ack ${expected}`;
    await observer.next((f) => f.type === "edit" && f.data?.metadata?.operation_id === lostId, {
      label: "broadcast of the edit whose ack is lost",
    });
    await observer.close();

    // Crash right after: no SIGINT, no chance to flush anything.
    await peer.drop();
    peer.holdIncoming = false;
    await server.restart({ crash: true }); // SIGKILL to the whole process group, then start again
    t.diagnostic(`restarted after SIGKILL on :${server.port}`);

    const afterCrash = await fullSync(session);
    assert.equal(afterCrash.content, expected, "every acknowledged edit is in the full_sync after the crash");
    assert.equal(afterCrash.version, n + 1, "the revision survived");

    // Kim reconnects to the new process with the edit still unconfirmed: catch-up confirms it, once.
    peer.wsBase = server.wsBase;
    await peer.open();
    await peer.waitSettled(n + 1, { label: "kim's lost-ack edit confirmed after the crash" });
    assert.equal(peer.text, expected);
    assert.deepEqual(peer.errors, []);

    // The same edit sent again is recognised from the restored log, not applied twice.
    raw = await RawSocket.connect(server.wsBase, session, token);
    await raw.nextOf("sync", "full_sync");
    raw.send(lostAck);
    const dup = await raw.nextOf("sync", "ack");
    assert.deepEqual(
      { id: dup.data.operation.operation_id, version: dup.data.operation.version, duplicate: dup.data.operation.duplicate },
      { id: lostId, version: n + 1, duplicate: true },
    );
    await raw.close();

    // The session goes on where it stopped; then a clean restart keeps that too.
    peer.insert(0, "after-crash ");
    expected = `after-crash ${expected}`;
    await peer.waitSettled(n + 2);
    assert.equal(peer.text, expected);
    await peer.close();
    await server.restart();

    const afterRestart = await fullSync(session);
    assert.deepEqual(afterRestart, { type: "full_sync", content: expected, version: n + 2 });
  } finally {
    await Promise.all([peer.close(), observer.close(), raw?.close()]);
    peer.free();
  }
});

test("a comment thread with replies and its resolution survives a crash and follows its line", async () => {
  const session = uniqueId("comments");
  const connect = (user, role) => RawSocket.connect(server.wsBase, session, tokenFor(secret, user, session, role));
  const amy = await connect("amy", "editor");
  const vic = await connect("vic", "viewer");
  try {
    await amy.nextOf("sync", "full_sync");
    await vic.nextOf("sync", "full_sync");
    amy.send({ type: "edit", version: 0, data: { operation: { type: "insert", position: 0, content: "qreg q[2];\nh q[0];\n" }, metadata: { operation_id: "a1" } } });
    await amy.nextOf("sync", "ack");
    await vic.nextOf("edit");

    vic.send({ type: "comment", data: { operation: { type: "add_comment", line: 1, text: "why H? 😀" }, metadata: { operation_id: "v1" } } });
    const added = (await amy.nextOf("comment", "comment_thread")).data.operation.thread;
    // The author gets the new thread too; vic must read past it, or vic's resolve races amy's reply.
    assert.equal((await vic.nextOf("comment", "comment_thread")).data.operation.thread.comment_id, added.comment_id);
    assert.equal(added.line, 1);
    assert.equal(added.author, "vic");
    amy.send({ type: "comment", data: { operation: { type: "reply_comment", comment_id: added.comment_id, text: "superposition" }, metadata: { operation_id: "a2" } } });
    const seenByVic = (await vic.nextOf("comment", "comment_thread")).data.operation.thread;
    assert.deepEqual(seenByVic.replies.map((r) => r.text), ["superposition"]);
    vic.send({ type: "comment", data: { operation: { type: "resolve_comment", comment_id: added.comment_id }, metadata: { operation_id: "v2" } } });
    // Every change reaches everyone, the author included: amy sees her reply's update, then the resolve.
    const replied = (await amy.nextOf("comment", "comment_thread")).data.operation.thread;
    assert.deepEqual(replied.replies.map((r) => r.text), ["superposition"]);
    const resolved = (await amy.nextOf("comment", "comment_thread")).data.operation.thread;
    assert.equal(resolved.resolved, true);

    // A line added above moves the thread down with its line.
    amy.send({ type: "edit", version: 1, data: { operation: { type: "insert", position: 0, content: "OPENQASM 2.0;\n" }, metadata: { operation_id: "a3" } } });
    await amy.nextOf("sync", "ack");
  } finally {
    await Promise.all([amy.close(), vic.close()]);
  }

  await server.restart({ crash: true });

  const guest = await RawSocket.connect(server.wsBase, session, tokenFor(secret, "gus", session, "guest"));
  try {
    await guest.nextOf("sync", "full_sync");
    const threads = (await guest.nextOf("comment", "comments")).data.operation.threads;
    assert.equal(threads.length, 1);
    const [thread] = threads;
    assert.equal(thread.line, 2);
    assert.equal(thread.text, "why H? 😀");
    assert.equal(thread.resolved, true);
    assert.equal(thread.orphaned, false);
    assert.deepEqual(thread.replies.map((r) => [r.author, r.text]), [["amy", "superposition"]]);
    // Guests read threads but may not add to them; the socket stays open.
    guest.send({ type: "comment", data: { operation: { type: "reply_comment", comment_id: thread.comment_id, text: "me too" }, metadata: { operation_id: "g1" } } });
    assert.equal((await guest.nextOf("error")).data.operation.code, "FORBIDDEN");
    guest.send({ type: "sync", data: { operation: { type: "full_sync_request" } } });
    assert.equal((await guest.nextOf("sync", "full_sync")).data.operation.version, 2);
  } finally {
    await guest.close();
  }
});
