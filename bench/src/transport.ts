// The transport figures: echo round trips and throughput per runtime against a raw socket echo of
// the same runtime (and ws on Node), cross-runtime pairs, and the peak memory of a 1 GiB streamed
// file transfer. Each runtime's figures are measured in that runtime: this module only starts the
// peers (transport/peer.ts) and collects what they print.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Address, transferFlags } from "@sockframe/connection";
import { median, pairedRatio, type Sample } from "./measure.ts";
import { buildReferenceEcho, referenceEcho } from "./reference-echo.ts";
import type { Addresses, ClientPlan, ClientResult, Contender } from "./transport/peer.ts";

export type Runtime = "node" | "deno" | "bun";
export const RUNTIMES: Runtime[] = ["node", "deno", "bun"];

const here = dirname(fileURLToPath(import.meta.url));
const benchDir = join(here, "..");
const root = join(benchDir, "..");
const peerSource = join(here, "transport", "peer.ts");
const cliMain = join(root, "packages", "cli", "src", "main.ts");
const nodeBundle = join(benchDir, ".build", "peer.mjs");
const bin = (name: string) => join(root, "node_modules", ".bin", name);

export interface TransportScale {
  runtimes: Runtime[];
  rounds: number;
  minMs: number;
  /** Each contender's unmeasured run before the rounds. */
  warmupMs: number;
  /** Unix sockets as well as TCP. */
  unix: boolean;
  /** Every client runtime against every server runtime. */
  cross: boolean;
  /** Size of the streamed body of the stream figures (0: none). */
  streamBytes: number;
  /** Size of the streamed file whose transfer's peak RSS is measured (0: none). */
  transferBytes: number;
}

export interface TransportGroup {
  title: string;
  unit: "msgs/s" | "MB/s";
  samples: Sample[];
  chart: boolean;
}

export interface TransferFigure {
  runtime: Runtime;
  /**
   * `cli`: the product's file transfer, `sockframe put` to `sockframe recv` (digest checked on
   * arrival). `library`: a minimal program on the library alone (transport/peer.ts).
   */
  program: "cli" | "library";
  bytes: number;
  seconds: number;
  mbPerSec: number;
  senderPeakRssMiB: number;
  receiverPeakRssMiB: number;
}

export interface TransportResults {
  groups: TransportGroup[];
  ratios: Record<string, number>;
  /** Ratios without a target, for the notes on the targets. */
  context: Record<string, number>;
  /** Per ratio: the smallest and largest of the per-round ratios (how noisy it was). */
  spread: Record<string, [number, number]>;
  transfers: TransferFigure[];
  wsBufferutil: boolean | null;
  /** Every round of every contender, as the peers reported them. */
  runs: Record<string, ClientResult>;
}

// ---------------------------------------------------------------------------------------------
// Processes

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

interface Peer {
  child: ChildProcess;
  lines: string[];
  stderr: string;
  exited: Promise<number | null>;
  waitFor(prefix: string, timeoutMs: number): Promise<string>;
  stop(): Promise<void>;
}

function command(runtime: Runtime, script: string): [string, string[]] {
  // The CLI as a user runs it on each runtime (packages/cli/README.md).
  if (script === cliMain) {
    if (runtime === "node") return [process.execPath, [join(root, "packages", "cli", "bin", "sockframe.js")]];
    return runtime === "deno" ? [bin("deno"), ["run", "--conditions=source", "-A", cliMain]] : [bin("bun"), [cliMain]];
  }
  switch (runtime) {
    case "node":
      if (script !== peerSource) throw new Error("Node runs the bundled transport peer only");
      // Node 20 gets ArrayBuffer.prototype.transfer (Node 21 and later have it), as sockframe's docs advise.
      return [process.execPath, [...transferFlags(), nodeBundle]];
    case "deno":
      return [bin("deno"), ["run", "--quiet", "--conditions=source", "--allow-net", "--allow-read", "--allow-write", "--allow-env", "--allow-sys", script]];
    case "bun":
      return [bin("bun"), [script]];
  }
}

/** Runs a bench script in Deno or Bun and resolves with what it printed after `result `. */
export async function runScript(runtime: "deno" | "bun", script: string, args: string[], timeoutMs: number): Promise<string> {
  const peer = startPeer(runtime, args, script);
  try {
    return await peer.waitFor("result ", timeoutMs);
  } finally {
    await peer.stop();
  }
}

function startPeer(runtime: Runtime, args: string[], script = peerSource): Peer {
  const [cmd, base] = command(runtime, script);
  const child = spawn(cmd, [...base, ...args], {
    cwd: benchDir,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
  });
  live.add(child);
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  let pending = "";
  child.stdout!.setEncoding("utf8").on("data", (text: string) => {
    pending += text;
    for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
      lines.push(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
    }
    for (const wake of waiters.splice(0)) wake();
  });
  const peer: Peer = {
    child,
    lines,
    stderr: "",
    exited: new Promise((resolve) => {
      child.on("exit", (code) => {
        live.delete(child);
        for (const wake of waiters.splice(0)) wake();
        resolve(code);
      });
      child.on("error", (error) => {
        peer.stderr += `spawn failed: ${error.message}\n`;
        live.delete(child);
        resolve(null);
      });
    }),
    async waitFor(prefix, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const line = lines.find((l) => l.startsWith(prefix));
        if (line !== undefined) return line.slice(prefix.length);
        if (!live.has(child)) throw new Error(`${runtime} peer ${args[0]} exited without "${prefix.trim()}":\n${peer.stderr.slice(-2000)}`);
        const left = deadline - Date.now();
        if (left <= 0) {
          await peer.stop();
          throw new Error(`${runtime} peer ${args[0]}: no "${prefix.trim()}" within ${timeoutMs} ms:\n${peer.stderr.slice(-2000)}`);
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 1000));
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    async stop() {
      if (!live.has(child)) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await peer.exited;
      clearTimeout(timer);
    },
  };
  child.stderr!.setEncoding("utf8").on("data", (text: string) => {
    peer.stderr = (peer.stderr + text).slice(-8000);
  });
  return peer;
}

/** Builds the Node peer as one plain ES module: tsx's loader alone would add ~45 MiB to the RSS figures. */
async function buildNodePeer(): Promise<void> {
  const { build } = await import("esbuild");
  await build({
    entryPoints: [peerSource],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    conditions: ["source"],
    external: ["ws", "bufferutil"],
    outfile: nodeBundle,
    logLevel: "error",
  });
}

// ---------------------------------------------------------------------------------------------
// Plans

const SMALL = 64;
const LARGE = 1024 * 1024;

type Transport = "tcp" | "unix";

interface Planned extends Contender {
  group: string;
  /** What it is within its group, for the tables: "sockframe", "raw", ... */
  label: string;
}

function samePlan(addresses: Addresses, transports: Transport[], scale: TransportScale, runtime: Runtime): Planned[] {
  const out: Planned[] = [];
  for (const t of transports) {
    const sf = addresses.sockframe[t]!;
    const raw = addresses.raw[t]!;
    const ws = addresses.ws?.[t];
    const add = (group: string, label: string, c: Omit<Contender, "name">) => out.push({ ...c, name: `${group} / ${label}`, group, label });
    for (const inFlight of [1, 64]) {
      const group = `${runtime}.${t}.small.${inFlight}`;
      add(group, "sockframe", { kind: "sockframe", target: sf, size: SMALL, inFlight });
      add(group, "raw", { kind: "raw", target: raw, size: SMALL, inFlight });
      if (inFlight > 1) add(group, "raw, batched writes", { kind: "raw-batched", target: raw, size: SMALL, inFlight });
      if (ws !== undefined) add(group, "ws (bufferutil)", { kind: "ws", target: ws, size: SMALL, inFlight });
    }
    const large = `${runtime}.${t}.large`;
    add(large, "sockframe", { kind: "sockframe", target: sf, size: LARGE, inFlight: 4 });
    add(large, "sockframe, bodies not released", { kind: "sockframe-kept", target: addresses.sockframeKept[t]!, size: LARGE, inFlight: 4 });
    add(large, "sockframe, streamed bodies", { kind: "sockframe-streamed-echo", target: addresses.sockframeStreamEcho[t]!, size: LARGE, inFlight: 4 });
    add(large, "raw", { kind: "raw", target: raw, size: LARGE, inFlight: 4 });
    add(large, "raw + hand-written length prefix (floor)", { kind: "raw-framed", target: addresses.rawFramed[t]!, size: LARGE, inFlight: 4 });
    if (ws !== undefined) add(large, "ws (bufferutil)", { kind: "ws", target: ws, size: LARGE, inFlight: 4 });
    if (scale.streamBytes > 0) {
      const stream = `${runtime}.${t}.stream`;
      add(stream, "sockframe (sendStream)", { kind: "sockframe-stream", target: addresses.sockframeStream[t]!, size: scale.streamBytes });
      add(stream, "raw", { kind: "raw-stream", target: addresses.rawSink[t]!, size: scale.streamBytes });
    }
  }
  return out;
}

function crossPlan(client: Runtime, servers: Partial<Record<Runtime, Addresses>>): Planned[] {
  const out: Planned[] = [];
  for (const [server, addresses] of Object.entries(servers) as Array<[Runtime, Addresses]>) {
    const add = (group: string, c: Omit<Contender, "name">) => out.push({ ...c, name: `${group} / ${client}->${server}`, group, label: `${client} client -> ${server} server` });
    add("cross.tcp.small.64", { kind: "sockframe", target: addresses.sockframe.tcp!, size: SMALL, inFlight: 64 });
    add("cross.tcp.large", { kind: "sockframe", target: addresses.sockframe.tcp!, size: LARGE, inFlight: 4 });
  }
  return out;
}

async function runClient(runtime: Runtime, planned: Planned[], scale: TransportScale): Promise<ClientResult> {
  const plan: ClientPlan = {
    contenders: planned.map(({ group: _g, label: _l, ...c }) => c),
    rounds: scale.rounds,
    minMs: scale.minMs,
    warmupMs: scale.warmupMs,
  };
  const peer = startPeer(runtime, ["client", JSON.stringify(plan)]);
  // Generous: a stream round may take seconds on a busy machine.
  const bound = 60_000 + planned.length * (scale.warmupMs + scale.rounds * (scale.minMs + 3000));
  try {
    return JSON.parse(await peer.waitFor("result ", bound)) as ClientResult;
  } finally {
    await peer.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Figures

const GROUP_TITLES: Record<string, string> = {
  "small.1": "echo, 64 B, 1 in flight",
  "small.64": "echo, 64 B, 64 in flight",
  large: "echo, 1 MiB, 4 in flight",
  stream: "one streamed body",
};

function groupTitle(group: string, scale: TransportScale): string {
  const [runtime, transport, ...rest] = group.split(".");
  const kind = rest.join(".");
  if (runtime === "cross") return `Cross-runtime, ${transport!.toUpperCase()}, ${GROUP_TITLES[kind]}`;
  const what = kind === "stream" ? `${GROUP_TITLES[kind]} of ${scale.streamBytes / 2 ** 20} MiB` : GROUP_TITLES[kind];
  return `${runtime === "node" ? "Node" : runtime === "deno" ? "Deno" : "Bun"}, ${transport === "tcp" ? "TCP" : "Unix"}, ${what}`;
}

function collect(planned: Planned[], result: ClientResult, scale: TransportScale, into: Map<string, TransportGroup>): void {
  for (const c of planned) {
    const figures = result[c.name];
    if (figures === undefined) continue;
    let group = into.get(c.group);
    if (group === undefined) {
      const charted = c.group.startsWith("cross") || /\.tcp\.(small\.64|large)$/.test(c.group);
      group = { title: groupTitle(c.group, scale), unit: c.group.includes("small") ? "msgs/s" : "MB/s", samples: [], chart: charted };
      into.set(c.group, group);
    }
    group.samples.push({ name: c.label, framesPerSec: median(figures.perSec), mbPerSec: median(figures.mbPerSec) });
  }
}


const REFERENCE_GROUP = "reference.tcp.large";
const REFERENCE_STORE = "C, store-and-forward";

/** The C reference echo in both modes, as a group of its own; left out (with a line) where nothing compiles it. */
async function measureReference(scale: TransportScale, groups: Map<string, TransportGroup>, log: (line: string) => void): Promise<void> {
  const unbuilt = buildReferenceEcho();
  if (unbuilt !== null) {
    log(`transport: no C reference echo (${unbuilt})`);
    return;
  }
  log("transport: C reference echo, 1 MiB, store-and-forward and cut-through");
  const samples: Sample[] = [];
  for (const [mode, name] of [["store", REFERENCE_STORE], ["cut", "C, cut-through"]] as const) {
    const rounds = await referenceEcho(mode, scale.rounds, scale.minMs, scale.warmupMs);
    const mbPerSec = median(rounds);
    samples.push({ name, framesPerSec: (mbPerSec * 1e6) / LARGE, mbPerSec });
  }
  groups.set(REFERENCE_GROUP, { title: "Machine reference: C over TCP, echo, 1 MiB, 4 in flight (system calls only)", unit: "MB/s", samples, chart: false });
}

// ---------------------------------------------------------------------------------------------
// The 1 GiB transfer

/** A process's peak resident set size in MiB (VmHWM of /proc/PID/status), NaN where there is none. */
function peakRssMiB(pid: number | undefined): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

async function transfer(runtime: Runtime, bytes: number, dir: string): Promise<TransferFigure> {
  const source = join(dir, "source.bin");
  const target = join(dir, "target.bin");
  // A sparse file: reading it costs no disk, and the figure is about our memory, not the disk's.
  const fd = openSync(source, "w");
  ftruncateSync(fd, bytes);
  closeSync(fd);
  const address: Address = { transport: "tcp", host: "127.0.0.1", port: 0 };
  const receiver = startPeer(runtime, ["recv-file", JSON.stringify({ address, out: target })]);
  try {
    const bound = JSON.parse(await receiver.waitFor("ready ", 60_000)) as Address;
    const sender = startPeer(runtime, ["send-file", JSON.stringify({ address: bound, path: source })]);
    try {
      const sent = JSON.parse(await sender.waitFor("result ", 180_000)) as { sent: number; ms: number };
      const received = JSON.parse(await receiver.waitFor("result ", 30_000)) as { received: number };
      if (received.received !== bytes) throw new Error(`${runtime} transfer: received ${received.received} of ${bytes}`);
      // Both peers wait to be stopped after their result: their peak RSS is read from outside.
      return {
        runtime,
        program: "library",
        bytes,
        seconds: sent.ms / 1000,
        mbPerSec: bytes / 1000 / sent.ms,
        senderPeakRssMiB: peakRssMiB(sender.child.pid),
        receiverPeakRssMiB: peakRssMiB(receiver.child.pid),
      };
    } finally {
      await sender.stop();
    }
  } finally {
    await receiver.stop();
    rmSync(source, { force: true });
    rmSync(target, { force: true });
  }
}

/**
 * Samples a process's VmHWM every 20 ms while it lives: the value only grows, so the last sample
 * before the exit is its peak (what it may add in its last 20 ms is teardown, not transfer).
 */
function watchPeak(pid: number | undefined): () => number {
  let peak = Number.NaN;
  const sample = () => {
    const now = peakRssMiB(pid);
    if (!Number.isNaN(now)) peak = now;
  };
  sample();
  const timer = setInterval(sample, 20);
  return () => {
    sample();
    clearInterval(timer);
    return peak;
  };
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `sockframe put FILE` to `sockframe recv --dir DIR` on one runtime: the product's file transfer. */
async function cliTransfer(runtime: Runtime, bytes: number, dir: string): Promise<TransferFigure> {
  const source = join(dir, "cli-source.bin");
  const into = join(dir, `cli-into-${runtime}`);
  mkdirSync(into);
  const fd = openSync(source, "w");
  ftruncateSync(fd, bytes);
  closeSync(fd);
  const receiver = startPeer(runtime, ["recv", "--listen", "127.0.0.1:0", "--dir", into], cliMain);
  try {
    const address = await receiver.waitFor("listening on ", 60_000);
    const receiverPeak = watchPeak(receiver.child.pid);
    const started = performance.now();
    const sender = startPeer(runtime, ["put", "--quiet", "--connect", address, source], cliMain);
    const senderPeak = watchPeak(sender.child.pid);
    try {
      const code = await within(sender.exited, 600_000, `${runtime} sockframe put`);
      const ms = performance.now() - started;
      const senderPeakRssMiB = senderPeak();
      const receiverPeakRssMiB = receiverPeak();
      if (code !== 0) throw new Error(`${runtime} sockframe put exited with ${code}: ${sender.stderr}`);
      const received = statSync(join(into, "cli-source.bin")).size;
      if (received !== bytes) throw new Error(`${runtime} sockframe recv wrote ${received} of ${bytes}`);
      return { runtime, program: "cli", bytes, seconds: ms / 1000, mbPerSec: bytes / 1000 / ms, senderPeakRssMiB, receiverPeakRssMiB };
    } finally {
      await sender.stop();
    }
  } finally {
    await receiver.stop();
    rmSync(source, { force: true });
    rmSync(into, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------

export async function runTransportBench(scale: TransportScale, log: (line: string) => void = () => undefined): Promise<TransportResults> {
  await buildNodePeer();
  const dir = mkdtempSync(join(tmpdir(), "sfbench-"));
  const transports: Transport[] = scale.unix ? ["tcp", "unix"] : ["tcp"];
  const servers: Partial<Record<Runtime, Addresses>> = {};
  const serverPeers: Peer[] = [];
  const groups = new Map<string, TransportGroup>();
  const runs: Record<string, ClientResult> = {};
  const ratios: Record<string, number> = {};
  const spread: Record<string, [number, number]> = {};
  const transfers: TransferFigure[] = [];
  let wsBufferutil: boolean | null = null;
  const contexts: Record<string, number> = {};
  const ratio = (name: string, ours: number[] | undefined, theirs: number[] | undefined, into = ratios) => {
    if (ours === undefined || theirs === undefined) return;
    const r = pairedRatio(ours, theirs);
    into[name] = r.value;
    spread[name] = r.spread;
  };
  const context = (name: string, ours: number[] | undefined, theirs: number[] | undefined) => ratio(name, ours, theirs, contexts);
  try {
    for (const runtime of scale.runtimes) {
      const unixDir = join(dir, runtime);
      mkdirSync(unixDir);
      const peer = startPeer(runtime, ["serve", JSON.stringify({ host: "127.0.0.1", unixDir: scale.unix ? unixDir : undefined })]);
      serverPeers.push(peer);
      const ready = JSON.parse(await peer.waitFor("ready ", 60_000)) as { addresses: Addresses; bufferutil?: boolean };
      servers[runtime] = ready.addresses;
      if (ready.bufferutil !== undefined) wsBufferutil = ready.bufferutil;
    }
    for (const runtime of scale.runtimes) {
      log(`transport: ${runtime} client against ${runtime} server`);
      const planned = samePlan(servers[runtime]!, transports, scale, runtime);
      const result = await runClient(runtime, planned, scale);
      runs[`${runtime}->${runtime}`] = result;
      collect(planned, result, scale, groups);
      const fig = (group: string, label: string, unit: "perSec" | "mbPerSec") => result[`${group} / ${label}`]?.[unit];
      ratio(`echo.small.vs_raw.${runtime}`, fig(`${runtime}.tcp.small.64`, "sockframe", "perSec"), fig(`${runtime}.tcp.small.64`, "raw", "perSec"));
      ratio(`echo.large.vs_raw.${runtime}`, fig(`${runtime}.tcp.large`, "sockframe", "mbPerSec"), fig(`${runtime}.tcp.large`, "raw", "mbPerSec"));
      context(`echo.large.floor_vs_raw.${runtime}`, fig(`${runtime}.tcp.large`, "raw + hand-written length prefix (floor)", "mbPerSec"), fig(`${runtime}.tcp.large`, "raw", "mbPerSec"));
      context(`echo.large.vs_floor.${runtime}`, fig(`${runtime}.tcp.large`, "sockframe", "mbPerSec"), fig(`${runtime}.tcp.large`, "raw + hand-written length prefix (floor)", "mbPerSec"));
      context(`echo.large.kept_vs_raw.${runtime}`, fig(`${runtime}.tcp.large`, "sockframe, bodies not released", "mbPerSec"), fig(`${runtime}.tcp.large`, "raw", "mbPerSec"));
      context(`echo.large.streamed_vs_raw.${runtime}`, fig(`${runtime}.tcp.large`, "sockframe, streamed bodies", "mbPerSec"), fig(`${runtime}.tcp.large`, "raw", "mbPerSec"));
      context(`echo.small.batched_raw_vs_raw.${runtime}`, fig(`${runtime}.tcp.small.64`, "raw, batched writes", "perSec"), fig(`${runtime}.tcp.small.64`, "raw", "perSec"));
      context(`echo.small1.vs_raw.${runtime}`, fig(`${runtime}.tcp.small.1`, "sockframe", "perSec"), fig(`${runtime}.tcp.small.1`, "raw", "perSec"));
      if (runtime === "node") {
        await measureReference(scale, groups, log);
        context("echo.large.ws_vs_raw.node", fig("node.tcp.large", "ws (bufferutil)", "mbPerSec"), fig("node.tcp.large", "raw", "mbPerSec"));
        context("echo.small.ws_vs_raw.node", fig("node.tcp.small.64", "ws (bufferutil)", "perSec"), fig("node.tcp.small.64", "raw", "perSec"));
        ratio("echo.small.vs_ws", fig("node.tcp.small.64", "sockframe", "perSec"), fig("node.tcp.small.64", "ws (bufferutil)", "perSec"));
        ratio("echo.large.vs_ws", fig("node.tcp.large", "sockframe", "mbPerSec"), fig("node.tcp.large", "ws (bufferutil)", "mbPerSec"));
      }
    }
    const reference = groups.get(REFERENCE_GROUP)?.samples.find((sample) => sample.name === REFERENCE_STORE)?.mbPerSec;
    if (reference !== undefined) {
      // Medians over medians: the C echo's rounds are not the runtimes' rounds.
      const of = (group: string, label: string) => groups.get(group)?.samples.find((sample) => sample.name === label)?.mbPerSec;
      const versus = (name: string, ours: number | undefined) => {
        if (ours !== undefined) contexts[name] = ours / reference;
      };
      for (const runtime of scale.runtimes) versus(`echo.large.vs_c_echo.${runtime}`, of(`${runtime}.tcp.large`, "sockframe"));
      versus("echo.large.ws_vs_c_echo.node", of("node.tcp.large", "ws (bufferutil)"));
    }
    if (scale.cross) {
      for (const client of scale.runtimes) {
        const others = Object.fromEntries(Object.entries(servers).filter(([server]) => server !== client)) as Partial<Record<Runtime, Addresses>>;
        if (Object.keys(others).length === 0) continue;
        log(`transport: ${client} client against the other runtimes' servers`);
        const planned = crossPlan(client, others);
        const result = await runClient(client, planned, scale);
        runs[`${client}->others`] = result;
        collect(planned, result, scale, groups);
      }
    }
  } finally {
    for (const peer of serverPeers) await peer.stop();
  }
  try {
    if (scale.transferBytes > 0) {
      for (const runtime of scale.runtimes) {
        const size = `${scale.transferBytes / 2 ** 20} MiB`;
        log(`transport: ${size} file transfer, sockframe put to sockframe recv, ${runtime}`);
        transfers.push(await cliTransfer(runtime, scale.transferBytes, dir));
        log(`transport: ${size} streamed body on the library alone, ${runtime} to ${runtime}`);
        transfers.push(await transfer(runtime, scale.transferBytes, dir));
      }
      const peak = (t: TransferFigure) => Math.max(t.senderPeakRssMiB, t.receiverPeakRssMiB);
      // The target is about the product's file transfer; the library-only figures are context.
      for (const t of transfers) {
        if (t.program === "cli") ratios[`transfer.1gib.peak_rss_mib.${t.runtime}`] = peak(t);
        else contexts[`transfer.1gib.library_peak_rss_mib.${t.runtime}`] = peak(t);
      }
      ratios["transfer.1gib.peak_rss_mib"] = Math.max(...transfers.filter((t) => t.program === "cli").map(peak));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const order = (key: string) => (key.startsWith("cross") ? 1 : 0);
  return {
    groups: [...groups.entries()].sort((a, b) => order(a[0]) - order(b[0])).map(([, g]) => g),
    ratios,
    context: contexts,
    spread,
    transfers,
    wsBufferutil,
    runs,
  };
}
