// Yjs interoperability under `wrangler dev`: unmodified `yjs` + `y-websocket` clients on
// `/sessions/{id}/yjs` next to synq clients (`ws` + the SDK) on the same document. Uses its own wrangler,
// because the last test restarts it.
//
// y-websocket connects to `serverUrl + "/" + roomname`: serverUrl `ws://host/sessions` and room
// `{session}/yjs`, with the JWT in `params: { token }` (→ `?token=`).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";

import * as encoding from "lib0/encoding";
import WebSocket from "ws";
import * as syncProtocol from "y-protocols/sync";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";

import {
  GENEROUS_RATES,
  Peer,
  RawSocket,
  envelope,
  sleep,
  startWrangler,
  tokenFor,
  uniqueId,
  waitFor,
} from "./harness.mjs";

const secret = randomBytes(24).toString("hex");

/**
 * The Yjs budget's rates sped up by this factor (bursts unchanged), so that a minute of typing at 10 keys a
 * second runs in 60 / TIME_SCALE seconds and meets the same limits as it would in real time. Kept well
 * below the rate at which the session works through a flood of queued updates (a few hundred a second
 * here), or the budget would refill as fast as the flood is read.
 */
const TIME_SCALE = Number(process.env.E2E_YJS_TIME_SCALE ?? 4);
const YJS_BUDGET = {
  SYNQ_YJS_UPDATES_PER_MINUTE: String(1200 * TIME_SCALE),
  SYNQ_YJS_AWARENESS_PER_MINUTE: String(1800 * TIME_SCALE),
};
let server;

/** Every `Permission denied` warning y-websocket printed (its handler for the server's refusals). */
const denied = [];
const warn = console.warn;

before(async () => {
  console.warn = (...args) => {
    const text = args.join(" ");
    if (text.includes("Permission denied")) denied.push(text);
    else warn(...args);
  };
  server = await startWrangler({ secret, label: "wrangler (yjs)", vars: { ...GENEROUS_RATES, ...YJS_BUDGET } });
});

after(async () => {
  console.warn = warn;
  if (!server) return;
  if (process.env.E2E_WRANGLER_LOG) console.log(server.log);
  await server.dispose();
});

/** A Yjs editor as an app runs it: a Y.Doc and y-websocket's provider (no BroadcastChannel shortcut). */
class YjsPeer {
  constructor(session, token) {
    this.doc = new Y.Doc();
    this.text = this.doc.getText("content");
    this.provider = new WebsocketProvider(`${server.wsBase}/sessions`, `${session}/yjs`, this.doc, {
      WebSocketPolyfill: WebSocket,
      params: { token },
      disableBc: true,
    });
  }

  static async connect(session, token) {
    const peer = new YjsPeer(session, token);
    await peer.synced();
    return peer;
  }

  synced() {
    return waitFor(() => this.provider.synced, { label: "y-websocket synced" });
  }

  get value() {
    return this.text.toString();
  }

  insert(index, content) {
    this.text.insert(index, content);
  }

  /** Follows a restarted server (y-websocket builds its URL from `serverUrl` on every connect). */
  async reconnect() {
    this.provider.serverUrl = `${server.wsBase}/sessions`;
    this.provider.connect();
    await this.synced();
  }

  destroy() {
    this.provider.destroy();
    this.doc.destroy();
  }
}

/** The server's text, from a fresh guest's full_sync. */
async function serverText(session) {
  const raw = await RawSocket.connect(server.wsBase, session, tokenFor(secret, "reader", session, "guest"));
  try {
    return (await raw.nextOf("sync", "full_sync")).data.operation.content;
  } finally {
    await raw.close();
  }
}

/** A random word boundary of `s` (the start, or just after a `;`), so that words stay whole. */
function boundary(s, rnd) {
  const ends = [0];
  for (let i = s.indexOf(";"); i >= 0; i = s.indexOf(";", i + 1)) ends.push(i + 1);
  return ends[Math.floor(rnd() * ends.length)];
}

function seeded(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

test("two Yjs and two synq clients editing at once converge to one text", async (t) => {
  const deniedBefore = denied.length;
  const session = uniqueId("yjs-converge");
  const seed = Number(process.env.E2E_SEED ?? Date.now() % 100000);
  t.diagnostic(`seed ${seed}`);
  const rnd = seeded(seed);
  const synq = [
    await Peer.connect(server.wsBase, session, tokenFor(secret, "sam", session, "editor"), { user: "sam" }),
    await Peer.connect(server.wsBase, session, tokenFor(secret, "sue", session, "owner"), { user: "sue" }),
  ];
  const yjs = [
    await YjsPeer.connect(session, tokenFor(secret, "yan", session, "editor")),
    await YjsPeer.connect(session, tokenFor(secret, "yvo", session, "editor")),
  ];
  try {
    const rounds = Number(process.env.E2E_OPS ?? 40);
    const markers = [];
    const deleted = new Set();
    for (let i = 0; i < rounds; i++) {
      for (const [k, peer] of synq.entries()) {
        const word = `s${k}.${i}${i % 4 === 0 ? "😀" : ""};`;
        markers.push(word);
        peer.insert(boundary(peer.text, rnd), word);
      }
      for (const [k, peer] of yjs.entries()) {
        const word = `y${k}.${i}${i % 3 === 0 ? "🎉" : ""};`;
        markers.push(word);
        peer.insert(boundary(peer.value, rnd), word);
      }
      if (i % 5 === 4) {
        // Each synq client deletes one of its own earlier words (the others' words must all survive).
        for (const [k, peer] of synq.entries()) {
          const word = `s${k}.${i - 4}${(i - 4) % 4 === 0 ? "😀" : ""};`;
          const at = peer.text.indexOf(word);
          if (at >= 0) {
            peer.delete(at, word.length);
            deleted.add(word);
          }
        }
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(synq.map((p) => p.waitIdle({ timeout: 30_000 })));
    const expected = await waitFor(
      async () => {
        const text = await serverText(session);
        const all = [...synq.map((p) => p.text), ...yjs.map((p) => p.value)];
        return all.every((v) => v === text) ? text : null;
      },
      {
        timeout: 30_000,
        label: "every client at the server's text",
        describe: () => JSON.stringify({ synq: synq.map((p) => p.text.length), yjs: yjs.map((p) => p.value.length) }),
      },
    );
    // Every word is there exactly once, except those their author deleted.
    for (const word of markers) {
      const count = expected.split(word).length - 1;
      assert.equal(count, deleted.has(word) ? 0 : 1, `${word} in ${expected}`);
    }
    assert.ok(deleted.size > 0);
    assert.deepEqual(synq.flatMap((p) => p.errors), []);
    assert.deepEqual(denied.slice(deniedBefore), []);
  } finally {
    for (const p of synq) await p.close();
    for (const p of yjs) p.destroy();
  }
});

test("awareness crosses to synq presence and back", async () => {
  const session = uniqueId("yjs-awareness");
  const raw = await RawSocket.connect(server.wsBase, session, tokenFor(secret, "sam", session, "editor"));
  const yan = await YjsPeer.connect(session, tokenFor(secret, "yan", session, "editor"));
  try {
    await raw.nextOf("sync", "full_sync");
    raw.send(envelope("edit", { type: "insert", position: 0, content: "qreg q[2];\nh q[0];\n" }, { version: 0, operationId: "a1" }));
    await raw.nextOf("sync", "ack");
    await waitFor(() => yan.value === "qreg q[2];\nh q[0];\n", { label: "yan has the text" });

    // Yjs → synq: the CodeMirror/Monaco binding convention, `user` and `cursor` as relative positions.
    // Who the state says it is comes from yan's token, not from what yan wrote (here: sam's identity).
    const at = Y.createRelativePositionFromTypeIndex(yan.text, 13);
    yan.provider.awareness.setLocalState({
      user: { name: "sam", color: "#0a0" },
      synq: { user_id: "sam" },
      cursor: { anchor: Y.relativePositionToJSON(at), head: Y.relativePositionToJSON(at) },
    });
    // (y-websocket announces an empty state on connect, which already shows yan as yan.)
    const info = await waitFor(
      () => raw.frames.find((f) => f.type === "presence" && f.data?.operation?.type === "user_info" && f.user_id === "yan"),
      { label: "yan's user_info" },
    );
    assert.equal(info.data.operation.name, "yan");
    assert.match(info.data.operation.color, /^#[0-9a-f]{6}$/);
    assert.notEqual(info.data.operation.color, "#0a0");
    const yanColor = info.data.operation.color;
    const cursor = await raw.nextOf("presence", "cursor");
    assert.deepEqual(cursor.data.operation, { type: "cursor", line: 1, column: 2 });
    // Another Yjs client is shown the same: yan, with its cursor as written.
    const yul = await YjsPeer.connect(session, tokenFor(secret, "yul", session, "viewer"));
    try {
      const seen = await waitFor(
        () => [...yul.provider.awareness.getStates().values()].find((s) => s.cursor && s.synq?.connection_id && s.user?.name === "yan"),
        { label: "yan's awareness entry at yul" },
      );
      assert.deepEqual(seen.user, { name: "yan", color: yanColor });
      assert.equal(seen.synq.user_id, "yan");
      assert.deepEqual(seen.cursor.head, JSON.parse(JSON.stringify(Y.relativePositionToJSON(at))));
    } finally {
      yul.destroy();
    }

    // synq → Yjs: a cursor becomes an awareness entry with relative positions, under sam's identity.
    raw.send(envelope("presence", { type: "user_info", name: "Sam", color: "#f80" }));
    raw.send(envelope("presence", { type: "cursor", line: 0, column: 5 }));
    // (yan's own state, which claims to be sam, is not among the ones it was sent.)
    const peerStates = () =>
      [...yan.provider.awareness.getStates()].filter(([id]) => id !== yan.doc.clientID).map(([, state]) => state);
    const entry = await waitFor(
      () => peerStates().find((s) => s.synq?.user_id === "sam" && s.user?.name === "sam" && s.cursor),
      { label: "sam's awareness entry at yan" },
    );
    assert.match(entry.user.color, /^#[0-9a-f]{6}$/);
    const head = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(entry.cursor.head), yan.doc);
    assert.equal(head.index, 5);

    // Leaving removes the entry.
    await raw.close();
    await waitFor(() => !peerStates().some((s) => s.synq?.user_id === "sam"), {
      label: "sam's entry gone",
    });
  } finally {
    await raw.close();
    yan.destroy();
  }
});

test("a viewer's Yjs update is refused and the document is unchanged", async () => {
  const session = uniqueId("yjs-viewer");
  const editor = await YjsPeer.connect(session, tokenFor(secret, "eve", session, "editor"));
  const viewer = await YjsPeer.connect(session, tokenFor(secret, "vic", session, "viewer"));
  try {
    editor.insert(0, "h q[0];\n");
    await waitFor(() => viewer.value === "h q[0];\n", { label: "the viewer reads the editor's text" });
    const deniedBefore = denied.length;
    viewer.insert(0, "evil ");
    await waitFor(() => denied.length > deniedBefore, { label: "y-websocket reports the refusal" });
    assert.match(denied.at(-1), /FORBIDDEN: a viewer cannot edit this session/);
    assert.equal(await serverText(session), "h q[0];\n");
    // The editor keeps getting updates over the same connections; the viewer's socket stayed open.
    editor.insert(8, "x q[1];\n");
    await waitFor(() => viewer.value.endsWith("x q[1];\n"), { label: "the viewer still follows" });
    assert.equal(editor.value, "h q[0];\nx q[1];\n");
    assert.equal(viewer.provider.wsconnected, true);
  } finally {
    editor.destroy();
    viewer.destroy();
  }
});

/** A document update as y-websocket frames it. */
function updateFrame(update) {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 0); // messageSync
  syncProtocol.writeUpdate(encoder, update);
  return encoding.toUint8Array(encoder);
}

/** The updates of each transaction `edit` makes on a copy of `peer`'s document under another client id. */
function craft(peer, clientID, ...edits) {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(peer.doc));
  const updates = [];
  doc.on("update", (update) => updates.push(update));
  for (const edit of edits) edit(doc.getText("content"));
  return { doc, updates };
}

test("an update whose dependencies never arrive is refused, relayed to nobody and kept by nobody", async () => {
  const session = uniqueId("yjs-missing");
  const yan = await YjsPeer.connect(session, tokenFor(secret, "yan", session, "editor"));
  try {
    yan.insert(0, "h q[0];\n");
    await waitFor(async () => (await serverText(session)) === "h q[0];\n", { label: "the server has yan's text" });
    // Over yan's real y-websocket connection: changes of a client whose first change the server never saw.
    const gap = craft(yan, 900_001, (t) => t.insert(0, "unseen "), (t) => t.insert(0, "follows "));
    let deniedBefore = denied.length;
    yan.provider.ws.send(updateFrame(gap.updates[1]));
    await waitFor(() => denied.length > deniedBefore, { label: "the gap is refused" });
    assert.match(denied.at(-1), /INVALID_REVISION: the update continues Yjs client 900001's changes from clock 7/);
    // Another client's large change that builds on the unseen one: over what may wait, refused.
    const other = craft(yan, 900_002);
    Y.applyUpdate(other.doc, gap.updates[0]);
    other.doc.getText("content").insert(7, "x".repeat(20_000));
    deniedBefore = denied.length;
    yan.provider.ws.send(updateFrame(other.updates.at(-1)));
    await waitFor(() => denied.length > deniedBefore, { label: "the dependent flood is refused" });
    assert.match(denied.at(-1), /INVALID_REVISION: \d+ bytes of the update depend on changes the server has not received/);

    // The socket stayed open and still edits; a newcomer syncs to the text with nothing left waiting.
    assert.equal(yan.provider.wsconnected, true);
    yan.insert(0, "// ok\n");
    await waitFor(async () => (await serverText(session)) === "// ok\nh q[0];\n", { label: "yan still edits" });
    const late = await YjsPeer.connect(session, tokenFor(secret, "lee", session, "viewer"));
    try {
      assert.equal(late.value, "// ok\nh q[0];\n");
      assert.equal(late.doc.store.pendingStructs, null, "no refused change reached the newcomer");
      assert.equal(late.doc.store.pendingDs, null);
    } finally {
      late.destroy();
    }
  } finally {
    yan.destroy();
  }
});

test("a Yjs editor typing fast is never limited; a flood is closed with 1013 and loses nothing", async () => {
  const session = uniqueId("yjs-budget");
  const deniedBefore = denied.length;
  const sam = await Peer.connect(server.wsBase, session, tokenFor(secret, "sam", session, "editor"), { user: "sam" });
  const yan = await YjsPeer.connect(session, tokenFor(secret, "yan", session, "editor"));
  // Closes by the server (y-websocket also closes on its own after 30 s without a message: event null).
  const closes = [];
  yan.provider.on("connection-close", (event) => event && closes.push(event.code));
  try {
    // 600 single-character updates at 10 a second (scaled), each followed by the cursor move an editor
    // binding sends as awareness: twice the synq protocol's 100 messages a minute, twelve times its edits.
    const keys = 600;
    for (let i = 0; i < keys; i++) {
      yan.insert(yan.text.length, String.fromCharCode(97 + (i % 26)));
      const at = Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(yan.text, yan.text.length));
      yan.provider.awareness.setLocalStateField("cursor", { anchor: at, head: at });
      await sleep(100 / TIME_SCALE);
    }
    await waitFor(() => sam.text === yan.value, {
      label: "sam has every key",
      timeout: 30_000,
      describe: () => `sam ${sam.text.length}, yan ${yan.value.length}`,
    });
    assert.equal(sam.text.length, keys);
    assert.deepEqual(closes, []);
    assert.deepEqual(denied.slice(deniedBefore), []);

    // A flood far over the budget (bursts of 200 updates): the socket is closed with 1013 and a
    // RATE_LIMITED refusal; y-websocket reconnects and its sync step 2 brings what was not taken.
    const flo = await YjsPeer.connect(session, tokenFor(secret, "flo", session, "editor"));
    const floCloses = [];
    flo.provider.on("connection-close", (event) => event && floCloses.push(event.code));
    try {
      const flood = 3_000;
      for (let i = 0; i < flood; i++) flo.insert(0, "z");
      await waitFor(() => floCloses.length > 0, { label: "the flooder is closed", timeout: 30_000 });
      assert.equal(floCloses[0], 1013);
      // (Frames already on their way when the socket closed may be refused too, as continuing refused ones.)
      assert.ok(
        denied.slice(deniedBefore).some((d) => /RATE_LIMITED: at most \d+ Yjs updates a minute per user/.test(d)),
        denied.slice(deniedBefore).join("\n"),
      );
      // What the server had taken and sent out before the close stays: sam's text only grows.
      const seenAtClose = sam.text;
      const final = await waitFor(() => (sam.text === flo.value && flo.value.length === keys + flood ? sam.text : null), {
        label: "every flooded character arrives after the resync",
        timeout: 60_000,
        describe: () => `sam ${sam.text.length}, flo ${flo.value.length}, closes ${floCloses}`,
      });
      assert.ok(final.endsWith(seenAtClose), "nothing sam had seen was undone");
      // Yan's copy comes on another socket of the same broadcast, so it may land a moment after sam's.
      await waitFor(() => yan.value === final, {
        label: "yan has every flooded character too",
        describe: () => `yan ${yan.value.length}, final ${final.length}`,
      });
      assert.deepEqual(closes, [], "the typist was never closed");
    } finally {
      flo.destroy();
    }
    assert.deepEqual(sam.errors, []);
  } finally {
    await sam.close();
    yan.destroy();
  }
});

test("after a crash and restart a Yjs client gets every acked change and its offline edits merge", async (t) => {
  const session = uniqueId("yjs-restart");
  const deniedBefore = denied.length;
  const yan = await YjsPeer.connect(session, tokenFor(secret, "yan", session, "editor"));
  const yvo = await YjsPeer.connect(session, tokenFor(secret, "yvo", session, "editor"));
  let sam = await Peer.connect(server.wsBase, session, tokenFor(secret, "sam", session, "editor"), { user: "sam" });
  try {
    // Past several snapshots (every 100 revisions), so the reload reads a Yjs snapshot plus its log.
    for (let i = 0; i < 120; i++) {
      if (i % 2) yan.insert(yan.value.length, `y${i}😀 `);
      else sam.insert(0, `s${i} `);
      if (i % 10 === 9) await sam.waitIdle();
    }
    await sam.waitIdle();
    // Acked: the synq client saw every Yjs edit come back as a revision (so the server persisted it).
    const acked = await waitFor(() => (sam.text === yan.value && yan.value === yvo.value ? sam.text : null), {
      label: "all three at one text",
      timeout: 30_000,
    });

    // yan goes offline and keeps typing; yvo stays connected through the crash.
    yan.provider.disconnect();
    yan.insert(0, "offline-1 ");
    yan.insert(yan.value.length, "offline-2🎉");
    await sam.drop();
    await server.restart({ crash: true });
    t.diagnostic(`restarted after SIGKILL on :${server.port}`);

    assert.equal(await serverText(session), acked, "every acked change survived the crash");
    await yan.reconnect();
    await yvo.reconnect();
    sam = await Peer.connect(server.wsBase, session, tokenFor(secret, "sam", session, "editor"), { user: "sam" });
    const merged = await waitFor(
      async () => {
        const text = await serverText(session);
        return [yan.value, yvo.value, sam.text].every((v) => v === text) && text.includes("offline-2🎉") ? text : null;
      },
      { label: "offline edits merged everywhere", timeout: 30_000 },
    );
    assert.equal(merged, `offline-1 ${acked}offline-2🎉`);
    assert.deepEqual(denied.slice(deniedBefore), []);
  } finally {
    await sam.close();
    yan.destroy();
    yvo.destroy();
  }
});
