// Roles inside a session: viewers and guests read along but their edits are refused with FORBIDDEN,
// and their socket stays usable afterwards.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { Peer, RawSocket, envelope, sleep, tokenFor, uniqueId } from "../harness.mjs";

export function rolesSuite(ctx) {
  describe("roles", () => {
    for (const role of ["viewer", "guest"]) {
      test(`a ${role}'s edit gets FORBIDDEN with its operation_id; the socket stays usable`, async () => {
        const session = uniqueId(`role-${role}`);
        const editor = await Peer.connect(ctx.server.wsBase, session, tokenFor(ctx.secret, "ed", session, "editor"), {
          user: "ed",
        });
        const reader = await RawSocket.connect(ctx.server.wsBase, session, tokenFor(ctx.secret, "ro", session, role));
        try {
          const first = await reader.nextOf("sync", "full_sync");
          assert.equal(first.data.operation.content, "");

          editor.insert(0, "hello");
          await editor.waitIdle();
          const seen = await reader.nextOf("edit");
          assert.deepEqual(seen.data.operation, { type: "insert", position: 0, content: "hello" });
          assert.equal(seen.version, 1);

          const opId = `${role}-op-1`;
          reader.send(envelope("edit", { type: "insert", position: 5, content: " world" }, { version: 1, operationId: opId }));
          const err = await reader.next();
          assert.equal(err.type, "error", `expected an error frame, got ${JSON.stringify(err)}`);
          assert.equal(err.data.operation.type, "error");
          assert.equal(err.data.operation.code, "FORBIDDEN", JSON.stringify(err));
          assert.equal(err.data.operation.operation_id, opId, JSON.stringify(err));
          assert.equal(typeof err.data.operation.message, "string");

          // The socket still works: a full sync shows the document unchanged.
          reader.send(envelope("sync", { type: "full_sync_request" }));
          const sync = await reader.nextOf("sync", "full_sync");
          assert.equal(sync.data.operation.content, "hello");
          assert.equal(sync.data.operation.version, 1);
          assert.ok(reader.isOpen, "the socket must stay open");

          // And broadcasts still reach it.
          editor.insert(5, "!");
          await editor.waitIdle();
          const next = await reader.nextOf("edit");
          assert.deepEqual(next.data.operation, { type: "insert", position: 5, content: "!" });
          assert.equal(next.version, 2);

          // The refused edit never reached anyone.
          await sleep(100);
          assert.equal(editor.text, "hello!");
          assert.deepEqual(editor.errors, []);
          const fromReader = editor.frames((m) => m.type === "edit" && m.data?.metadata?.operation_id === opId);
          assert.deepEqual(fromReader, [], "a refused edit must not be broadcast");
          assert.deepEqual(reader.unread(), [], "no further frames expected by the reader");
        } finally {
          await Promise.all([editor.close(), reader.close()]);
          editor.free();
        }
      });
    }
  });
}
