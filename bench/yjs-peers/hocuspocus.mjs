// A bare Hocuspocus server (no extensions: documents in memory) on 127.0.0.1:$PORT, for the Yjs
// fan-out bench. Prints `ready on <port>` once it listens.
import { Server } from "@hocuspocus/server";

const port = Number(process.env.PORT);
const server = new Server({ port, address: "127.0.0.1", quiet: true });
await server.listen();
console.log(`ready on ${port}`);
