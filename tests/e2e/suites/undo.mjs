// Undo and redo per user with two editors: undo reverts only my last edit, transformed over the other
// editor's later work; redo brings it back; both arrive everywhere as ordinary edits; a reader may not.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { Peer, RawSocket, envelope, tokenFor, uniqueId } from "../harness.mjs";

export function undoSuite(ctx) {
  describe("undo and redo", () => {
    test("two editors: undo reverts only mine, redo restores it, both converge", async () => {
      const session = uniqueId("undo");
      const connect = (user, role = "editor") =>
        Peer.connect(ctx.server.wsBase, session, tokenFor(ctx.secret, user, session, role), { user });
      const [amy, bo] = [await connect("amy"), await connect("bo")];
      try {
        amy.insert(0, "h q[0];");
        await amy.waitSettled(1);
        await bo.waitFor(() => bo.revision === 1);
        bo.insert(0, "// Bell 😀\n");
        bo.insert(bo.text.length, "\ncx q[0],q[1];");
        await bo.waitSettled(3);
        await amy.waitFor(() => amy.revision === 3);

        amy.sendRaw(amy.client.undo(Date.now()));
        await amy.waitFor(() => amy.revision === 4, { label: "amy's undo applied" });
        await bo.waitFor(() => bo.revision === 4, { label: "bo sees amy's undo" });
        assert.equal(amy.text, "// Bell 😀\n\ncx q[0],q[1];");
        assert.equal(bo.text, amy.text);

        // Bo has nothing of his own undone by Amy's redo either.
        amy.sendRaw(amy.client.redo(Date.now()));
        await Promise.all([amy.waitFor(() => amy.revision === 5), bo.waitFor(() => bo.revision === 5)]);
        assert.equal(amy.text, "// Bell 😀\nh q[0];\ncx q[0],q[1];");
        assert.equal(bo.text, amy.text);

        // Bo's undo takes back his own last edit only.
        bo.sendRaw(bo.client.undo(Date.now()));
        await Promise.all([amy.waitFor(() => amy.revision === 6), bo.waitFor(() => bo.revision === 6)]);
        assert.equal(bo.text, "// Bell 😀\nh q[0];");
        assert.equal(amy.text, bo.text);
        assert.deepEqual(amy.errors, []);
        assert.deepEqual(bo.errors, []);

        // A viewer cannot undo; with nothing left, an editor is told so; the sockets stay usable.
        const reader = await RawSocket.connect(ctx.server.wsBase, session, tokenFor(ctx.secret, "vi", session, "viewer"));
        try {
          await reader.nextOf("sync", "full_sync");
          reader.send(envelope("undo", { type: "undo" }, { operationId: "vi-1" }));
          assert.equal((await reader.nextOf("error")).data.operation.code, "FORBIDDEN");
          reader.send(envelope("sync", { type: "full_sync_request" }));
          assert.equal((await reader.nextOf("sync", "full_sync")).data.operation.content, bo.text);
        } finally {
          await reader.close();
        }
        const fresh = await RawSocket.connect(ctx.server.wsBase, session, tokenFor(ctx.secret, "cy", session, "editor"));
        try {
          await fresh.nextOf("sync", "full_sync");
          fresh.send(envelope("undo", { type: "undo" }, { operationId: "cy-1" }));
          assert.equal((await fresh.nextOf("error")).data.operation.code, "NOTHING_TO_UNDO");
        } finally {
          await fresh.close();
        }
      } finally {
        await Promise.all([amy.close(), bo.close()]);
        amy.free();
        bo.free();
      }
    });
  });
}
