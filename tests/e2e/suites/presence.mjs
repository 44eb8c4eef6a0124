// Presence: who joins and leaves is announced; cursors, selections and user info are relayed as the
// authenticated sender, follow the text as others edit, and a joiner gets everyone's current state.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { RawSocket, envelope, tokenFor, tryUpgrade, uniqueId } from "../harness.mjs";

export function presenceSuite(ctx) {
  describe("presence", () => {
    test("joins and leaves are announced; cursors follow the text; a joiner sees everyone", async () => {
      const session = uniqueId("presence");
      const connect = (user, role) => RawSocket.connect(ctx.server.wsBase, session, tokenFor(ctx.secret, user, session, role));
      const alice = await connect("alice", "editor");
      try {
        await alice.nextOf("sync", "full_sync");
        alice.send(envelope("edit", { type: "insert", position: 0, content: "qreg q[2];\nh q[0];\n" }, { version: 0, operationId: "a1" }));
        await alice.nextOf("sync", "ack");

        const bob = await connect("bob", "guest");
        await bob.nextOf("sync", "full_sync");
        const others = await bob.nextOf("presence", "participants");
        assert.deepEqual(others.data.operation.participants.map((p) => p.user_id), ["alice"]);

        const joined = await alice.nextOf("presence", "user_joined");
        assert.equal(joined.user_id, "bob");
        assert.deepEqual(joined.data.operation, { type: "user_joined", role: "guest", name: "bob" });
        const bobConnection = joined.data.metadata.connection_id;
        assert.match(bobConnection, /^[0-9a-f]{16}$/);

        // A guest may show its cursor; a forged user_id is replaced by the authenticated one.
        bob.send({ ...envelope("presence", { type: "cursor", line: 1, column: 2 }), user_id: "mallory" });
        const cursor = await alice.nextOf("presence", "cursor");
        assert.equal(cursor.user_id, "bob");
        assert.equal(cursor.data.metadata.connection_id, bobConnection);
        assert.deepEqual(cursor.data.operation, { type: "cursor", line: 1, column: 2 });
        bob.send(envelope("presence", { type: "user_info", name: "Bob", color: "#0af" }));
        await alice.nextOf("presence", "user_info");

        // Alice adds a line above Bob's cursor; a newcomer sees it one line further down.
        alice.send(envelope("edit", { type: "insert", position: 0, content: "OPENQASM 2.0;\n" }, { version: 1, operationId: "a2" }));
        await alice.nextOf("sync", "ack");
        const carol = await connect("carol", "viewer");
        try {
          await carol.nextOf("sync", "full_sync");
          const list = (await carol.nextOf("presence", "participants")).data.operation.participants;
          const bobView = list.find((p) => p.user_id === "bob");
          assert.deepEqual(bobView, {
            connection_id: bobConnection,
            user_id: "bob",
            role: "guest",
            name: "bob",
            cursor: { line: 2, column: 2 },
            user_info: { name: "Bob", color: "#0af" },
          });

          // Clients cannot announce departures themselves.
          bob.send(envelope("presence", { type: "user_left" }));
          assert.equal((await bob.nextOf("error")).data.operation.code, "INVALID_MESSAGE");

          await bob.close();
          const left = await alice.nextOf("presence", "user_left");
          assert.equal(left.user_id, "bob");
          assert.equal(left.data.metadata.connection_id, bobConnection);
        } finally {
          await carol.close();
        }
        const dan = await connect("dan", "viewer");
        try {
          await dan.nextOf("sync", "full_sync");
          const list = (await dan.nextOf("presence", "participants")).data.operation.participants;
          assert.deepEqual(list.map((p) => p.user_id), ["alice"], "bob and carol are gone");
        } finally {
          await dan.close();
        }
      } finally {
        await alice.close();
      }
    });

    test("a user gets at most 5 connections to a session; closing one frees a place", async () => {
      const session = uniqueId("limits");
      const token = tokenFor(ctx.secret, "tabby", session, "editor");
      const tabs = [];
      try {
        for (let i = 0; i < 5; i++) {
          const tab = await RawSocket.connect(ctx.server.wsBase, session, token);
          await tab.nextOf("sync", "full_sync");
          tabs.push(tab);
        }
        const refused = await tryUpgrade(ctx.server.wsBase, session, token);
        assert.equal(refused.status, 429, refused.body);
        assert.equal(refused.json?.error?.code, "LIMIT_EXCEEDED", refused.body);
        // Another user is not affected.
        const other = await RawSocket.connect(ctx.server.wsBase, session, tokenFor(ctx.secret, "other", session, "guest"));
        await other.nextOf("sync", "full_sync");
        tabs.push(other);
        // The open tabs still work.
        tabs[0].send(envelope("edit", { type: "insert", position: 0, content: "x" }, { version: 0, operationId: "t1" }));
        await tabs[0].nextOf("sync", "ack");

        await tabs.shift().close();
        const again = await RawSocket.connect(ctx.server.wsBase, session, token);
        tabs.push(again);
        assert.equal((await again.nextOf("sync", "full_sync")).data.operation.content, "x");
      } finally {
        await Promise.all(tabs.map((t) => t.close()));
      }
    });
  });
}
