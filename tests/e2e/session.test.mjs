// End-to-end tests against one shared `wrangler dev --local`: every test uses its own session id,
// which is all the isolation the Session Durable Objects need.
//
//   npm run test:e2e            # builds the Worker and the SDK, then `node --test tests/e2e/`
//   npm run test:e2e:prebuilt   # the tests only (after `bash scripts/build-worker.sh && bash scripts/build-sdk.sh`)
//
// Knobs: E2E_SEED=<n> replays a convergence run (its seed is printed), E2E_OPS=<n> edits per peer (250),
// E2E_CRASH_EDITS=<n> acked edits before the crash (230), E2E_WRANGLER_LOG=1 prints wrangler's output.
import { randomBytes } from "node:crypto";
import { after, before } from "node:test";

import { startWrangler } from "./harness.mjs";
import { authSuite } from "./suites/auth.mjs";
import { circuitsSuite } from "./suites/circuits.mjs";
import { convergenceSuite } from "./suites/convergence.mjs";
import { httpSuite } from "./suites/http.mjs";
import { presenceSuite } from "./suites/presence.mjs";
import { protocolSuite } from "./suites/protocol.mjs";
import { reconnectSuite } from "./suites/reconnect.mjs";
import { rolesSuite } from "./suites/roles.mjs";
import { undoSuite } from "./suites/undo.mjs";

/** Shared by the suites: the JWT secret and the running server (set in `before`). */
const ctx = { secret: randomBytes(24).toString("hex"), server: null };

before(async () => {
  ctx.server = await startWrangler({ secret: ctx.secret, label: "wrangler (shared)" });
});

after(async () => {
  if (!ctx.server) return;
  if (process.env.E2E_WRANGLER_LOG) console.log(ctx.server.log);
  await ctx.server.dispose();
});

httpSuite(ctx);
circuitsSuite(ctx);
authSuite(ctx);
rolesSuite(ctx);
protocolSuite(ctx);
presenceSuite(ctx);
reconnectSuite(ctx);
undoSuite(ctx);
convergenceSuite(ctx);
