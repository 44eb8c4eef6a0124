// A client that loses its connection with an edit in flight catches up on reconnect and its edit is
// applied exactly once, whether the server never got it or applied it and the ack was lost.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { Peer, RawSocket, envelope, sleep, tokenFor, uniqueId } from "../harness.mjs";

/** The `edit` frames `peer` received for `operationId`. */
const editsWithId = (peer, operationId) =>
  peer.frames((m) => m.type === "edit" && m.data?.metadata?.operation_id === operationId);

async function twoEditors(ctx, prefix) {
  const session = uniqueId(prefix);
  const connect = (user) =>
    Peer.connect(ctx.server.wsBase, session, tokenFor(ctx.secret, user, session, "editor"), { user });
  const [a, b] = [await connect("amy"), await connect("bob")];
  return { session, a, b };
}

export function reconnectSuite(ctx) {
  describe("reconnect with an unacknowledged edit", () => {
    test("the edit never reached the server: it is resent after catch-up and applied once", async () => {
      const { a, b } = await twoEditors(ctx, "reconnect-lost");
      try {
        a.insert(0, "base");
        await a.waitIdle();
        await b.waitFor(() => b.text === "base", { label: "bob sees base" });

        // Amy types while the network is already gone: the SDK makes the message, nobody sends it.
        const lost = JSON.parse(a.client.insert(4, "-A😀", Date.now()));
        const opId = lost.data.metadata.operation_id;
        await a.drop();
        assert.ok(a.client.hasUnconfirmed(), "the edit is still unconfirmed");

        // Meanwhile Bob edits, so the resent edit must be transformed.
        b.insert(0, "B:");
        await b.waitIdle();

        await a.open(); // full_sync → catch_up → caught_up → resend
        // Idle alone is not enough: bob's edit may still be on its way to amy.
        await a.waitSettled(3, { label: "amy's resent edit acknowledged, bob's edit applied" });
        const expected = "B:base-A😀";
        await b.waitFor(() => b.text === expected, { label: `bob sees ${expected}` });
        assert.equal(a.text, expected);
        assert.equal(a.revision, 3);
        assert.equal(b.revision, 3);

        const resent = a.sent.filter((s) => s.conn === 2 && s.msg.type === "edit");
        assert.equal(resent.length, 1, "resent once");
        assert.equal(resent[0].msg.data.metadata.operation_id, opId, "under the same operation_id");
        const acks = a.frames((m) => m.data?.operation?.type === "ack" && m.data.operation.operation_id === opId);
        assert.equal(acks.length, 1);
        assert.equal(acks[0].data.operation.duplicate ?? false, false);
        assert.equal(editsWithId(b, opId).length, 1, "bob saw the edit once");
        assert.equal(editsWithId(a, opId).length, 0, "the fan-out skips the sender: amy got an ack, not her edit");
        assert.deepEqual(a.errors, []);
        assert.deepEqual(b.errors, []);
      } finally {
        await Promise.all([a.close(), b.close()]);
        a.free();
        b.free();
      }
    });

    test("the server applied the edit but the ack was lost: catch-up confirms it, applied once", async () => {
      const { session, a, b } = await twoEditors(ctx, "reconnect-ack-lost");
      try {
        a.insert(0, "base");
        await a.waitIdle();
        await b.waitFor(() => b.text === "base");

        // Amy sends an edit, but no longer hears the server: its ack never reaches the SDK.
        a.holdIncoming = true;
        const sent = JSON.parse(a.insert(4, "+X"));
        const opId = sent.data.metadata.operation_id;
        await b.waitFor(() => editsWithId(b, opId).length === 1, { label: "the server applied amy's edit" });
        await a.drop();
        a.holdIncoming = false;
        assert.ok(a.client.hasUnconfirmed(), "amy never saw the ack");

        b.insert(0, "B:");
        await b.waitIdle();

        await a.open();
        await a.waitSettled(3, { label: "amy's edit confirmed after reconnect, bob's edit applied" });
        const expected = "B:base+X";
        await b.waitFor(() => b.text === expected);
        assert.equal(a.text, expected);
        assert.equal(a.revision, 3);

        // If the SDK resent the edit anyway, the server must have recognised the duplicate.
        await sleep(100);
        const resent = a.sent.filter((s) => s.conn === 2 && s.msg.type === "edit");
        const acks2 = a.received.filter((r) => r.conn === 2 && r.msg?.data?.operation?.type === "ack");
        for (const ack of acks2) assert.equal(ack.msg.data.operation.duplicate, true, JSON.stringify(ack.msg));
        assert.equal(acks2.length, resent.length);
        assert.equal(editsWithId(b, opId).length, 1, "bob saw the edit once");

        const fresh = await RawSocket.connect(ctx.server.wsBase, session, tokenFor(ctx.secret, "cy", session, "guest"));
        const sync = await fresh.nextOf("sync", "full_sync");
        await fresh.close();
        assert.deepEqual(sync.data.operation, { type: "full_sync", content: expected, version: 3 });
        assert.deepEqual(a.errors, []);
        assert.deepEqual(b.errors, []);
      } finally {
        await Promise.all([a.close(), b.close()]);
        a.free();
        b.free();
      }
    });

    test("a resent operation_id is acknowledged as a duplicate and not applied again", async () => {
      const session = uniqueId("dup");
      const token = tokenFor(ctx.secret, "dee", session, "editor");
      const first = await RawSocket.connect(ctx.server.wsBase, session, token);
      const observer = await Peer.connect(ctx.server.wsBase, session, tokenFor(ctx.secret, "obs", session, "viewer"), {
        user: "obs",
      });
      let second;
      try {
        await first.nextOf("sync", "full_sync");
        const edit = envelope("edit", { type: "insert", position: 0, content: "once" }, { version: 0, operationId: "dee-1" });
        first.send(edit);
        const ack = await first.nextOf("sync", "ack");
        assert.deepEqual(
          { id: ack.data.operation.operation_id, version: ack.data.operation.version, dup: ack.data.operation.duplicate ?? false },
          { id: "dee-1", version: 1, dup: false },
        );

        // The same edit again, on the same socket and then on a new connection of the same user.
        first.send(edit);
        const dup = await first.nextOf("sync", "ack");
        assert.equal(dup.data.operation.duplicate, true, JSON.stringify(dup));
        assert.equal(dup.data.operation.version, 1);
        await first.close();

        second = await RawSocket.connect(ctx.server.wsBase, session, token);
        const sync = await second.nextOf("sync", "full_sync");
        assert.deepEqual(sync.data.operation, { type: "full_sync", content: "once", version: 1 });
        second.send(edit);
        const dup2 = await second.nextOf("sync", "ack");
        assert.equal(dup2.data.operation.duplicate, true, JSON.stringify(dup2));
        assert.equal(dup2.data.operation.version, 1);

        await sleep(100);
        assert.equal(observer.text, "once");
        assert.equal(editsWithId(observer, "dee-1").length, 1, "broadcast once");
      } finally {
        await Promise.all([first.close(), observer.close(), second?.close()]);
        observer.free();
      }
    });
  });
}
