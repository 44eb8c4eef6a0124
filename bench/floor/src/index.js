// Platform floor for the fan-out bench (see ../wrangler.toml). Routes like the SynQ Worker:
//   GET /healthz              -> 200 {"status":"ok"}
//   GET /sessions/{id}/ws     -> WebSocket to the Durable Object named {id} (any token is ignored)
import { DurableObject } from "cloudflare:workers";

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

export class Floor extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec(SCHEMA);
  }

  async fetch(request) {
    if ((request.headers.get("Upgrade") ?? "").toLowerCase() !== "websocket") {
      return new Response("expected a WebSocket upgrade", { status: 426 });
    }
    const [client, server] = Object.values(new WebSocketPair());
    // Hibernation API: the runtime owns the socket and calls webSocketMessage below.
    this.ctx.acceptWebSocket(server);
    server.send(HELLO);
    return new Response(null, { status: 101, webSocket: client });
  }

  webSocketMessage(ws, message) {
    this.ctx.storage.sql.exec("INSERT INTO messages (body) VALUES (?)", message);
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
    const m = pathname.match(/^\/sessions\/([A-Za-z0-9._-]{1,128})\/ws$/);
    if (m) {
      return env.FLOOR.get(env.FLOOR.idFromName(m[1])).fetch(request);
    }
    return Response.json({ error: { code: "NOT_FOUND", message: `no route for ${pathname}` } }, { status: 404 });
  },
};
