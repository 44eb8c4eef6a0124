// Three editors type concurrently (random inserts and deletes, emoji included) without waiting for
// acks; all must converge to one text, which a fourth client's full_sync must show too.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { Peer, sleep, tokenFor, uniqueId } from "../harness.mjs";

/** mulberry32: a small seeded PRNG, so a failing run can be replayed with E2E_SEED. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = ["a", "b", "xyz", " ", "\n", "é", "漢字", "😀", "👍🏽", "🧪q", "OPENQASM 2.0;", "h q[0];", "🏳️‍🌈"];

const isHigh = (c) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c) => c >= 0xdc00 && c <= 0xdfff;
/** Whether a cut at `i` keeps every surrogate pair whole. */
const isBoundary = (s, i) => i <= 0 || i >= s.length || !(isHigh(s.charCodeAt(i - 1)) && isLow(s.charCodeAt(i)));
const boundaryAtOrBefore = (s, i) => (isBoundary(s, i) ? i : i - 1);
const boundaryAtOrAfter = (s, i) => (isBoundary(s, i) ? i : i + 1);

/** One random local edit on `peer`, through the SDK (which sends it now or buffers it). */
function randomEdit(peer, rand) {
  const text = peer.text;
  const len = text.length;
  if (len > 0 && rand() < 0.35) {
    const start = boundaryAtOrBefore(text, Math.floor(rand() * len));
    const end = Math.min(len, boundaryAtOrAfter(text, start + 1 + Math.floor(rand() * 6)));
    if (end > start) {
      peer.delete(start, end - start);
      return;
    }
  }
  const pos = boundaryAtOrBefore(text, Math.floor(rand() * (len + 1)));
  peer.insert(pos, PIECES[Math.floor(rand() * PIECES.length)]);
}

export function convergenceSuite(ctx) {
  describe("convergence", () => {
    test("three concurrent editors converge, and a fresh client's full_sync matches", async (t) => {
      const seed = Number(process.env.E2E_SEED ?? Math.floor(Math.random() * 2 ** 31));
      t.diagnostic(`seed ${seed} (replay with E2E_SEED=${seed})`);
      const rand = prng(seed);
      const opsPerPeer = Number(process.env.E2E_OPS ?? 250);
      const session = uniqueId("converge");
      const users = ["ann", "ben", "cat"];
      const peers = await Promise.all(
        users.map((user) =>
          Peer.connect(ctx.server.wsBase, session, tokenFor(ctx.secret, user, session, "editor"), { user }),
        ),
      );
      let fresh;
      let late;
      try {
        // Each peer edits in bursts with short random pauses, never waiting for its acks, so edits
        // cross on the wire and the server transforms late ones against history. A reader joins in
        // the middle of it: its full_sync and the edits after it must line up with no gap.
        let thirdDone;
        const oneThird = new Promise((resolve) => (thirdDone = resolve));
        const joinLate = oneThird.then(async () => {
          late = await Peer.connect(ctx.server.wsBase, session, tokenFor(ctx.secret, "eve", session, "guest"), {
            user: "eve",
          });
        });
        await Promise.all([
          joinLate,
          ...peers.map(async (peer, index) => {
            for (let i = 0; i < opsPerPeer; i++) {
              if (index === 0 && i === Math.floor(opsPerPeer / 3)) thirdDone();
              try {
                randomEdit(peer, rand);
              } catch (e) {
                // Usually the SDK lost sync on a server message earlier: describe() shows which.
                throw new Error(`${peer.user}: local edit ${i} failed: ${e.message}\n${peer.describe()}`);
              }
              // Mostly a pause about one round trip long (so most edits go out on their own and cross
              // the others' on the wire), sometimes none (so the SDK buffers and composes a burst).
              if (rand() < 0.8) await sleep(Math.floor(rand() * 8));
            }
            thirdDone();
          }),
        ]);
        const describeAll = () => peers.map((p) => p.describe()).join("\n");
        await peers[0].waitFor(
          () =>
            peers.every((p) => p.idle) &&
            peers.every((p) => p.revision === peers[0].revision) &&
            peers.every((p) => p.text === peers[0].text),
          { timeout: 30_000, label: "all peers idle, at one revision, with one text", describe: describeAll },
        );
        for (const peer of peers) assert.deepEqual(peer.errors, [], `${peer.user}: SDK errors`);
        await late.waitSettled(peers[0].revision, { label: "the late joiner caught up" });
        assert.deepEqual(late.errors, [], "late joiner: SDK errors");
        assert.equal(late.text, peers[0].text, "the late joiner has the converged text");
        const lateSync = late.frames((m) => m.data?.operation?.type === "full_sync")[0].data.operation.version;
        assert.ok(lateSync > 0 && lateSync < peers[0].revision, `the late joiner joined mid-run (at ${lateSync})`);

        // Every edit message sent was acknowledged once, and each became one revision.
        const sentEdits = peers.flatMap((p) => p.sent.filter((s) => s.msg.type === "edit").map((s) => s.msg));
        const acked = peers.flatMap((p) => p.frames((m) => m.data?.operation?.type === "ack"));
        assert.equal(acked.length, sentEdits.length, "one ack per edit sent");
        assert.ok(acked.every((a) => !a.data.operation.duplicate), "no edit was a duplicate");
        assert.equal(peers[0].revision, sentEdits.length, "the revision counts the edits applied");
        // The run really was concurrent: some edits were made against a revision that others had
        // already moved past, so the server had to transform them.
        const ackVersion = new Map(acked.map((a) => [a.data.operation.operation_id, a.data.operation.version]));
        const transformed = sentEdits.filter((e) => ackVersion.get(e.data.metadata.operation_id) > e.version + 1);
        assert.ok(transformed.length >= 10, `only ${transformed.length} edits crossed others on the wire`);
        t.diagnostic(
          `${opsPerPeer * peers.length} local edits in ${sentEdits.length} messages, ${transformed.length} of them ` +
            `transformed by the server; final revision ${peers[0].revision}, ` +
            `${peers[0].text.length} UTF-16 units`,
        );

        fresh = await Peer.connect(ctx.server.wsBase, session, tokenFor(ctx.secret, "dan", session, "viewer"), {
          user: "dan",
        });
        const sync = fresh.frames((m) => m.data?.operation?.type === "full_sync")[0];
        assert.equal(sync.data.operation.content, peers[0].text, "full_sync content equals the converged text");
        assert.equal(sync.data.operation.version, peers[0].revision, "full_sync version equals the final revision");
        assert.ok(peers.every((p) => p.idle), "no unconfirmed edits left");
        assert.ok(peers[0].text.length > 0, "the random edits left some text");
      } finally {
        const all = [...peers, fresh, late].filter(Boolean);
        await Promise.all(all.map((p) => p.close()));
        for (const p of all) p.free();
      }
    });
  });
}
