#!/usr/bin/env node
// The hardening scenarios (issue 6) on Node, Deno and Bun: for each runtime and scenario, a server
// process and a client process of that runtime (src/main.ts serve / drive), over 127.0.0.1 with
// port 0. The drivers measure; this file judges the figures against the bounds below and writes
// results.json. Exit 1 if any check fails. With --report it also regenerates
// ../docs/reliability.md (report.mjs), which `npm run report` does from the last results.json.
//
//   node hardening/run.mjs [--runtimes node,deno,bun] [--scenarios mixed,edges,shutdown] [--report]
//
// Every wait is bounded: a server that does not print its address, a driver that hangs, or a
// server that does not exit after its shutdown is stopped (its own process group, by pid) and its
// checks fail. Only processes started here are signalled.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { startGroup, stopGroup } from "../scripts/process-group.mjs";
import { renderReport, writeReport } from "./report.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
const entry = join(here, "src", "main.ts");

export const RUNTIMES = ["node", "deno", "bun"];
export const SCENARIOS = ["mixed", "edges", "shutdown"];

/** One process per runtime: no npx wrapper, so the pid we hold is the runtime's. */
const COMMANDS = {
  node: [process.execPath, "--import", "tsx", "--conditions=source", entry],
  deno: [bin("deno"), "run", "--conditions=source", "--allow-net=127.0.0.1", `--allow-read=${root}`, entry],
  bun: [bin("bun"), entry],
};

/** Each process holds about 1,000 sockets: the soft fd limit is raised to this (or the hard limit) for it. */
const FD_TARGET = 8192;
const FD_REQUIRED = 2048;
/** Raises the soft fd limit of the process it execs, as far as the hard limit allows. */
const WITH_FD_LIMIT = [
  "/bin/sh",
  "-c",
  `h=$(ulimit -Hn); if [ "$h" = unlimited ] || [ "$h" -gt ${FD_TARGET} ]; then h=${FD_TARGET}; fi; ` +
    `s=$(ulimit -Sn); if [ "$s" != unlimited ] && [ "$s" -lt "$h" ]; then ulimit -Sn "$h" 2>/dev/null; fi; exec "$@"`,
  "sh",
];

const SERVER_START_MS = 30_000;
const DRIVER_MS = 170_000;
const SERVER_EXIT_MS = 20_000;
const STOP_MS = 5_000;

// ---------------------------------------------------------------------------------------------
// Bounds: what "green" means. They are printed in docs/reliability.md.

export const BOUNDS = {
  /**
   * Scenario 1: server RSS growth (peak during the load minus the baseline after warm-up), per
   * runtime. What it must catch: a server that buffers what its 20 non-readers send (up to 32 MiB
   * each, 640 MiB in all) instead of pausing. Bun's figure is mostly its allocator's and collector's:
   * eight runs on 2026-11-27 grew 202-300 MiB (median 244; one run failed the 300 this bound used
   * to be for every runtime), against 170 with MIMALLOC_PURGE_DELAY=0, and with Bun.gc() every 25
   * ms the ArrayBuffers alive at the peak were 113-117 MiB. Node grew 127-137 MiB, Deno 214-219.
   */
  mixedGrowthMiB: { node: 300, deno: 300, bun: 400 },
  /**
   * Scenario 1: a drip peer is cut within this of its first octet. headerTimeoutMs is 500; the rest
   * is both processes' event-loop lag with 1,000 connections busy (3.5 s seen on 2 cores with two
   * other CPU-bound processes). The TIMEOUT code is what proves the deadline works: without it the
   * drip would complete its frame (5.5 s) and get an answer.
   */
  dripCutMs: 10_000,
  /** Scenario 1: error frames for garbage and oversized prefixes arrive within this (same load as above). */
  errorFrameMs: 10_000,
  /** Scenario 2: server RSS growth while it writes 64 MiB to a peer that does not read. */
  floodGrowthMiB: 32,
  /** Scenario 2: the flood's connection is dropped within this of the request (writeStallTimeoutMs 1000 + the kernel buffers filling). */
  floodDropMs: 6_000,
  /**
   * Scenario 2: server RSS growth for one non-reader sending 1 MiB requests: the incoming queue is
   * bounded in octets (maxQueuedBytes, 16 MiB by default), not only in frames (256 x 1 MiB).
   */
  bigNonreaderGrowthMiB: 64,
  /** Scenario 2: MiB the flood may hand to the connection before it stops accepting (the rest must wait). */
  floodAcceptedMiB: 16,
  /** Scenario 2: an idle peer is closed between idleTimeoutMs / 2 and idleTimeoutMs + this. */
  idleSlackMs: 3_000,
  /** Scenario 3: server.close() returns within shutdownTimeoutMs. */
  shutdownMs: 10_000,
};

/**
 * KNOWN BUG (packages/connection/src/connection.ts, #refuse): a frame decoded after the server's
 * connection began its graceful close (its FIN is out) is counted in `refusedFrames`, but send()
 * refuses the SHUTTING_DOWN error frame while closing, so the peer never gets it: it sees the
 * request rejected by the connection closing. Test-only workaround while this is true: scenario 3
 * accepts `server refusedFrames - client refusals` as long as each such frame is accounted for by
 * a client request rejected by the close, and reports the gap. Set to false once fixed: the
 * invariant answered + refused == fully received is then checked strictly.
 */
export const KNOWN_BUG_REFUSED_AFTER_FIN = false;

/**
 * KNOWN BUG (packages/connection/src/connection.ts, #checkDeadlines): the write-stall deadline only
 * fires while more than writeHighWaterMark octets are queued. A handler blocked in send() on a
 * write that never completes, with earlier writes done and at most writeHighWaterMark octets left
 * queued, is never dropped (nor idle-closed: octets are queued). Seen on Deno, 1 or 2 of the 20
 * non-readers of scenario 1 per run. Test-only workaround while this is true: a non-reader still
 * open at the bound counts if the server's handler for it is blocked in send(), and the number is
 * reported. Set to false once fixed: every non-reader must then be dropped by the server.
 */
export const KNOWN_BUG_STALL_UNDER_HIGH_WATER = false;

/**
 * KNOWN BUG (packages/connection/src/connection.ts, #checkDeadlines / #onData): the header and idle
 * deadlines keep running while the connection itself has paused reading (maxQueuedFrames reached
 * behind a slow handler). A client pipelining requests to a slow handler is then cut with a TIMEOUT
 * error frame (part of a header was read before the pause) or closed as idle, though it did nothing
 * wrong. Test-only workaround while this is true: scenario 2's slow-handler figure passes if every
 * request was answered OR the connection was cut that way, and the figure is reported. Set to false
 * once fixed: every request must then be answered.
 */
export const KNOWN_BUG_DEADLINES_WHILE_PAUSED = false;

/**
 * KNOWN BUG (packages/connection/src/connection.ts, #onEnd): after the peer's FIN no reply can
 * come, but request() promises in flight stay pending until the application closes or destroys the
 * connection (and a client that only uses request() never notices the FIN: its socket stays in
 * CLOSE_WAIT). Test-only workaround while this is true: scenario 2's hang-up figure passes if the
 * requests are rejected once the client destroys the connection, and reports how many were still
 * pending 1 s after the FIN. Set to false once fixed: none may be pending after the FIN.
 */
export const KNOWN_BUG_PENDING_AFTER_FIN = false;

// ---------------------------------------------------------------------------------------------
// Processes

/** Starts a runtime's process (see startGroup) under the file descriptor limit. */
function start(runtime, args, onLine) {
  return startGroup([...WITH_FD_LIMIT, ...COMMANDS[runtime], ...args], { cwd: root, onLine });
}

function within(promise, ms, fallback) {
  let timer;
  return Promise.race([promise, new Promise((resolve) => (timer = setTimeout(() => resolve(fallback), ms)))]).finally(() => clearTimeout(timer));
}

/** Stops a process we started: SIGTERM to its group, SIGKILL after STOP_MS. */
function stop(proc) {
  return stopGroup(proc, STOP_MS);
}

function parseJson(line) {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}

/** Runs one scenario on one runtime: its server, then its driver; both outputs. */
async function runScenario(runtime, scenario) {
  const started = performance.now();
  const problems = [];
  let announce;
  const listening = new Promise((resolve) => (announce = resolve));
  const server = start(runtime, ["serve", scenario], (line) => {
    const message = parseJson(line);
    if (message?.listening) announce(message.listening);
  });
  const url = await within(Promise.race([listening, server.exit.then(() => null)]), SERVER_START_MS, null);
  let drive = null;
  let driverMs = null;
  if (url === null) {
    problems.push(`server did not print its address within ${SERVER_START_MS / 1000} s`);
  } else {
    const driverStarted = performance.now();
    const driver = start(runtime, ["drive", scenario, url]);
    const exited = await within(driver.exit, DRIVER_MS, null);
    driverMs = Math.round(performance.now() - driverStarted);
    if (exited === null) {
      problems.push(`driver did not finish within ${DRIVER_MS / 1000} s`);
      await stop(driver);
    }
    drive = driver.lines.map(parseJson).findLast((message) => message !== null) ?? null;
    if (drive === null) problems.push(`driver printed no result (exit ${JSON.stringify(driver.exited)}); stderr: ${driver.stderr.slice(-1500)}`);
    else if (drive.error) problems.push(`driver failed: ${drive.error}\n${drive.stack ?? ""}\nstderr: ${driver.stderr.slice(-1500)}`);
  }
  const serverExit = await within(server.exit, SERVER_EXIT_MS, null);
  if (serverExit === null) {
    problems.push(`server did not exit within ${SERVER_EXIT_MS / 1000} s of the driver's end`);
    await stop(server);
  } else if (serverExit.code !== 0) {
    problems.push(`server exited with ${JSON.stringify(serverExit)}; stderr: ${server.stderr.slice(-1500)}`);
  }
  const final = server.lines.map(parseJson).findLast((message) => message?.final)?.final ?? null;
  if (final === null && url !== null) problems.push("server printed no final figures");
  return { runtime, scenario, ms: Math.round(performance.now() - started), driverMs, drive: drive?.result ?? null, server: final, problems };
}

// ---------------------------------------------------------------------------------------------
// Checks

function checker() {
  const checks = [];
  const check = (name, ok, value, bound = null) => {
    checks.push({ name, ok: Boolean(ok), value: typeof value === "object" ? JSON.stringify(value) : String(value), bound });
  };
  return { checks, check };
}

function judgeMixed(d, s, check) {
  const options = s.options;
  check("connections held at once by the server", d.connections.heldByServer >= d.connections.planned, d.connections.heldByServer, `>= ${d.connections.planned}`);
  check("no connection turned away", s.rejectedConnections === 0, s.rejectedConnections, "0");
  const g = d.good;
  check("good clients that got every reply, correct and in order", g.clientsOk === g.clients, `${g.clientsOk}/${g.clients}`, `${g.clients}/${g.clients}`);
  check("good replies lost, wrong or out of order", g.missing + g.wrong + g.outOfOrder === 0 && g.correct === g.expected, `${g.missing + g.wrong + g.outOfOrder} (of ${g.expected})`, "0");
  const h = d.hostile;
  for (const kind of ["garbage", "oversized"]) {
    const k = h[kind];
    check(`${kind}: answered with the SPEC error frame and closed`, k.cut === k.count && k.expectedCodes === k.count, `${k.expectedCodes}/${k.count} ${JSON.stringify(k.codes)}`, "all");
    check(`${kind}: error frame within`, k.maxCutMs <= BOUNDS.errorFrameMs, `${k.maxCutMs} ms`, `<= ${BOUNDS.errorFrameMs} ms`);
  }
  const drip = h.drip;
  check("drip: cut with a TIMEOUT error frame", drip.cut === drip.count && drip.codes.TIMEOUT === drip.count, `${drip.codes.TIMEOUT ?? 0}/${drip.count}`, "all");
  check(`drip: cut within (headerTimeoutMs ${options.headerTimeoutMs})`, drip.maxCutMs <= BOUNDS.dripCutMs && drip.minCutMs >= options.headerTimeoutMs - 50, `${drip.minCutMs}..${drip.maxCutMs} ms`, `${options.headerTimeoutMs}..${BOUNDS.dripCutMs} ms`);
  const n = d.nonreaders;
  if (KNOWN_BUG_STALL_UNDER_HIGH_WATER) {
    check(
      "non-readers: dropped by the server (write stall; KNOWN BUG tolerated: stuck in send() below the high-water mark)",
      n.droppedByServer + n.stuckInSend === n.count,
      `${n.droppedByServer} dropped, ${n.stuckInSend} stuck, within ${n.boundMs} ms`,
      `${n.count}`,
    );
  } else {
    check("non-readers: dropped by the server (write stall)", n.droppedByServer === n.count, `${n.droppedByServer} within ${n.boundMs} ms`, `${n.count}`);
  }
  check("resets mid-frame: each seen by the server as a frame cut off (no decode error)", (s.endings["cut mid-frame"] ?? 0) === h.reset.count, s.endings["cut mid-frame"] ?? 0, `${h.reset.count}`);
  check("every connection gone after the load (server survived)", d.drained.reached && d.drained.connectionsLeft === 0, `${d.drained.connectionsLeft} left after ${d.drained.ms} ms`, "0");
  const growthBound = BOUNDS.mixedGrowthMiB[s.runtime];
  check("server RSS growth under load", s.growthMiB < growthBound, `${s.growthMiB} MiB`, `< ${growthBound} MiB`);
  check("graceful shutdown afterwards", d.shutdownOk && s.closeMs !== null && s.closeMs < BOUNDS.shutdownMs, `${s.closeMs} ms`, `< ${BOUNDS.shutdownMs} ms`);
}

function judgeEdges(d, s, check) {
  const options = s.options;
  const a = d.halfClose.adapter;
  check("half-close (connect/request/close): every reply after our FIN", a.correct === a.requests && a.closedCleanly, `${a.correct}/${a.requests}${a.errors.length ? ` ${a.errors.join("; ")}` : ""}`, `${a.requests}/${a.requests}`);
  const r = d.halfClose.raw;
  check("half-close (raw socket, end()): every reply in order, then the server's FIN", r.correctInOrder === r.requests && r.replies === r.requests && r.serverClosed && r.decodeError === null, `${r.correctInOrder}/${r.requests}`, `${r.requests}/${r.requests}`);
  const t = d.truncated.truncated;
  check("half a frame then FIN: TRUNCATED error frame, closed", t.expectedCodes === t.count && t.cut === t.count, `${t.expectedCodes}/${t.count}`, "all");
  check("resets mid-frame: server counts each as cut off, not truncated, and answers others", d.reset.serverAnsweredAfter && (s.endings["cut mid-frame"] ?? 0) === d.reset.reset.count && (s.endings.TRUNCATED ?? 0) === t.count, `${s.endings["cut mid-frame"] ?? 0} cut, ${s.endings.TRUNCATED ?? 0} truncated`, `${d.reset.reset.count} cut, ${t.count} truncated`);
  const idle = d.idle.idle;
  // The lower bound is loose: the client starts its clock when its runtime reports the connection
  // open, which a busy event loop reports late (the server's clock started earlier).
  const idleMin = options.idleTimeoutMs / 2;
  check(`idle peers closed after idleTimeoutMs ${options.idleTimeoutMs}`, idle.cut === idle.count && idle.minCutMs >= idleMin && idle.maxCutMs <= options.idleTimeoutMs + BOUNDS.idleSlackMs, `${idle.cut}/${idle.count} in ${idle.minCutMs}..${idle.maxCutMs} ms`, `${idleMin}..${options.idleTimeoutMs + BOUNDS.idleSlackMs} ms`);
  const slow = d.slowHandler;
  if (KNOWN_BUG_DEADLINES_WHILE_PAUSED) {
    check(
      "300 requests pipelined to a slow handler: all answered (KNOWN BUG tolerated: cut by a deadline while the server paused reading)",
      slow.answered === slow.requests || slow.cutWith === "TIMEOUT" || slow.cutWith === "FIN",
      `${slow.answered}/${slow.requests}${slow.cutWith === null ? "" : `, cut: ${slow.cutWith}`}`,
      `${slow.requests}/${slow.requests}`,
    );
  } else {
    check("300 requests pipelined to a slow handler: all answered", slow.answered === slow.requests && slow.cutWith === null, `${slow.answered}/${slow.requests}${slow.cutWith === null ? "" : `, cut: ${slow.cutWith}`}`, `${slow.requests}/${slow.requests}`);
  }
  const hang = d.hangup;
  if (KNOWN_BUG_PENDING_AFTER_FIN) {
    check(
      "requests in flight when the server closes: rejected (KNOWN BUG tolerated: only once the client closes)",
      hang.finSeen && hang.rejected === hang.requests,
      `${hang.pendingAfterFin} of ${hang.requests} still pending 1 s after the FIN; ${hang.rejected} rejected after destroy()`,
      `${hang.requests} rejected`,
    );
  } else {
    check("requests in flight when the server closes: rejected at its FIN", hang.finSeen && hang.pendingAfterFin === 0 && hang.rejected === hang.requests, `${hang.pendingAfterFin} pending 1 s after the FIN`, "0 pending");
  }
  const f = d.flood;
  check("64 MiB to a peer that does not read: dropped (write stall)", f.dropped && f.server?.closedAfterMs !== null && f.server.closedAfterMs <= BOUNDS.floodDropMs, `after ${f.server?.closedAfterMs} ms`, `<= ${BOUNDS.floodDropMs} ms`);
  check("flood: octets accepted before the connection stopped taking more", f.server !== null && f.server.acceptedMiB <= BOUNDS.floodAcceptedMiB, `${f.server?.acceptedMiB} MiB`, `<= ${BOUNDS.floodAcceptedMiB} MiB`);
  check("flood: server RSS growth", f.growthMiB < BOUNDS.floodGrowthMiB, `${f.growthMiB} MiB`, `< ${BOUNDS.floodGrowthMiB} MiB`);
  check("flood: other clients unaffected (every reply correct)", f.good.clientsOk === f.good.clients && f.good.correct === f.good.expected, `${f.good.correct}/${f.good.expected}`, `${f.good.expected}/${f.good.expected}`);
  const big = d.bigNonreader;
  check("1 MiB requests, never reading: server RSS growth", big.growthMiB < BOUNDS.bigNonreaderGrowthMiB, `${big.growthMiB} MiB after ${big.sentMiB} MiB sent`, `< ${BOUNDS.bigNonreaderGrowthMiB} MiB`);
  if (KNOWN_BUG_STALL_UNDER_HIGH_WATER) {
    check("1 MiB requests, never reading: dropped by the server (KNOWN BUG tolerated: stuck in send())", big.droppedByServer || big.stuckInSend === 1, big.droppedByServer ? "dropped" : `stuck: ${big.stuckInSend}`, "dropped");
  } else {
    check("1 MiB requests, never reading: dropped by the server", big.droppedByServer, big.droppedByServer ? "dropped" : "not dropped", "dropped");
  }
  check("graceful shutdown afterwards", d.shutdownOk && s.closeMs !== null && s.closeMs < BOUNDS.shutdownMs, `${s.closeMs} ms`, `< ${BOUNDS.shutdownMs} ms`);
}

function judgeShutdown(d, s, check) {
  const received = s.handled + s.refusedFrames;
  const gap = s.refusedFrames - d.refused;
  check("requests attempted", d.attempted === 10_000, d.attempted, "10000");
  check("requests left hanging (no answer, refusal or close)", d.hanging === 0, d.hanging, "0");
  check("wrong answers or unexpected error frames", (d.counts.wrong ?? 0) === 0 && Object.keys(d.counts).every((k) => !k.startsWith("remote")), JSON.stringify(d.counts), "none");
  check("answered by the client == replies sent by the server", d.answered === s.repliesSent && s.replyFailures === 0 && s.repliesSent === s.handled, `${d.answered} / ${s.repliesSent}`, "equal");
  check("server.close() came mid-way (both answers and refusals)", d.answered > 0 && d.refused > 0, `${d.answered} answered, ${d.refused} refused`, "> 0 each");
  if (KNOWN_BUG_REFUSED_AFTER_FIN) {
    check(
      "answered + refused == fully received (KNOWN BUG tolerated: refusals counted after the server's FIN, never sent)",
      d.answered + d.refused + gap === received && gap >= 0 && gap <= d.closedUnanswered,
      `${d.answered} + ${d.refused} = ${d.answered + d.refused} vs ${received} received (gap ${gap}, closed-unanswered ${d.closedUnanswered})`,
      "gap <= closed-unanswered",
    );
  } else {
    check("answered + refused == fully received", d.answered + d.refused === received, `${d.answered} + ${d.refused} = ${d.answered + d.refused} vs ${received} received`, "equal");
  }
  check("every request accounted for", d.answered + d.refused + d.closedUnanswered + d.notSent === d.attempted, `${d.answered}+${d.refused}+${d.closedUnanswered}+${d.notSent}`, `${d.attempted}`);
  check("server.close() duration", s.closeMs !== null && s.closeMs < BOUNDS.shutdownMs, `${s.closeMs} ms`, `< ${BOUNDS.shutdownMs} ms`);
}

const JUDGES = { mixed: judgeMixed, edges: judgeEdges, shutdown: judgeShutdown };

function judge(run) {
  const { checks, check } = checker();
  for (const problem of run.problems) check("processes", false, problem);
  if (run.drive !== null && run.server !== null) {
    try {
      JUDGES[run.scenario](run.drive, run.server, check);
    } catch (error) {
      check("figures complete", false, `${error?.message ?? error}`);
    }
  } else if (run.problems.length === 0) {
    check("figures complete", false, "missing driver or server figures");
  }
  return checks;
}

// ---------------------------------------------------------------------------------------------
// Main

function parseArgs(argv) {
  const options = { runtimes: RUNTIMES, scenarios: SCENARIOS, report: false };
  const rest = argv.filter((arg) => arg !== "--report");
  options.report = rest.length !== argv.length;
  argv = rest;
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]?.replace(/^--/, "");
    const values = argv[i + 1]?.split(",").filter(Boolean);
    const allowed = name === "runtimes" ? RUNTIMES : SCENARIOS;
    if (!["runtimes", "scenarios"].includes(name) || !values?.length || values.some((value) => !allowed.includes(value))) {
      console.error("usage: node hardening/run.mjs [--runtimes node,deno,bun] [--scenarios mixed,edges,shutdown] [--report]");
      process.exit(2);
    }
    options[name] = values;
  }
  return options;
}

function version(command, args) {
  try {
    return execFileSync(command, args, { encoding: "utf8", timeout: 20_000, env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" } }).split("\n")[0].trim();
  } catch {
    return "unknown";
  }
}

function fdLimit() {
  try {
    return execFileSync(WITH_FD_LIMIT[0], [...WITH_FD_LIMIT.slice(1), "/bin/sh", "-c", "ulimit -Sn"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const limit = fdLimit();
  const machine = {
    cpus: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    platform: `${process.platform} ${process.arch}`,
    fdLimit: limit,
    node: process.version,
    deno: version(bin("deno"), ["--version"]),
    bun: version(bin("bun"), ["--version"]),
    commit: version("git", ["-C", root, "describe", "--always", "--dirty"]),
  };
  console.log(`hardening: ${options.runtimes.join(", ")} x ${options.scenarios.join(", ")}; fd soft limit for the peers: ${limit}`);
  if (limit !== "unlimited" && !(Number(limit) >= FD_REQUIRED)) {
    console.error(`hardening: each peer needs about ${FD_REQUIRED} file descriptors (1,000 sockets); raise the hard limit (ulimit -Hn) to at least ${FD_REQUIRED}`);
    process.exit(1);
  }
  const runs = [];
  for (const runtime of options.runtimes) {
    for (const scenario of options.scenarios) {
      const run = await runScenario(runtime, scenario);
      run.checks = judge(run);
      run.ok = run.checks.every((c) => c.ok);
      runs.push(run);
      const failed = run.checks.filter((c) => !c.ok);
      console.log(`${run.ok ? "ok  " : "FAIL"} ${runtime.padEnd(5)} ${scenario.padEnd(9)} ${(run.ms / 1000).toFixed(1).padStart(5)} s  ${run.checks.length - failed.length}/${run.checks.length} checks`);
      for (const c of failed) console.log(`       x ${c.name}: ${c.value}${c.bound === null ? "" : ` (bound ${c.bound})`}`);
    }
  }
  const results = {
    generated: new Date().toISOString(),
    durationMs: Math.round(performance.now() - started),
    ok: runs.every((run) => run.ok),
    machine,
    bounds: BOUNDS,
    knownBugRefusedAfterFin: KNOWN_BUG_REFUSED_AFTER_FIN,
    knownBugStallUnderHighWater: KNOWN_BUG_STALL_UNDER_HIGH_WATER,
    knownBugDeadlinesWhilePaused: KNOWN_BUG_DEADLINES_WHILE_PAUSED,
    knownBugPendingAfterFin: KNOWN_BUG_PENDING_AFTER_FIN,
    runs,
  };
  const file = join(here, "results.json");
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  if (options.report) {
    console.log(`wrote ${relative(process.cwd(), file)} and ${writeReport(results)}`);
  } else {
    // Rendered anyway, so that a report that no longer fits the results fails the test.
    renderReport(results);
    console.log(`wrote ${relative(process.cwd(), file)} (npm run report turns it into docs/reliability.md)`);
  }
  console.log(`hardening: ${results.ok ? "all green" : "FAILED"} in ${(results.durationMs / 1000).toFixed(1)} s`);
  process.exit(results.ok ? 0 : 1);
}

await main();
