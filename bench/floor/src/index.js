// Platform floor for the fan-out bench (see ../wrangler.toml). Routes like the SynQ Worker:
//   GET /healthz                 -> 200 {"status":"ok"}
//   GET /sessions/{id}/ws        -> WebSocket to the Durable Object named {id} (any token is ignored)
//   GET /sessions/{id}/coalesced -> the same, but y-websocket updates (binary frames) are merged into
//                                   one update per event-loop turn before the broadcast: what
//                                   coalescing outgoing updates buys on this runtime (yjs-fanout)
import { DurableObject } from "cloudflare:workers";
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as Y from "yjs";

const SCHEMA = `CREATE TABLE IF NOT EXISTS messages (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  body TEXT NOT NULL
)`;

// The first message on every socket, shaped like SynQ's `full_sync` so clients wait the same way.
const HELLO = JSON.stringify({
  type: "sync",
  session_id: "",
  user_id: "",
  timestamp: 0,
  data: { operation: { type: "full_sync", content: "", version: 0 }, metadata: {} },
  version: 0,
});

/** The document update of a y-websocket sync/update frame, or null for any other frame. */
function updateOf(frame) {
  if (!(frame instanceof ArrayBuffer)) return null;
  const decoder = decoding.createDecoder(new Uint8Array(frame));
  if (decoding.readVarUint(decoder) !== 0 || decoding.readVarUint(decoder) !== 2) return null;
  return decoding.readVarUint8Array(decoder);
}

function updateFrame(update) {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 0);
  encoding.writeVarUint(encoder, 2);
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

export class Floor extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec(SCHEMA);
    /** Updates waiting for the next flush (coalescing sockets only). */
    this.pending = [];
    this.flushing = null;
  }

  async fetch(request) {
    if ((request.headers.get("Upgrade") ?? "").toLowerCase() !== "websocket") {
      return new Response("expected a WebSocket upgrade", { status: 426 });
    }
    const [client, server] = Object.values(new WebSocketPair());
    // Hibernation API: the runtime owns the socket and calls webSocketMessage below.
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ coalesce: new URL(request.url).pathname.endsWith("/coalesced") });
    server.send(HELLO);
    return new Response(null, { status: 101, webSocket: client });
  }

  webSocketMessage(ws, message) {
    this.ctx.storage.sql.exec("INSERT INTO messages (body) VALUES (?)", message);
    const update = ws.deserializeAttachment()?.coalesce ? updateOf(message) : null;
    if (update === null) {
      this.broadcast(message);
      return;
    }
    this.pending.push(update);
    this.flushing ??= setTimeout(() => {
      const updates = this.pending;
      this.pending = [];
      this.flushing = null;
      this.broadcast(updateFrame(updates.length === 1 ? updates[0] : Y.mergeUpdates(updates)));
    }, 0);
  }

  broadcast(message) {
    for (const peer of this.ctx.getWebSockets()) {
      try {
        peer.send(message);
      } catch {
        // A closing peer must not stop the fan-out to the others.
      }
    }
  }

  webSocketClose(ws, code) {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "closing");
    } catch {
      // Already closed.
    }
  }
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname === "/healthz") {
      return Response.json({ status: "ok" });
    }
    const m = pathname.match(/^\/sessions\/([A-Za-z0-9._-]{1,128})\/(ws|coalesced)$/);
    if (m) {
      return env.FLOOR.get(env.FLOOR.idFromName(m[1])).fetch(request);
    }
    return Response.json({ error: { code: "NOT_FOUND", message: `no route for ${pathname}` } }, { status: 404 });
  },
};
