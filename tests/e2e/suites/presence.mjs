// Presence in this scope: who joins and leaves is announced to the others, and cursor,
// selection and user info are relayed as the authenticated sender.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { RawSocket, envelope, tokenFor, uniqueId } from "../harness.mjs";

export function presenceSuite(ctx) {
  describe("presence", () => {
    test("joins and leaves are announced; presence is relayed as the sender", async () => {
      const session = uniqueId("presence");
      const alice = await RawSocket.connect(ctx.server.wsBase, session, tokenFor(ctx.secret, "alice", session, "editor"));
      try {
        await alice.nextOf("sync", "full_sync");
        const bob = await RawSocket.connect(ctx.server.wsBase, session, tokenFor(ctx.secret, "bob", session, "guest"));
        await bob.nextOf("sync", "full_sync");

        const joined = await alice.nextOf("presence", "user_joined");
        assert.equal(joined.user_id, "bob");
        assert.deepEqual(joined.data.operation, { type: "user_joined", role: "guest", name: "bob" });

        // A guest may show its cursor; a forged user_id is replaced by the authenticated one.
        bob.send({ ...envelope("presence", { type: "cursor", line: 3, column: 7 }), user_id: "mallory" });
        const cursor = await alice.nextOf("presence", "cursor");
        assert.equal(cursor.user_id, "bob");
        assert.deepEqual(cursor.data.operation, { type: "cursor", line: 3, column: 7 });

        // Clients cannot announce departures themselves.
        bob.send(envelope("presence", { type: "user_left" }));
        assert.equal((await bob.nextOf("error")).data.operation.code, "INVALID_MESSAGE");

        await bob.close();
        const left = await alice.nextOf("presence", "user_left");
        assert.equal(left.user_id, "bob");
      } finally {
        await alice.close();
      }
    });
  });
}
