// Mints HS256 tokens for local use and tests (Node's crypto; no dependency).
//   node scripts/jwt.mjs <user> [role=editor] [session=*] [ttl_seconds=86400]
// reads JWT_SECRET from the environment or from .dev.vars (which scripts/dev.sh creates).
import { createHmac } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Signs `claims` (sub, roles, …) with `secret`; `exp` defaults to one hour from now. */
export function mintToken(secret, claims, { header = { alg: "HS256", typ: "JWT" } } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const body = { iat: now, exp: now + 3600, ...claims };
  const encode = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const head = `${encode(header)}.${encode(body)}`;
  return `${head}.${createHmac("sha256", secret).update(head).digest("base64url")}`;
}

function devSecret() {
  if (process.env.JWT_SECRET) return process.env.JWT_SECRET;
  const file = new URL("../.dev.vars", import.meta.url);
  const line = existsSync(file) && readFileSync(file, "utf8").split("\n").find((l) => l.startsWith("JWT_SECRET="));
  if (!line) throw new Error("no JWT_SECRET in the environment or .dev.vars (run scripts/dev.sh once)");
  return line.slice("JWT_SECRET=".length).trim();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [user, role = "editor", session = "*", ttl = "86400"] = process.argv.slice(2);
  if (!user) {
    console.error("usage: node scripts/jwt.mjs <user> [owner|editor|viewer|guest] [session id or *] [ttl seconds]");
    process.exit(2);
  }
  const exp = Math.floor(Date.now() / 1000) + Number(ttl);
  console.log(mintToken(devSecret(), { sub: user, name: user, roles: { [session]: role }, exp }));
}
