// Mints HS256 tokens for local use and tests (Node's crypto; no dependency).
//   node scripts/jwt.mjs <user> [role=editor] [session=*] [ttl_seconds=86400]
// reads JWT_SECRET from the environment or from .dev.vars (which scripts/dev.sh creates).
import { createHmac } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const b64url = (value) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

/**
 * An HS256 JWT. `claims` are merged over `{iat: now, exp: now + 1 h}` (seconds); pass `exp: undefined`
 * explicitly to drop a claim. `alg: "none"` gives an unsigned token (`header.payload.`), for tests.
 */
export function mintToken(secret, claims, { alg = "HS256" } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const payload = { iat: now, exp: now + 3600, ...claims };
  for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
  const head = `${b64url({ alg, typ: "JWT" })}.${b64url(payload)}`;
  if (alg === "none") return `${head}.`;
  if (alg !== "HS256") throw new Error(`mintToken signs HS256 only, not ${alg}`);
  return `${head}.${createHmac("sha256", secret).update(head).digest("base64url")}`;
}

/** A token for `user` with `role` in `session` (or in every session with `session: "*"`). */
export const tokenFor = (secret, user, session, role = "editor", extra = {}) =>
  mintToken(secret, { sub: user, name: user, roles: { [session]: role }, ...extra });

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
  console.log(tokenFor(devSecret(), user, session, role, { exp }));
}
