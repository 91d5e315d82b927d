#!/usr/bin/env node
// The cross-runtime interop matrix: every client runtime against every server runtime
// ({node, deno, bun, python} x {node, deno, bun, python}), over TCP and over Unix sockets, each
// cell running the three scenarios of interop/peer.ts and conformance/python/sockframe_net.py
// (request/reply, burst of 10,000 frames, 64 MiB streamed body). Prints one table per transport,
// the failures' details below it, writes interop/.results.json, and exits 1 on any red cell.
//
//   node interop/matrix.mjs [--transports tcp,unix] [--servers node,deno,bun,python] [--clients ...]
//
// Every wait is bounded: a server that does not print its address, a client that hangs, or a
// server that will not stop fails its cells instead of hanging the run.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { signalGroup, startGroup, stopGroup } from "../scripts/process-group.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
const peer = join(here, "peer.ts");

const RUNTIMES = ["node", "deno", "bun", "python"];
const TRANSPORTS = ["tcp", "unix"];
const SCENARIOS = ["request", "burst", "stream"];
/** A runtime's cold start (Deno compiles and caches the TypeScript on first run). */
const SERVER_START_MS = 30_000;
/** Each client bounds a scenario at 30 s itself; this is the matrix's own bound per output line. */
const LINE_TIMEOUT_MS = 40_000;
/** A whole cell (one client process, three scenarios). */
const CELL_TIMEOUT_MS = 120_000;
/** The whole run: cells not started by then fail as "not run", so that CI always gets an answer. */
const RUN_DEADLINE_MS = 12 * 60_000;
const SERVER_STOP_MS = 5_000;

/** The command line that runs the peer on a runtime; each is one process (no npx wrapper), so its pid is the peer's. */
const COMMANDS = {
  node: [process.execPath, "--import", "tsx", "--conditions=source", peer],
  deno: [bin("deno"), "run", "--conditions=source", "--allow-net", "--allow-read", "--allow-write", "--allow-env", peer],
  bun: [bin("bun"), peer],
  python: ["python3", join(root, "conformance", "python", "sockframe_net.py")],
};

function parseArgs(argv) {
  const options = { transports: TRANSPORTS, servers: RUNTIMES, clients: RUNTIMES };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]?.replace(/^--/, "");
    const values = argv[i + 1]?.split(",").filter(Boolean);
    const allowed = name === "transports" ? TRANSPORTS : RUNTIMES;
    if (!(name in options) || !values?.length || values.some((value) => !allowed.includes(value))) {
      console.error("usage: node interop/matrix.mjs [--transports tcp,unix] [--servers node,deno,bun,python] [--clients node,deno,bun,python]");
      process.exit(2);
    }
    options[name] = values;
  }
  return options;
}

const live = new Set();

/** Starts a peer (see startGroup); it stays in `live` until it exits. */
function start(runtime, args, onLine) {
  const proc = startGroup([...COMMANDS[runtime], ...args], { cwd: root, onLine });
  live.add(proc);
  void proc.exit.then(() => live.delete(proc));
  return proc;
}

/** Stops a peer we started: SIGTERM to its group, SIGKILL if it is still there after SERVER_STOP_MS. */
function stop(proc) {
  return stopGroup(proc, SERVER_STOP_MS);
}

function tail(text, lines = 8) {
  return text.trim().split("\n").slice(-lines).join("\n");
}

/** `message`, and the tail of a process's stderr below it if there is any. */
function withStderr(message, stderr) {
  const text = tail(stderr);
  return text === "" ? message : `${message}\n${text}`;
}

/** Starts a server and resolves with it and its address once it printed `listening on ADDR`. */
function startServer(runtime, address) {
  return new Promise((resolve) => {
    let timer;
    const proc = start(runtime, ["serve", address], (line) => {
      const match = /^listening on (\S+)$/.exec(line);
      if (match && proc.address === undefined) {
        proc.address = match[1];
        clearTimeout(timer);
        resolve({ proc, address: match[1] });
      }
    });
    timer = setTimeout(() => resolve({ proc, error: `no "listening on" line within ${SERVER_START_MS / 1000} s` }), SERVER_START_MS);
    proc.exit.then((exited) => {
      clearTimeout(timer);
      if (proc.address === undefined) resolve({ proc, error: `exited (${exited.code ?? exited.signal}) before listening` });
    });
  });
}

/** Runs every scenario from one client process; a scenario that reports nothing in time fails. */
async function runClient(runtime, address) {
  const results = [];
  let lineTimer;
  let killedBecause = null;
  const kill = (why) => {
    killedBecause ??= why;
    void stop(proc);
  };
  const arm = () => {
    clearTimeout(lineTimer);
    lineTimer = setTimeout(() => kill(`no result within ${LINE_TIMEOUT_MS / 1000} s: client killed`), LINE_TIMEOUT_MS);
  };
  const started = performance.now();
  const proc = start(runtime, ["client", address, "all"], (line) => {
    try {
      const result = JSON.parse(line);
      if (typeof result === "object" && result !== null && "ok" in result) {
        results.push(result);
        arm();
        return;
      }
    } catch {
      // not a result line
    }
    proc.stderr += `stdout: ${line}\n`;
  });
  arm();
  const cellTimer = setTimeout(() => kill(`cell over ${CELL_TIMEOUT_MS / 1000} s: client killed`), CELL_TIMEOUT_MS);
  const exited = await proc.exit;
  clearTimeout(lineTimer);
  clearTimeout(cellTimer);
  const wallMs = Math.round(performance.now() - started);
  let first = true;
  for (const scenario of SCENARIOS) {
    if (!results.some((result) => result.scenario === scenario)) {
      const why = first ? (killedBecause ?? `no result: client exited with ${exited.code ?? exited.signal}`) : "not run";
      results.push({ ok: false, scenario, detail: why, ms: null });
      first = false;
    }
  }
  const exitOk = exited.code === 0;
  const ok = exitOk && SCENARIOS.every((scenario) => results.find((result) => result.scenario === scenario)?.ok);
  return { ok, results, exit: exited, wallMs, stderr: ok ? "" : tail(proc.stderr) };
}

function tempDir() {
  // Under /tmp, not os.tmpdir(): Unix socket paths must stay under 107 octets.
  return mkdtempSync("/tmp/sf-interop-");
}

async function runColumn(transport, server, clients, dir) {
  const address = transport === "tcp" ? "127.0.0.1:0" : `unix:${join(dir, `${server}.sock`)}`;
  const cells = [];
  const { proc, address: bound, error } = await startServer(server, address);
  if (error !== undefined) {
    await stop(proc);
    const detail = withStderr(`server failed to start: ${error}`, proc.stderr);
    for (const client of clients) {
      cells.push({ transport, server, client, ok: false, serverProblem: detail, results: SCENARIOS.map((scenario) => ({ ok: false, scenario, detail: "server did not start", ms: null })) });
    }
    return cells;
  }
  for (const client of clients) {
    const cell = { transport, server, client, address: bound, ...(await runClient(client, bound)) };
    if (proc.exited !== null) {
      cell.ok = false;
      cell.serverProblem = withStderr(`server exited (${proc.exited.code ?? proc.exited.signal}) during the cell`, proc.stderr);
    }
    cells.push(cell);
    const summary = cell.ok ? "ok" : "FAIL";
    const times = cell.results.map((result) => `${result.scenario} ${result.ms ?? "-"}ms`).join(", ");
    console.log(`  ${transport.padEnd(4)} ${client.padEnd(6)} -> ${server.padEnd(6)} ${summary.padEnd(4)} (${times}; process ${cell.wallMs}ms)`);
    if (proc.exited !== null) break;
  }
  const diedEarly = proc.exited !== null;
  const stopped = await stop(proc);
  // A server must stop cleanly on SIGTERM: exit 0 (or die of the signal) within SERVER_STOP_MS.
  if (!diedEarly && (stopped.hung || (stopped.code !== 0 && stopped.signal !== "SIGTERM"))) {
    const detail = stopped.hung
      ? `server did not exit within ${SERVER_STOP_MS / 1000} s of SIGTERM (killed)`
      : withStderr(`server exited with ${stopped.code ?? stopped.signal} on SIGTERM`, proc.stderr);
    for (const cell of cells) {
      cell.ok = false;
      cell.serverProblem = detail;
    }
  }
  // A server that stopped mid-column fails the cells it never ran.
  for (const client of clients.slice(cells.length)) {
    cells.push({ transport, server, client, ok: false, serverProblem: "server gone before this client ran", results: [] });
  }
  return cells;
}

function cellText(cell) {
  const passed = cell.results.filter((result) => result.ok).length;
  if (cell.ok) return `ok ${passed}/${SCENARIOS.length}`;
  const failed = cell.results.filter((result) => !result.ok).map((result) => result.scenario);
  return `FAIL ${passed}/${SCENARIOS.length}${failed.length ? ` ${failed.join(",")}` : ""}`;
}

function printTable(transport, cells, servers, clients) {
  const width = 22;
  console.log(`\n${transport.toUpperCase()}: rows = client, columns = server`);
  console.log(["client \\ server".padEnd(16), ...servers.map((server) => server.padEnd(width))].join(""));
  for (const client of clients) {
    const row = [client.padEnd(16)];
    for (const server of servers) {
      const cell = cells.find((c) => c.transport === transport && c.client === client && c.server === server);
      row.push((cell ? cellText(cell) : "-").padEnd(width));
    }
    console.log(row.join("").trimEnd());
  }
}

function printFailures(cells) {
  const failed = cells.filter((cell) => !cell.ok);
  if (failed.length === 0) return;
  console.log(`\nFailures (${failed.length} cells):`);
  for (const cell of failed) {
    console.log(`\n- ${cell.transport} client ${cell.client} -> server ${cell.server}${cell.address ? ` (${cell.address})` : ""}`);
    for (const result of cell.results.filter((r) => !r.ok)) console.log(`    ${result.scenario}: ${result.detail}`);
    if (cell.exit && cell.exit.code !== 0) console.log(`    client exit: ${cell.exit.code ?? cell.exit.signal}`);
    if (cell.serverProblem) console.log(`    server: ${cell.serverProblem.replaceAll("\n", "\n      ")}`);
    if (cell.stderr) console.log(`    client stderr:\n      ${cell.stderr.replaceAll("\n", "\n      ")}`);
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const cells = [];
  const dirs = [];
  const cleanUp = () => {
    for (const proc of live) signalGroup(proc, "SIGKILL");
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  };
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => {
      cleanUp();
      process.exit(130);
    });
  }
  try {
    for (const transport of options.transports) {
      for (const server of options.servers) {
        if (Date.now() - started > RUN_DEADLINE_MS) {
          const detail = `not run: the matrix passed its ${RUN_DEADLINE_MS / 60_000} min deadline`;
          for (const client of options.clients) cells.push({ transport, server, client, ok: false, serverProblem: detail, results: [] });
          continue;
        }
        const dir = tempDir();
        dirs.push(dir);
        cells.push(...(await runColumn(transport, server, options.clients, dir)));
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    cleanUp();
  }
  const durationMs = Date.now() - started;
  for (const transport of options.transports) printTable(transport, cells, options.servers, options.clients);
  printFailures(cells);
  const ok = cells.length > 0 && cells.every((cell) => cell.ok);
  writeFileSync(
    join(here, ".results.json"),
    `${JSON.stringify({ ok, durationMs, finished: new Date().toISOString(), node: process.version, cells }, null, 2)}\n`,
  );
  const red = cells.filter((cell) => !cell.ok).length;
  console.log(
    ok
      ? `\ninterop: all ${cells.length} cells pass (${cells.length * SCENARIOS.length} scenarios) in ${(durationMs / 1000).toFixed(1)} s`
      : `\ninterop: FAILED, ${red} of ${cells.length} cells red, in ${(durationMs / 1000).toFixed(1)} s`,
  );
  process.exit(ok ? 0 : 1);
}

await main();
