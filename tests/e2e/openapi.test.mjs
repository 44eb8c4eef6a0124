// schemathesis against the OpenAPI document the Worker serves (/api/v1/openapi.json), under wrangler dev:
// property-based requests to every operation (as a gateway admin, so that every endpoint is reachable),
// and every answer checked: no 5xx, a documented status, a documented content type, a body that matches
// its schema. schemathesis is pinned in tests/schemathesis/requirements.txt; scripts/test.sh installs it
// (bash tests/schemathesis/make_venv.sh).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { mintToken, root, startWrangler } from "./harness.mjs";

const schemathesis = join(root, ".venv-schemathesis", "bin", "schemathesis");
const secret = randomBytes(24).toString("hex");
/** Cases per operation per phase: about 3,000 requests in all, a minute on 2 cores. */
const MAX_EXAMPLES = "20";
let server;

before(async () => {
  assert.ok(existsSync(schemathesis), `missing ${schemathesis}: run \`bash tests/schemathesis/make_venv.sh\``);
  server = await startWrangler({
    secret,
    label: "wrangler (openapi)",
    vars: {
      SYNQ_GATEWAY_ADMINS: "root",
      SYNQ_REQUESTS_PER_MINUTE: "1000000",
      SYNQ_MESSAGES_PER_MINUTE: "1000000",
      SYNQ_EDITS_PER_MINUTE: "1000000",
    },
  });
});

after(async () => {
  if (server) await server.dispose();
});

test("schemathesis: every operation answers as the served document says, and never with a 5xx", { timeout: 600_000 }, async () => {
  const token = mintToken(secret, { sub: "root", name: "root", roles: { "*": "owner" } });
  const args = [
    "run",
    `${server.base}/api/v1/openapi.json`,
    "--header", `Authorization: Bearer ${token}`,
    "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
    "--phases", "examples,coverage,fuzzing",
    "--max-examples", MAX_EXAMPLES,
    "--seed", "1",
    "--workers", "2",
    "--no-color",
    "--generation-database", "none",
  ];
  const child = spawn(schemathesis, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (b) => (output += b));
  child.stderr.on("data", (b) => (output += b));
  const code = await new Promise((resolve) => child.once("exit", resolve));
  assert.equal(code, 0, output);
  const summary = output.match(/(\d+) generated, (\d+) passed/);
  assert.ok(summary, output);
  assert.equal(summary[1], summary[2], output);
  assert.ok(Number(summary[1]) > 1000, `only ${summary[1]} cases ran:\n${output}`);
  assert.match(output, /Tested: 50/, output);
});
