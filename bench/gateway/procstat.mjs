// CPU time of a `wrangler dev` process group, read from /proc (Linux only; elsewhere every reading is null):
// the JavaScript counterpart of bench/src/procstat.rs, for the gateway bench.
//
// Under wrangler 4.86 the group holds wrangler's Node process and two workerd processes. A request reaches
// the workerd listening on the server's port (wrangler's proxy Worker), which forwards it to the second
// workerd, where our Worker and its Durable Objects run. Node is not on the request path, but it is busy
// because of each request all the same, after the response: the proxy posts it a log line per request, and
// wrangler's devtools inspector (always on under `wrangler dev`) has the second workerd emit a Network event
// per subrequest (a Durable Object call, a D1 query, with its body), which the proxy relays and posts to
// Node as a debug log. So Node is read too, and reported apart.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** A system constant (`getconf NAME`), or Linux's usual value if getconf is missing. */
function getconf(name, usual) {
  try {
    const value = Number(execFileSync("getconf", [name], { encoding: "utf8" }).trim());
    return Number.isFinite(value) && value > 0 ? value : usual;
  } catch {
    return usual;
  }
}

const TICKS_PER_S = getconf("CLK_TCK", 100);

/**
 * The fields of `/proc/<pid>/stat` read here, or null: `pid (comm) state ppid pgrp …`. `comm` may hold
 * spaces and parentheses, so the fields after it are counted from the last `)`.
 */
function parseStat(stat) {
  const open = stat.indexOf("(");
  const close = stat.lastIndexOf(")");
  if (open < 0 || close < open) return null;
  // rest[0] is field 3 (state); field n is rest[n - 3].
  const rest = stat.slice(close + 1).trim().split(/\s+/);
  const field = (n) => (/^\d+$/.test(rest[n - 3] ?? "") ? Number(rest[n - 3]) : null);
  const [pgrp, utime, stime] = [field(5), field(14), field(15)];
  if (pgrp === null || utime === null || stime === null) return null;
  return { comm: stat.slice(open + 1, close), pgrp, utime, stime };
}

/** What a process of the group does for a request (see the head of this file); null for anything else. */
function role(comm, pid, port) {
  if (comm === "node") return "node";
  if (comm !== "workerd") return null;
  let args;
  try {
    args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
  } catch {
    return null; // exited since its stat was read
  }
  return args.includes(`--socket-addr=entry=127.0.0.1:${port} `) ? "proxy" : "worker";
}

/**
 * CPU seconds (user + system) so far of each process in group `pgid` that has a role, by pid:
 * `Map<pid, { role, cpu_s }>`; the workerd listening on `port` is the proxy. Null if /proc cannot be read.
 */
export function sampleGroup(pgid, port) {
  let pids;
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  const sample = new Map();
  for (const pid of pids) {
    let stat;
    try {
      stat = parseStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
    } catch {
      continue; // exited since the listing
    }
    if (!stat || stat.pgrp !== pgid) continue;
    const what = role(stat.comm, pid, port);
    if (what) sample.set(pid, { role: what, cpu_s: (stat.utime + stat.stime) / TICKS_PER_S });
  }
  return sample;
}

/**
 * CPU seconds by role between two samples (`{ proxy, worker, node }`), or null without both. A process
 * that started in between counts from zero; one that exited in between is lost (wrangler does not restart
 * workerd while a bench runs).
 */
export function cpuBetween(before, after) {
  if (!before || !after) return null;
  const spent = { proxy: 0, worker: 0, node: 0 };
  for (const [pid, { role: what, cpu_s }] of after) spent[what] += cpu_s - (before.get(pid)?.cpu_s ?? 0);
  return spent;
}
