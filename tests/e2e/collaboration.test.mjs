// The collaboration REST API under `wrangler dev` (local D1 for the sessions index, the Session DOs for
// the documents), with real HTTP calls and real `ws` clients: every endpoint with the right role, the
// wrong role, bad input and a missing session; roles granted over REST reach the WebSocket; checkpoint,
// branch, edits on both sides over WebSocket and REST, merge; history pages; and all of it survives a
// restart of wrangler.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";

import WebSocket from "ws";

import { Peer, RawSocket, envelope, mintToken, startWrangler, waitFor } from "./harness.mjs";

const secret = randomBytes(24).toString("hex");
let server;

before(async () => {
  server = await startWrangler({ secret, label: "wrangler (collaboration)" });
});

after(async () => {
  if (!server) return;
  if (process.env.E2E_WRANGLER_LOG) console.log(server.log);
  await server.dispose();
});

/** A token that names the user and no session role: roles come from the index. */
const tokenOf = (user, roles = {}) => mintToken(secret, { sub: user, name: user, roles });

const users = {};
for (const name of ["olga", "ed", "vi", "gus", "mallory", "pia"]) users[name] = tokenOf(name);

/** One REST call: `{ status, json, headers }` (json is null for an empty body). */
async function api(token, method, path, body) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${server.base}/api/v1/collaboration${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  if (res.status >= 400) {
    assert.equal(typeof json?.error?.code, "string", `error shape: ${text}`);
    assert.equal(typeof json?.error?.message, "string", `error shape: ${text}`);
  }
  return { status: res.status, json, headers: res.headers };
}

/** Asserts a refusal's status, code and (if given) field. */
function refused(r, status, code, field) {
  assert.equal(r.status, status, JSON.stringify(r.json));
  assert.equal(r.json.error.code, code, JSON.stringify(r.json));
  if (field !== undefined) assert.equal(r.json.error.field, field, JSON.stringify(r.json));
}

async function newSession(title = "Bell pair") {
  const r = await api(users.olga, "POST", "/sessions", { title });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return r.json.session_id;
}

async function grant(session, user, role) {
  const r = await api(users.olga, "POST", `/sessions/${session}/participants`, { user_id: user, role });
  assert.ok(r.status === 201 || r.status === 200, JSON.stringify(r.json));
}

const insert = (token, session, position, content, version, operationId) =>
  api(token, "POST", `/sessions/${session}/edits`, {
    operation: { type: "insert", position, content },
    version,
    operation_id: operationId,
  });

const documentOf = async (token, session, query = "") => {
  const r = await api(token, "GET", `/sessions/${session}/document${query}`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
};

describe("collaboration REST API", () => {
  test("sessions: create, list, get, update", async () => {
    refused(await api(undefined, "POST", "/sessions", { title: "x" }), 401, "UNAUTHORIZED");
    refused(await api(users.olga, "POST", "/sessions", {}), 400, "INVALID_MESSAGE", "title");
    refused(await api(users.olga, "POST", "/sessions", "{"), 400, "MALFORMED_MESSAGE");
    const first = await newSession("first");
    const second = await newSession("second");
    assert.match(first, /^[A-Za-z0-9._-]+$/);

    // The caller's sessions, newest first, a page at a time.
    const page1 = await api(users.olga, "GET", "/sessions?limit=1");
    assert.equal(page1.status, 200);
    assert.deepEqual(page1.json.sessions.map((s) => s.session_id), [second]);
    const page2 = await api(users.olga, "GET", `/sessions?limit=1&cursor=${page1.json.next_cursor}`);
    assert.deepEqual(page2.json.sessions.map((s) => s.session_id), [first]);
    assert.equal((await api(users.ed, "GET", "/sessions")).json.sessions.length, 0, "ed has none yet");
    refused(await api(users.olga, "GET", "/sessions?limit=500"), 400, "INVALID_MESSAGE", "limit");
    refused(await api(users.olga, "GET", "/sessions?cursor=nope"), 400, "INVALID_MESSAGE", "cursor");
    const wrongMethod = await api(users.olga, "DELETE", "/sessions");
    refused(wrongMethod, 405, "METHOD_NOT_ALLOWED");
    assert.equal(wrongMethod.headers.get("allow"), "GET, POST");

    const got = await api(users.olga, "GET", `/sessions/${first}`);
    assert.equal(got.status, 200);
    assert.deepEqual([got.json.title, got.json.role, got.json.revision], ["first", "owner", 0]);
    await grant(first, "vi", "viewer");
    assert.equal((await api(users.vi, "GET", `/sessions/${first}`)).json.role, "viewer");
    refused(await api(users.mallory, "GET", `/sessions/${first}`), 403, "FORBIDDEN");
    refused(await api(users.olga, "GET", "/sessions/no-such-session"), 404, "NOT_FOUND");

    const patched = await api(users.olga, "PATCH", `/sessions/${first}`, { description: "two qubits" });
    assert.equal(patched.status, 200);
    assert.equal(patched.json.description, "two qubits");
    refused(await api(users.vi, "PATCH", `/sessions/${first}`, { title: "mine" }), 403, "FORBIDDEN");
    refused(await api(users.olga, "PATCH", `/sessions/${first}`, { title: 7 }), 400, "INVALID_MESSAGE", "title");
    refused(await api(users.olga, "PATCH", "/sessions/no-such-session", { title: "x" }), 404, "NOT_FOUND");
  });

  test("participants: owners grant and remove roles; the grants hold on the WebSocket", async () => {
    const session = await newSession();
    const path = `/sessions/${session}/participants`;
    const added = await api(users.olga, "POST", path, { user_id: "ed", role: "editor" });
    assert.equal(added.status, 201);
    assert.deepEqual([added.json.user_id, added.json.role, added.json.added_by], ["ed", "editor", "olga"]);
    await grant(session, "vi", "viewer");
    refused(await api(users.ed, "POST", path, { user_id: "mallory", role: "owner" }), 403, "FORBIDDEN");
    refused(await api(users.olga, "POST", path, { user_id: "ed", role: "root" }), 400, "INVALID_MESSAGE", "role");
    refused(await api(users.olga, "POST", "/sessions/no-such-session/participants", { user_id: "ed", role: "viewer" }), 404, "NOT_FOUND");
    assert.equal((await api(users.ed, "GET", "/sessions")).json.sessions[0].session_id, session);

    // The granted editor edits over the WebSocket with a token that names no role in the session.
    const ed = await Peer.connect(server.wsBase, session, users.ed, { user: "ed" });
    try {
      ed.insert(0, "h q[0];");
      await ed.waitSettled(1);
      assert.deepEqual(ed.errors, []);
    } finally {
      await ed.close();
      ed.free();
    }

    refused(await api(users.ed, "DELETE", `${path}/vi`), 403, "FORBIDDEN");
    refused(await api(users.olga, "DELETE", `${path}/nobody`), 404, "NOT_FOUND");
    refused(await api(users.olga, "DELETE", `${path}/${"x".repeat(200)}`), 400, "INVALID_MESSAGE", "user_id");
    refused(await api(users.olga, "DELETE", `${path}/olga`), 409, "CONFLICT");
    refused(await api(users.olga, "DELETE", "/sessions/no-such-session/participants/ed"), 404, "NOT_FOUND");
    const removed = await api(users.olga, "DELETE", `${path}/ed`);
    assert.equal(removed.status, 204);
    refused(await api(users.ed, "GET", `/sessions/${session}`), 403, "FORBIDDEN");
  });

  test("a session opened by WebSocket alone is indexed at its owner's first join; nobody else gains it", async () => {
    const session = `ws-only-${randomBytes(6).toString("hex")}`;
    const join = async (token) => {
      const socket = await RawSocket.connect(server.wsBase, session, token);
      await socket.nextOf("sync", "full_sync");
      await socket.close();
    };
    const olga = tokenOf("olga", { [session]: "owner" });
    // An editor by token opens it first: not indexed (only an owner may claim a session id).
    await join(tokenOf("ed", { [session]: "editor" }));
    refused(await api(olga, "GET", `/sessions/${session}`), 404, "NOT_FOUND");

    await join(olga);
    const got = await api(olga, "GET", `/sessions/${session}`);
    assert.equal(got.status, 200, JSON.stringify(got.json));
    assert.deepEqual([got.json.session_id, got.json.title, got.json.created_by, got.json.role], [session, session, "olga", "owner"]);
    assert.deepEqual(got.json.participants.map((p) => [p.user_id, p.role]), [["olga", "owner"]]);
    const listed = await api(olga, "GET", "/sessions");
    assert.ok(listed.json.sessions.some((s) => s.session_id === session && s.role === "owner"), JSON.stringify(listed.json));

    // Another owner by token joining the indexed session gains no grant; the owner's grants work.
    const mallory = tokenOf("mallory", { [session]: "owner" });
    await join(mallory);
    const after = await api(olga, "GET", `/sessions/${session}`);
    assert.deepEqual(after.json.participants.map((p) => [p.user_id, p.role]), [["olga", "owner"]]);
    assert.ok(!(await api(mallory, "GET", "/sessions")).json.sessions.some((s) => s.session_id === session));
    assert.equal((await api(olga, "POST", `/sessions/${session}/participants`, { user_id: "vi", role: "viewer" })).status, 201);
  });

  test("a grant changed over REST applies to the user's open socket at once", async () => {
    const session = await newSession();
    await grant(session, "ed", "editor");
    const ed = await RawSocket.connect(server.wsBase, session, users.ed);
    const yjs = new WebSocket(`${server.wsBase}/sessions/${session}/yjs`, { headers: { Authorization: `Bearer ${users.ed}` } });
    const yjsFrames = [];
    yjs.on("message", (data) => yjsFrames.push(Buffer.from(data)));
    await new Promise((resolve, reject) => yjs.once("open", resolve).once("error", reject));
    const edit = (position, content, version, operationId) =>
      envelope("edit", { type: "insert", position, content }, { version, operationId });
    try {
      await ed.nextOf("sync", "full_sync");
      ed.send(edit(0, "a", 0, "ed-1"));
      assert.equal((await ed.nextOf("sync", "ack")).data.operation.version, 1);
      // Demoted while connected: told at once (a Yjs socket too, with y-websocket's permission-denied
      // message), then the next edit is refused with the role error, and the socket stays.
      await grant(session, "ed", "viewer");
      assert.equal((await ed.nextOf("sync", "role_changed")).data.operation.role, "viewer");
      await waitFor(() => yjsFrames.some((f) => f[0] === 2 && f.toString().includes("FORBIDDEN: your role in this session is now viewer")), {
        label: "the Yjs socket is told of the demotion",
      });
      ed.send(edit(1, "b", 1, "ed-2"));
      assert.equal((await ed.nextOf("error")).data.operation.code, "FORBIDDEN");
      assert.ok(ed.isOpen);
      // Promoted again: told, and the same socket edits.
      await grant(session, "ed", "editor");
      assert.equal((await ed.nextOf("sync", "role_changed")).data.operation.role, "editor");
      ed.send(edit(1, "b", 1, "ed-3"));
      assert.equal((await ed.nextOf("sync", "ack")).data.operation.version, 2);
      // Removed: the socket is closed with its own code and reason.
      assert.equal((await api(users.olga, "DELETE", `/sessions/${session}/participants/ed`)).status, 204);
      await waitFor(() => ed.closed, { label: "the removed user's socket closes" });
      assert.deepEqual(ed.closed, { code: 4002, reason: "removed from the session" });
      assert.equal((await documentOf(users.olga, session)).content, "ab");
    } finally {
      await ed.close();
      yjs.terminate();
    }
  });

  test("presence, edits, comments and history reach the sockets and follow the socket's roles", async () => {
    const session = await newSession();
    await grant(session, "ed", "editor");
    await grant(session, "vi", "viewer");
    await grant(session, "gus", "guest");
    const watcher = await Peer.connect(server.wsBase, session, users.vi, { user: "vi" });
    try {
      // Edits: editors only; a resend applies once; the socket hears it.
      const r = await insert(users.ed, session, 0, "h q[0];\n", 0, "ed-1");
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.deepEqual([r.json.revision, r.json.duplicate], [1, false]);
      assert.deepEqual((await insert(users.ed, session, 0, "h q[0];\n", 0, "ed-1")).json, { revision: 1, duplicate: true });
      await watcher.waitFor(() => watcher.text === "h q[0];\n", { label: "the REST edit reaches the socket" });
      refused(await insert(users.vi, session, 0, "x", 1, "vi-1"), 403, "FORBIDDEN");
      refused(await insert(users.ed, session, 99, "x", 1, "ed-2"), 400, "OUT_OF_RANGE");
      refused(await api(users.ed, "POST", `/sessions/${session}/edits`, { operation: { type: "insert" }, version: 1, operation_id: "e" }), 400, "INVALID_MESSAGE", "operation");
      refused(await insert(users.ed, "no-such-session", 0, "x", 0, "ed-3"), 404, "NOT_FOUND");

      // Presence: anyone with a role; relayed to the sockets, clamped into the text.
      const presence = `/sessions/${session}/presence`;
      const p = await api(users.gus, "PUT", presence, { cursor: { line: 0, column: 99 } });
      assert.equal(p.status, 200, JSON.stringify(p.json));
      assert.deepEqual(p.json.cursor, { line: 0, column: 7 });
      await watcher.waitFor(
        () => watcher.frames((m) => m.type === "presence" && m.data.metadata?.connection_id === "rest:gus").length > 0,
        { label: "REST presence relayed" },
      );
      refused(await api(users.mallory, "PUT", presence, { cursor: { line: 0, column: 0 } }), 403, "FORBIDDEN");
      refused(await api(users.gus, "PUT", presence, {}), 400, "INVALID_MESSAGE", "cursor");
      refused(await api(users.gus, "PUT", "/sessions/no-such-session/presence", { cursor: { line: 0, column: 0 } }), 404, "NOT_FOUND");

      // Comments: viewers and up; the thread reaches the sockets.
      const comments = `/sessions/${session}/comments`;
      const c = await api(users.vi, "POST", comments, { line: 0, text: "why h?", operation_id: "c-1" });
      assert.equal(c.status, 201, JSON.stringify(c.json));
      assert.deepEqual([c.json.line, c.json.author, c.json.text], [0, "vi", "why h?"]);
      await watcher.waitFor(
        () => watcher.frames((m) => m.data?.operation?.type === "comment_thread" && m.data.operation.thread.comment_id === c.json.comment_id).length > 0,
        { label: "the REST comment reaches the socket" },
      );
      refused(await api(users.gus, "POST", comments, { line: 0, text: "hi" }), 403, "FORBIDDEN");
      refused(await api(users.vi, "POST", comments, { line: 0, text: "" }), 400, "INVALID_MESSAGE");
      refused(await api(users.vi, "POST", comments, { line: "0", text: "x" }), 400, "INVALID_MESSAGE", "line");
      refused(await api(users.vi, "POST", "/sessions/no-such-session/comments", { line: 0, text: "x" }), 404, "NOT_FOUND");

      // History: a page at a time by revision range, for any role.
      for (let i = 0; i < 6; i++) {
        assert.equal((await insert(users.ed, session, 0, `${i}`, 1 + i, `ed-h${i}`)).status, 200);
      }
      const seen = [];
      let path = `/sessions/${session}/history?from=2&to=6&limit=2`;
      for (;;) {
        const page = await api(users.gus, "GET", path);
        assert.equal(page.status, 200, JSON.stringify(page.json));
        assert.ok(page.json.edits.length <= 2);
        for (const e of page.json.edits) {
          assert.deepEqual([e.user_id, e.kind.type, e.operation.type], ["ed", "edit", "insert"]);
          assert.ok(e.timestamp > 0);
          seen.push(e.revision);
        }
        if (!page.json.next_cursor) break;
        path = `/sessions/${session}/history?cursor=${page.json.next_cursor}&limit=2`;
      }
      assert.deepEqual(seen, [2, 3, 4, 5, 6]);
      refused(await api(users.mallory, "GET", `/sessions/${session}/history`), 403, "FORBIDDEN");
      refused(await api(users.gus, "GET", `/sessions/${session}/history?from=x`), 400, "INVALID_MESSAGE", "from");
      refused(await api(users.gus, "GET", "/sessions/no-such-session/history"), 404, "NOT_FOUND");
    } finally {
      await watcher.close();
      watcher.free();
    }
  });

  test("checkpoint, branch, edits on both sides over WebSocket and REST, merge; it all survives a restart", async () => {
    const main = await newSession("Bell");
    await grant(main, "ed", "editor");
    await grant(main, "vi", "viewer");
    const olga = await Peer.connect(server.wsBase, main, users.olga, { user: "olga" });
    let pia = null;
    try {
      olga.insert(0, "OPENQASM 2.0;\nqreg q[2];\nh q[0];\n");
      await olga.waitSettled(1);

      const checkpoints = `/sessions/${main}/checkpoints`;
      const cp = await api(users.ed, "POST", checkpoints, { name: "v1" });
      assert.equal(cp.status, 201, JSON.stringify(cp.json));
      assert.equal(cp.json.revision, 1);
      refused(await api(users.vi, "POST", checkpoints, { name: "v2" }), 403, "FORBIDDEN");
      refused(await api(users.ed, "POST", checkpoints, { name: "v1" }), 409, "CONFLICT", "name");
      refused(await api(users.ed, "POST", checkpoints, { name: "" }), 400, "INVALID_MESSAGE", "name");
      refused(await api(users.ed, "POST", "/sessions/no-such-session/checkpoints", { name: "x" }), 404, "NOT_FOUND");
      assert.deepEqual((await api(users.vi, "GET", checkpoints)).json.checkpoints.map((c) => c.name), ["v1"]);

      // The main line moves on over the WebSocket.
      olga.insert(0, "// main line\n");
      await olga.waitSettled(2);

      // A branch from the checkpoint: a new session, owned by ed, forked at revision 1.
      const branches = `/sessions/${main}/branches`;
      refused(await api(users.vi, "POST", branches, { checkpoint: "v1" }), 403, "FORBIDDEN");
      refused(await api(users.ed, "POST", branches, { checkpoint: "v9" }), 404, "NOT_FOUND", "checkpoint");
      refused(await api(users.ed, "POST", branches, { revision: 1, checkpoint: "v1" }), 400, "INVALID_MESSAGE", "checkpoint");
      const b = await api(users.ed, "POST", branches, { checkpoint: "v1", title: "try a cx" });
      assert.equal(b.status, 201, JSON.stringify(b.json));
      const branch = b.json.session_id;
      assert.deepEqual(b.json.parent, { session_id: main, revision: 1 });
      assert.equal((await documentOf(users.ed, branch)).content, "OPENQASM 2.0;\nqreg q[2];\nh q[0];\n");

      // Both sides edit: the branch over REST and over a WebSocket, the main line over both too.
      await api(users.ed, "POST", `/sessions/${branch}/participants`, { user_id: "pia", role: "editor" });
      pia = await Peer.connect(server.wsBase, branch, users.pia, { user: "pia" });
      assert.equal(pia.revision, 1, "the branch continues the parent's revisions");
      const onBranch = await insert(users.ed, branch, 33, "cx q[0],q[1];\n", 1, "ed-b1");
      assert.equal(onBranch.json.revision, 2);
      await pia.waitFor(() => pia.revision === 2);
      pia.insert(pia.text.length, "measure q[1];\n");
      await pia.waitSettled(3);
      olga.insert(olga.text.length, "barrier q;\n");
      await olga.waitSettled(3);
      assert.equal((await insert(users.ed, main, 12, " // Bell", 3, "ed-m1")).json.revision, 4);
      await olga.waitFor(() => olga.revision === 4);

      // Merge: the branch's edits become parent revisions under their authors; sockets hear them.
      refused(await api(users.olga, "POST", `/sessions/${main}/merge`), 409, "CONFLICT");
      refused(await api(users.pia, "POST", `/sessions/${branch}/merge`), 403, "FORBIDDEN");
      refused(await api(users.ed, "POST", `/sessions/${branch}/merge`, { force: true }), 400, "INVALID_MESSAGE", "force");
      refused(await api(users.ed, "POST", "/sessions/no-such-session/merge"), 404, "NOT_FOUND");
      const merged = await api(users.ed, "POST", `/sessions/${branch}/merge`);
      assert.equal(merged.status, 200, JSON.stringify(merged.json));
      assert.deepEqual(merged.json, { parent_id: main, merged: 2, first_revision: 5, revision: 6 });
      const expected = "// main line // Bell\nOPENQASM 2.0;\nqreg q[2];\nh q[0];\nbarrier q;\ncx q[0],q[1];\nmeasure q[1];\n";
      await olga.waitFor(() => olga.revision === 6, { label: "olga hears the merged edits" });
      assert.equal(olga.text, expected);
      assert.deepEqual(olga.errors, []);
      refused(await api(users.ed, "POST", `/sessions/${branch}/merge`), 409, "CONFLICT");

      const history = await api(users.vi, "GET", `/sessions/${main}/history?from=5`);
      assert.deepEqual(
        history.json.edits.map((e) => [e.revision, e.user_id, e.kind.type, e.kind.of]),
        [[5, "ed", "merged", 2], [6, "pia", "merged", 3]],
      );
      assert.equal((await documentOf(users.vi, main, "?revision=2")).content, "// main line\nOPENQASM 2.0;\nqreg q[2];\nh q[0];\n");
      refused(await api(users.vi, "GET", `/sessions/${main}/document?revision=99`), 400, "INVALID_REVISION", "revision");

      // Everything above is durable: restart wrangler and read it back.
      await Promise.all([olga.close(), pia.close()]);
      await server.restart();
      olga.wsBase = server.wsBase;
      await olga.open();
      assert.equal(olga.text, expected);
      assert.equal(olga.revision, 6);
      const again = await api(users.vi, "GET", `/sessions/${main}`);
      assert.deepEqual([again.json.revision, again.json.title], [6, "Bell"]);
      assert.equal((await documentOf(users.vi, main, "?checkpoint=v1")).content, "OPENQASM 2.0;\nqreg q[2];\nh q[0];\n");
      assert.equal((await documentOf(users.vi, main, "?revision=4")).content, "// main line // Bell\nOPENQASM 2.0;\nqreg q[2];\nh q[0];\nbarrier q;\n");
      const all = await api(users.vi, "GET", `/sessions/${main}/history`);
      assert.deepEqual(all.json.edits.map((e) => e.revision), [1, 2, 3, 4, 5, 6]);
      const branchView = await api(users.ed, "GET", `/sessions/${branch}`);
      assert.equal(branchView.json.merged.revision, 6);
      assert.deepEqual(branchView.json.parent, { session_id: main, revision: 1 });
      assert.ok((await api(users.ed, "GET", "/sessions")).json.sessions.some((s) => s.session_id === branch));
    } finally {
      await olga.close();
      olga.free();
      if (pia) {
        await pia.close();
        pia.free();
      }
    }
  });
});
