// Bad input on a live socket: each mistake gets an `error` frame with its code, the document does not
// change, nothing is broadcast, and the same socket then completes a valid edit.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { Peer, RawSocket, envelope, sleep, tokenFor, uniqueId } from "../harness.mjs";

/** 70 KiB of content: over the 64 KiB message limit. */
const OVERSIZED = "x".repeat(70 * 1024);
/** 1.5 MB: over the 1 MiB WebSocket message size of Cloudflare's platform as well. */
const HUGE = "y".repeat(1_500_000);

export function protocolSuite(ctx) {
  describe("protocol errors keep the socket usable", () => {
    test("malformed JSON, unknown types, oversized, out of range, missing fields", async (t) => {
      const session = uniqueId("proto");
      const raw = await RawSocket.connect(ctx.server.wsBase, session, tokenFor(ctx.secret, "raw", session, "editor"));
      const observer = await Peer.connect(ctx.server.wsBase, session, tokenFor(ctx.secret, "obs", session, "viewer"), {
        user: "obs",
      });
      let text = "";
      let version = 0;
      let okEdits = 0;

      /** A valid insert at the end, acknowledged on the same socket and seen by the observer. */
      async function validExchange(label) {
        const opId = `ok-${++okEdits}`;
        const content = okEdits % 2 ? `<${okEdits}😀>` : `[${okEdits}]`;
        raw.send(envelope("edit", { type: "insert", position: text.length, content }, { version, operationId: opId }));
        const ack = await raw.next();
        assert.equal(ack.type, "sync", `after ${label}: expected an ack, got ${JSON.stringify(ack)}`);
        assert.equal(ack.data.operation.type, "ack", `after ${label}: ${JSON.stringify(ack)}`);
        assert.equal(ack.data.operation.operation_id, opId);
        assert.equal(ack.data.operation.version, version + 1);
        text += content;
        version += 1;
        await observer.waitFor(() => observer.text === text, { label: `observer sees the edit after ${label}` });
      }

      async function expectError(label, message, code, operationId) {
        if (typeof message === "string") raw.send(message);
        else raw.sendBinary(message);
        const err = await raw.next();
        assert.equal(err.type, "error", `${label}: expected an error frame, got ${JSON.stringify(err).slice(0, 500)}`);
        assert.equal(err.data?.operation?.type, "error", `${label}: ${JSON.stringify(err).slice(0, 500)}`);
        assert.equal(err.data.operation.code, code, `${label}: ${JSON.stringify(err).slice(0, 500)}`);
        assert.equal(typeof err.data.operation.message, "string");
        if (operationId !== undefined) assert.equal(err.data.operation.operation_id, operationId, `${label}: operation_id`);
        assert.ok(raw.isOpen, `${label}: the socket must stay open`);
        await validExchange(label);
      }

      try {
        const sync = await raw.nextOf("sync", "full_sync");
        assert.deepEqual(sync.data.operation, { type: "full_sync", content: "", version: 0 });
        await validExchange("connect");

        const cases = [
          ["malformed JSON", () => "{not json", "MALFORMED_MESSAGE"],
          ["control characters in a text frame", () => "\u0000\u0001\u0002", "MALFORMED_MESSAGE"],
          ["a binary frame", () => new Uint8Array([0, 1, 2, 3]), "UNSUPPORTED"],
          ["an unknown message type", () => JSON.stringify(envelope("teleport", { type: "insert", position: 0, content: "x" })), "UNKNOWN_TYPE"],
          [
            "an unknown operation type",
            () => JSON.stringify(envelope("edit", { type: "explode" }, { version, operationId: "bad-op-type" })),
            "UNKNOWN_TYPE",
          ],
          ["a message without type", () => JSON.stringify({ data: { operation: { type: "insert" } } }), "INVALID_MESSAGE"],
          [
            "an edit without operation_id",
            () => JSON.stringify(envelope("edit", { type: "insert", position: 0, content: "nope" }, { version })),
            "INVALID_MESSAGE",
          ],
          [
            "a negative position",
            () => JSON.stringify(envelope("edit", { type: "insert", position: -1, content: "nope" }, { version, operationId: "neg" })),
            "INVALID_MESSAGE",
          ],
          [
            "a message over 64 KiB",
            () => JSON.stringify(envelope("edit", { type: "insert", position: 0, content: OVERSIZED }, { version, operationId: "big" })),
            "MESSAGE_TOO_LARGE",
          ],
          [
            "a message over 1 MiB (beyond the platform's frame size too)",
            () => JSON.stringify(envelope("edit", { type: "insert", position: 0, content: HUGE }, { version, operationId: "huge" })),
            "MESSAGE_TOO_LARGE",
          ],
          [
            "an insert past the end",
            () => JSON.stringify(envelope("edit", { type: "insert", position: text.length + 5, content: "nope" }, { version, operationId: "oor-insert" })),
            "OUT_OF_RANGE",
            "oor-insert",
          ],
          [
            "a delete past the end",
            () => JSON.stringify(envelope("edit", { type: "delete", position: 1, length: text.length }, { version, operationId: "oor-delete" })),
            "OUT_OF_RANGE",
            "oor-delete",
          ],
          [
            "an insert inside a surrogate pair",
            // text ends with "😀>": the emoji's two UTF-16 units sit at length-3 and length-2.
            () => JSON.stringify(envelope("edit", { type: "insert", position: text.lastIndexOf("😀") + 1, content: "nope" }, { version, operationId: "split" })),
            "OUT_OF_RANGE",
            "split",
          ],
          [
            "an edit based on a future revision",
            () => JSON.stringify(envelope("edit", { type: "insert", position: 0, content: "nope" }, { version: version + 10, operationId: "future" })),
            "INVALID_REVISION",
            "future",
          ],
        ];
        for (const [label, build, code, operationId] of cases) {
          await t.test(label, async () => {
            const message = build();
            if (label.includes("64 KiB")) assert.ok(Buffer.byteLength(message) > 64 * 1024);
            if (label.includes("1 MiB")) assert.ok(Buffer.byteLength(message) > 1024 * 1024);
            if (label.includes("surrogate")) assert.equal(text.charCodeAt(text.lastIndexOf("😀")), 0xd83d);
            await expectError(label, message, code, operationId);
          });
        }

        // The document holds exactly the valid edits; nothing refused was applied or broadcast.
        raw.send(envelope("sync", { type: "full_sync_request" }));
        const final = await raw.nextOf("sync", "full_sync");
        assert.deepEqual(final.data.operation, { type: "full_sync", content: text, version });
        await sleep(100);
        const edits = observer.frames((m) => m.type === "edit");
        assert.equal(edits.length, okEdits, `observer saw ${JSON.stringify(edits.map((e) => e.data.metadata))}`);
        assert.deepEqual(observer.errors, []);
        assert.equal(observer.text, text);
        assert.deepEqual(raw.unread(), []);
      } finally {
        await Promise.all([raw.close(), observer.close()]);
        observer.free();
      }
    });

    test("an edit or catch-up older than the kept history gets REVISION_TOO_OLD; the socket stays usable", async () => {
      const session = uniqueId("too-old");
      const raw = await RawSocket.connect(ctx.server.wsBase, session, tokenFor(ctx.secret, "raw", session, "editor"));
      try {
        await raw.nextOf("sync", "full_sync");
        // 1,001 pipelined edits, each based on the revision the previous one makes: the server keeps
        // the last 1,000, so revision 0 falls out of its history.
        const count = 1_001;
        for (let i = 0; i < count; i++) {
          raw.send(envelope("edit", { type: "insert", position: i, content: "a" }, { version: i, operationId: `seq-${i}` }));
        }
        const last = await raw.next(
          (f) => f.type === "error" || (f.data?.operation?.type === "ack" && f.data.operation.operation_id === `seq-${count - 1}`),
          { timeout: 30_000, label: "the last ack" },
        );
        assert.equal(last.data.operation.type, "ack", JSON.stringify(last));
        assert.equal(last.data.operation.version, count);

        raw.send(envelope("edit", { type: "insert", position: 0, content: "late" }, { version: 0, operationId: "late" }));
        const err = await raw.next();
        assert.equal(err.type, "error", JSON.stringify(err));
        assert.equal(err.data.operation.code, "REVISION_TOO_OLD", JSON.stringify(err));
        assert.equal(err.data.operation.operation_id, "late");

        raw.send(envelope("sync", { type: "catch_up" }, { version: 0 }));
        const err2 = await raw.next();
        assert.equal(err2.type, "error", JSON.stringify(err2));
        assert.equal(err2.data.operation.code, "REVISION_TOO_OLD", JSON.stringify(err2));

        // The oldest kept base still works, and the document is intact.
        raw.send(envelope("edit", { type: "insert", position: 0, content: "b" }, { version: 1, operationId: "oldest-ok" }));
        const ack = await raw.next();
        assert.equal(ack.data?.operation?.type, "ack", JSON.stringify(ack));
        assert.equal(ack.data.operation.version, count + 1);
        raw.send(envelope("sync", { type: "full_sync_request" }));
        const sync = await raw.nextOf("sync", "full_sync");
        assert.equal(sync.data.operation.version, count + 1);
        assert.equal(sync.data.operation.content, `b${"a".repeat(count)}`);
      } finally {
        await raw.close();
      }
    });
  });
}
