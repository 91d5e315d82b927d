/**
 * `npm run fuzz -- --seconds N [--seed S]`: a time-bounded fuzzing soak of sockframe.
 *
 * - codec: mutated streams decoded by the codec in every mode and several chunkings, checked against
 *   a reference decoder and the decoder's invariants, in a worker thread watched for hangs;
 * - live: mutated streams sent over real sockets by several concurrent raw node:net clients to
 *   @sockframe/node servers (a child process) with echo handlers, answers checked against the
 *   reference decoder; a well-behaved control client must keep getting answers; the server must not
 *   crash; memory (RSS and heap after GC) must stay under a bound.
 *
 * Exit 0 when nothing was found; 1 with the seed and the input saved to fuzz/failures/ otherwise.
 * The figures go to stdout and to fuzz/.last-run.json.
 */
import { type ChildProcess, fork } from "node:child_process";
import { randomInt } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import type { Connection } from "@sockframe/node";
import { buildCodecInput, FuzzFailure, runCodecCase } from "./codec-case.ts";
import { type CodecStats, SLOT_BUSY, SLOT_INDEX, SLOT_STOP, type WorkerMessage } from "./codec-worker.ts";
import { type CodecCase, codecCase, liveCase, type LiveCase } from "./generate.ts";
import { buildLiveInput, controlConnect, controlRequest, runLiveCase } from "./live.ts";
import { parseSeed } from "./prng.ts";
import type { ParentMessage, ServerMessage, ServerStats } from "./server.ts";
import { deadlineCarryOver, queuedBytes, type ScenarioResult } from "./scenarios.ts";
import { SERVERS } from "./servers.ts";

const SRC = new URL("./", import.meta.url);
const PACKAGE = new URL("../", SRC);
const MiB = 1024 * 1024;

const HELP = `Usage: npm run fuzz -- [--seconds N] [--seed S] [options]

  --seconds N          how long to run (default 10)
  --seed S             replay a run: its inputs are generated from the seed (decimal or 0x hex)
  --clients N          concurrent raw socket clients against the live servers (default 4)
  --control-every N    the control client sends a request to every server every N live inputs (default 50)
  --max-rss MiB        memory bound (default 256): the server process's RSS, and every heap after GC;
                       the soak process's own RSS (harness and codec worker) is held to twice it
  --input-timeout MS   per-input time budget, codec and live (default 10000)
  --no-live            codec only
  --no-codec           live servers only
  --replay FILE        re-run the input(s) saved in a failure file
  --out FILE           where to write the figures (default fuzz/.last-run.json)
`;

// ---------------------------------------------------------------------------------------------
// Saving inputs

function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v instanceof Uint8Array ? { $hex: Buffer.from(v).toString("hex") } : v), 1);
}

function fromJson(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) =>
    v !== null && typeof v === "object" && typeof (v as { $hex?: unknown }).$hex === "string" ? new Uint8Array(Buffer.from((v as { $hex: string }).$hex, "hex")) : v);
}

interface FailureRecord {
  kind: "codec" | "codec-hang" | "codec-worker" | "live" | "server-crash" | "control" | "memory" | "harness" | "regression";
  seed: number;
  message: string;
  stack?: string;
  codec?: { case: CodecCase; input: Uint8Array };
  live?: Array<{ case: LiveCase; server: string; input: Uint8Array }>;
  replay: string;
}

// ---------------------------------------------------------------------------------------------

interface Options {
  seconds: number;
  seed: number;
  clients: number;
  controlEvery: number;
  maxRss: number;
  inputTimeout: number;
  live: boolean;
  codec: boolean;
  out: string;
}

interface Memory {
  rss: number;
  heapUsed: number;
}

class Run {
  readonly options: Options;
  failure: FailureRecord | null = null;
  stopping = false;
  codec: CodecStats = { cases: 0, decodes: 0, frames: 0, octets: 0, errors: {}, slowestMs: 0, slowestIndex: -1, heapUsed: 0, maxHeapUsed: 0 };
  live = { inputs: 0, octets: 0, echoes: 0, errorFrames: {} as Record<string, number>, resets: 0, slowestMs: 0 };
  control = { requests: 0 };
  memory = {
    samples: 0,
    main: { maxRss: 0, maxHeapUsed: 0, first: null as Memory | null, last: null as Memory | null },
    server: { maxRss: 0, maxHeapUsed: 0, first: null as Memory | null, last: null as Memory | null },
  };
  serverStats: ServerStats | null = null;
  scenarios: ScenarioResult[] = [];
  serverStderr = "";
  readonly inFlight = new Map<number, { case: LiveCase; server: string; input: Uint8Array }>();
  readonly started = performance.now();

  constructor(options: Options) {
    this.options = options;
  }

  fail(kind: FailureRecord["kind"], message: string, extra: Partial<FailureRecord> = {}): void {
    if (this.failure !== null) return;
    this.failure = {
      kind,
      seed: this.options.seed,
      message,
      ...extra,
      replay: "",
    };
    this.stopping = true;
  }
}

function parseOptions(argv: string[]): Options & { replay?: string; help: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      seconds: { type: "string", default: "10" },
      seed: { type: "string" },
      clients: { type: "string", default: "4" },
      "control-every": { type: "string", default: "50" },
      "max-rss": { type: "string", default: "256" },
      "input-timeout": { type: "string", default: "10000" },
      "no-live": { type: "boolean", default: false },
      "no-codec": { type: "boolean", default: false },
      replay: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const number = (name: string, text: string, min: number): number => {
    const value = Number(text);
    if (!Number.isFinite(value) || value < min) throw new RangeError(`--${name} must be a number >= ${min}, got ${text}`);
    return value;
  };
  return {
    seconds: number("seconds", values.seconds!, 0),
    seed: values.seed === undefined ? randomInt(0, 2 ** 32) : parseSeed(values.seed),
    clients: Math.floor(number("clients", values.clients!, 1)),
    controlEvery: Math.floor(number("control-every", values["control-every"]!, 1)),
    maxRss: number("max-rss", values["max-rss"]!, 1) * MiB,
    inputTimeout: number("input-timeout", values["input-timeout"]!, 100),
    live: !values["no-live"],
    codec: !values["no-codec"],
    out: values.out ?? fileURLToPath(new URL(".last-run.json", PACKAGE)),
    replay: values.replay,
    help: values.help!,
  };
}

// ---------------------------------------------------------------------------------------------
// The server child

interface ServerHandle {
  child: ChildProcess;
  ports: number[];
  exited: Promise<number | null>;
  memory(): Promise<(Memory & { arrayBuffers: number; stats: ServerStats; connections: number[] }) | null>;
  stop(): Promise<void>;
}

async function startServer(run: Run): Promise<ServerHandle> {
  const child = fork(fileURLToPath(new URL("server.ts", SRC)), [], { stdio: ["ignore", "inherit", "pipe", "ipc"] });
  child.stderr!.on("data", (data: Buffer) => {
    process.stderr.write(data);
    run.serverStderr = (run.serverStderr + data.toString()).slice(-8192);
  });
  let stopping = false;
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  void exited.then((code) => {
    if (!stopping) run.fail("server-crash", `the live server process exited (code ${code}) while being fuzzed:\n${run.serverStderr}`, { live: [...run.inFlight.values()] });
  });
  const waiters = new Map<number, (message: ServerMessage & { type: "mem" }) => void>();
  let nextId = 1;
  const ports = await new Promise<number[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the live server did not start within 60 s")), 60_000);
    child.on("message", (message: ServerMessage) => {
      if (message.type === "ready") {
        clearTimeout(timer);
        resolve(message.ports);
      } else if (message.type === "mem") {
        waiters.get(message.id)?.(message);
        waiters.delete(message.id);
      }
    });
    void exited.then(() => reject(new Error(`the live server exited during start-up:\n${run.serverStderr}`)));
  });
  return {
    child,
    ports,
    exited,
    memory: () =>
      new Promise((resolve) => {
        if (!child.connected) return resolve(null);
        const id = nextId++;
        const timer = setTimeout(() => {
          waiters.delete(id);
          resolve(null);
        }, 10_000);
        waiters.set(id, (message) => {
          clearTimeout(timer);
          resolve(message);
        });
        child.send({ type: "mem", id } satisfies ParentMessage);
      }),
    stop: async () => {
      stopping = true;
      if (child.connected) child.send({ type: "stop" } satisfies ParentMessage);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), 15_000)));
      if ((await Promise.race([exited, late])) === "late") child.kill("SIGKILL");
      clearTimeout(timer);
      await exited;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Parts of the run

async function sampleMemory(run: Run, server: ServerHandle | null): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  const usage = process.memoryUsage();
  const record = (into: typeof run.memory.main, m: Memory) => {
    into.maxRss = Math.max(into.maxRss, m.rss);
    into.maxHeapUsed = Math.max(into.maxHeapUsed, m.heapUsed);
    into.first ??= m;
    into.last = m;
  };
  record(run.memory.main, { rss: usage.rss, heapUsed: usage.heapUsed });
  if (server !== null) {
    const m = await server.memory();
    if (m !== null) {
      record(run.memory.server, m);
      run.serverStats = m.stats;
    }
  }
  run.memory.samples++;
  // What is under test (the server process, the codec's heap) is held to the bound; the soak
  // process's own RSS (the harness, two V8 isolates, about 170-230 MiB) to twice the bound.
  const bound = run.options.maxRss;
  const worker: Memory = { rss: 0, heapUsed: run.codec.heapUsed };
  const checks = [["soak process", run.memory.main.last, 2 * bound], ["codec worker", worker, bound], ["server process", run.memory.server.last, bound]] as const;
  for (const [who, m, rssBound] of checks) {
    if (m !== null && (m.rss > rssBound || m.heapUsed > bound)) {
      run.fail("memory", `${who} memory past its bound (RSS ${rssBound / MiB} MiB, heap after GC ${bound / MiB} MiB): RSS ${(m.rss / MiB).toFixed(1)} MiB, heap used after GC ${(m.heapUsed / MiB).toFixed(1)} MiB`, {
        live: [...run.inFlight.values()],
      });
    }
  }
}

function runCodecWorker(run: Run): { done: Promise<void>; stop: () => void } {
  const shared = new SharedArrayBuffer(16);
  const slots = new Int32Array(shared);
  const worker = new Worker(new URL("worker-entry.mjs", SRC), {
    // A small young generation: the worker's garbage is short-lived, and its RSS counts against the bound.
    resourceLimits: { maxYoungGenerationSizeMb: 32 },
    workerData: { module: new URL("codec-worker.ts", SRC).href, seed: run.options.seed, start: 0, shared },
  });
  let lastIndex = -1;
  let since = performance.now();
  const watchdog = setInterval(() => {
    const index = Atomics.load(slots, SLOT_INDEX);
    const busy = Atomics.load(slots, SLOT_BUSY) === 1;
    if (index !== lastIndex || !busy) {
      lastIndex = index;
      since = performance.now();
      return;
    }
    if (performance.now() - since > run.options.inputTimeout) {
      clearInterval(watchdog);
      void worker.terminate();
      const c = codecCase(run.options.seed, index);
      run.fail("codec-hang", `hang: codec input ${index} still running after ${run.options.inputTimeout} ms`, { codec: { case: c, input: buildCodecInput(c) } });
    }
  }, 100);
  const done = new Promise<void>((resolve) => {
    worker.on("message", (message: WorkerMessage) => {
      if (message.type === "stats") run.codec = message.stats;
      else {
        const c = codecCase(run.options.seed, message.index);
        run.fail("codec", `codec input ${message.index}: ${message.message}`, { stack: message.stack, codec: { case: c, input: buildCodecInput(c) } });
      }
    });
    worker.on("error", (error) => run.fail("codec-worker", `the codec worker died: ${error.stack ?? String(error)}`));
    worker.on("exit", () => {
      clearInterval(watchdog);
      resolve();
    });
  });
  return { done, stop: () => Atomics.store(slots, SLOT_STOP, 1) };
}

class ControlClient {
  readonly #run: Run;
  readonly #ports: number[];
  readonly #connections = new Map<number, Connection>();
  #round = 0;
  #busy: Promise<void> | null = null;

  constructor(run: Run, ports: number[]) {
    this.#run = run;
    this.#ports = ports;
  }

  /** One request to every server; a round already running is not doubled. */
  round(): Promise<void> {
    this.#busy ??= this.#doRound().finally(() => (this.#busy = null));
    return this.#busy;
  }

  async #doRound(): Promise<void> {
    const round = ++this.#round;
    await Promise.all(SERVERS.map(async (spec, i) => {
      const budget = this.#run.options.inputTimeout;
      try {
        // The deadline server closes idle connections on purpose: a fresh one each round there.
        let connection = spec.stall ? undefined : this.#connections.get(i);
        if (connection === undefined) {
          connection = await withTimeout(controlConnect(spec, this.#ports[i]!), budget, `control: connecting to ${spec.name}`);
          if (!spec.stall) {
            this.#connections.set(i, connection);
            void connection.closed.then(() => this.#connections.delete(i));
          }
        }
        await controlRequest(connection, round, budget);
        if (spec.stall) await connection.close();
        this.#run.control.requests++;
      } catch (error) {
        this.#run.fail("control", `control client: ${spec.name} stopped serving a well-behaved client: ${(error as Error).message}`, {
          live: [...this.#run.inFlight.values()],
        });
      }
    }));
  }

  async close(): Promise<void> {
    await this.#busy;
    await Promise.all([...this.#connections.values()].map((c) => c.close()));
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

/** The fixed scenarios of scenarios.ts, once each, alongside the random inputs. */
async function runScenarios(run: Run, server: ServerHandle): Promise<void> {
  const deadlines = SERVERS.findIndex((s) => s.stall === true);
  const results = await Promise.all([
    deadlineCarryOver(server.ports[deadlines]!, SERVERS[deadlines]!.headerTimeoutMs!),
    queuedBytes(server.ports[SERVERS.length]!, async () => (await server.memory())?.arrayBuffers ?? null),
  ]).catch((error: Error) => {
    run.fail("harness", `scenarios: ${error.stack ?? error.message}`);
    return [];
  });
  run.scenarios = results;
  const reproduced = results.filter((r) => r.reproduced);
  if (reproduced.length > 0) {
    run.fail("regression", reproduced.map((r) => `${r.name}: ${r.detail}`).join("\n"));
  }
}

async function liveClient(run: Run, client: number, server: ServerHandle, control: ControlClient): Promise<void> {
  const ports = server.ports;
  for (let index = 0; !run.stopping; index++) {
    const c = liveCase(run.options.seed, client, index, SERVERS);
    const spec = SERVERS[c.server]!;
    const input = buildLiveInput(c, spec);
    run.inFlight.set(client, { case: c, server: spec.name, input });
    try {
      const result = await runLiveCase(c, spec, ports[c.server]!, run.options.inputTimeout, input);
      run.live.inputs++;
      run.live.octets += input.length;
      run.live.echoes += result.echoes;
      if (result.reset) run.live.resets++;
      const code = result.errorFrame ?? "none";
      run.live.errorFrames[code] = (run.live.errorFrames[code] ?? 0) + 1;
      run.live.slowestMs = Math.max(run.live.slowestMs, result.ms);
    } catch (error) {
      const e = error as Error;
      // A connection that went wrong because the server process died is a crash, not a wrong answer.
      await Promise.race([server.exited, new Promise((resolve) => setTimeout(resolve, 500))]);
      const kind = server.child.exitCode !== null || server.child.signalCode !== null ? "server-crash" : error instanceof FuzzFailure ? "live" : "harness";
      const crash = kind === "server-crash" ? `the live server process exited (code ${server.child.exitCode ?? server.child.signalCode}):\n${run.serverStderr}\nthe client saw: ` : "";
      run.fail(kind, `${crash}live input (client ${client}, #${index}, server ${spec.name}): ${e.message}`, {
        stack: e.stack,
        live: kind === "server-crash" ? [...run.inFlight.values()] : [{ case: c, server: spec.name, input }],
      });
      return;
    } finally {
      run.inFlight.delete(client);
    }
    if (run.live.inputs % run.options.controlEvery === 0) await control.round();
  }
}

// ---------------------------------------------------------------------------------------------

function summary(run: Run): Record<string, unknown> {
  const m = run.memory;
  const mib = (n: number | undefined) => (n === undefined ? null : Math.round((n / MiB) * 10) / 10);
  return {
    result: run.failure === null ? "pass" : "fail",
    seed: run.options.seed,
    seconds: Math.round((performance.now() - run.started) / 100) / 10,
    inputs: run.codec.cases + run.live.inputs,
    codec: {
      inputs: run.codec.cases,
      decodes: run.codec.decodes,
      octets: run.codec.octets,
      framesDecoded: run.codec.frames,
      errorsByCode: run.codec.errors,
      slowestInputMs: Math.round(run.codec.slowestMs),
      workerHeapUsedAfterGcMiB: { last: mib(run.codec.heapUsed), max: mib(run.codec.maxHeapUsed) },
    },
    live: {
      inputs: run.live.inputs,
      octets: run.live.octets,
      clients: run.options.clients,
      servers: SERVERS.map((s) => s.name),
      echoes: run.live.echoes,
      errorFramesByCode: run.live.errorFrames,
      resets: run.live.resets,
      slowestInputMs: Math.round(run.live.slowestMs),
      controlRequests: run.control.requests,
      server: run.serverStats,
    },
    memory: {
      boundMiB: run.options.maxRss / MiB,
      gc: typeof (globalThis as { gc?: unknown }).gc === "function",
      samples: m.samples,
      maxRssMiB: mib(Math.max(m.main.maxRss, m.server.maxRss)),
      soak: { maxRssMiB: mib(m.main.maxRss), heapUsedAfterGcMiB: { first: mib(m.main.first?.heapUsed), last: mib(m.main.last?.heapUsed), max: mib(m.main.maxHeapUsed) } },
      server: { maxRssMiB: mib(m.server.maxRss), heapUsedAfterGcMiB: { first: mib(m.server.first?.heapUsed), last: mib(m.server.last?.heapUsed), max: mib(m.server.maxHeapUsed) } },
    },
    fixedIssues: Object.fromEntries(run.scenarios.map((r) => [r.name, { reproduced: r.reproduced, detail: r.detail }])),
    failure: run.failure === null ? null : { kind: run.failure.kind, message: run.failure.message, replay: run.failure.replay },
    finishedAt: new Date().toISOString(),
  };
}

function printSummary(s: ReturnType<typeof summary>): void {
  const codec = s.codec as Record<string, unknown>;
  const live = s.live as Record<string, unknown>;
  const memory = s.memory as { maxRssMiB: number; soak: { maxRssMiB: number; heapUsedAfterGcMiB: Record<string, number> }; server: { maxRssMiB: number; heapUsedAfterGcMiB: Record<string, number> }; boundMiB: number; gc: boolean };
  const table = (t: unknown) => Object.entries(t as Record<string, number>).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(", ") || "-";
  const lines = [
    `inputs tried: ${String(s.inputs)} in ${String(s.seconds)} s (seed ${String(s.seed)})`,
    `  codec: ${String(codec.inputs)} inputs, ${String(codec.decodes)} decodes (buffered + streaming, several chunkings each), ${String(codec.framesDecoded)} frames decoded; slowest input ${String(codec.slowestInputMs)} ms`,
    `    errors by code: ${table(codec.errorsByCode)}`,
    `    worker heap used after GC: last ${(codec.workerHeapUsedAfterGcMiB as Record<string, number>).last} MiB, max ${(codec.workerHeapUsedAfterGcMiB as Record<string, number>).max} MiB`,
    `  live: ${String(live.inputs)} inputs from ${String(live.clients)} raw clients to ${(live.servers as string[]).length} servers, ${String(live.echoes)} frames echoed, ${String(live.controlRequests)} control requests answered, ${String(live.resets)} resets; slowest input ${String(live.slowestInputMs)} ms`,
    `    error frames by code: ${table(live.errorFramesByCode)}`,
    `max RSS: ${memory.maxRssMiB} MiB (soak ${memory.soak.maxRssMiB}, bound ${2 * memory.boundMiB}; server ${memory.server.maxRssMiB}, bound ${memory.boundMiB})${memory.gc ? "" : " (no --expose-gc: heap figures are not after GC)"}`,
    `  heap used after GC, first/last/max MiB: soak ${memory.soak.heapUsedAfterGcMiB.first}/${memory.soak.heapUsedAfterGcMiB.last}/${memory.soak.heapUsedAfterGcMiB.max}, server ${memory.server.heapUsedAfterGcMiB.first}/${memory.server.heapUsedAfterGcMiB.last}/${memory.server.heapUsedAfterGcMiB.max}`,
    ...Object.entries(s.fixedIssues as Record<string, { reproduced: boolean; detail: string }>).map(([name, r]) =>
      `fixed issue ${name}: ${r.reproduced ? "BACK" : "stays fixed"}: ${r.detail}`),
    `result: ${s.result === "pass" ? "PASS" : "FAIL"}`,
  ];
  console.log(lines.join("\n"));
}

function saveFailure(run: Run): string {
  const failure = run.failure!;
  const dir = new URL("failures/", PACKAGE);
  mkdirSync(dir, { recursive: true });
  const file = fileURLToPath(new URL(`${failure.seed}-${failure.kind}-${Date.now()}.json`, dir));
  // Memory grows over a run: only the whole run replays it. A crash or a stop may be one input's doing.
  const hasInput = failure.kind !== "memory" && (failure.codec !== undefined || (failure.live?.length ?? 0) > 0);
  failure.replay = hasInput
    ? `npm run fuzz -- --replay ${file}   (or the whole run: npm run fuzz -- --seed ${failure.seed} --seconds ${run.options.seconds})`
    : `npm run fuzz -- --seed ${failure.seed} --seconds ${run.options.seconds}`;
  writeFileSync(file, toJson(failure));
  return file;
}

async function soak(options: Options): Promise<number> {
  const run = new Run(options);
  console.log(`sockframe fuzz: seed ${options.seed}, ${options.seconds} s${options.codec ? ", codec" : ""}${options.live ? `, live (${options.clients} clients)` : ""}`);
  const server = options.live ? await startServer(run) : null;
  const control = server === null ? null : new ControlClient(run, server.ports);
  await sampleMemory(run, server);
  if (control !== null) await control.round();
  const codec = options.codec ? runCodecWorker(run) : null;
  const sampler = setInterval(() => void sampleMemory(run, server), 1000);
  const scenarios = server === null ? Promise.resolve() : runScenarios(run, server);
  const clients = control === null ? [] : Array.from({ length: options.clients }, (_, i) => liveClient(run, i, server!, control));
  const deadline = performance.now() + options.seconds * 1000;
  while (!run.stopping && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  run.stopping = true;
  codec?.stop();
  await Promise.all(clients);
  await scenarios;
  if (codec !== null) await withTimeout(codec.done, options.inputTimeout + 5000, "stopping the codec worker").catch((e: Error) => run.fail("codec-hang", e.message));
  clearInterval(sampler);
  if (control !== null && run.failure === null) {
    // The server must still serve after everything it was sent.
    await control.round();
    await control.close();
  }
  await sampleMemory(run, server);
  await server?.stop();
  const file = run.failure === null ? null : saveFailure(run);
  const figures = summary(run);
  writeFileSync(options.out, `${JSON.stringify(figures, null, 2)}\n`);
  printSummary(figures);
  if (run.failure !== null) {
    console.log(`\nFAILURE (${run.failure.kind}): ${run.failure.message}`);
    if (run.failure.stack) console.log(run.failure.stack);
    console.log(`seed: ${run.failure.seed}\ninput saved to: ${file}\nreplay: ${run.failure.replay}`);
    return 1;
  }
  return 0;
}

async function replay(file: string, options: Options): Promise<number> {
  const record = fromJson(readFileSync(file, "utf8")) as FailureRecord;
  console.log(`replaying ${file}: ${record.kind}: ${record.message}`);
  let failed = false;
  if (record.codec !== undefined) {
    // In this thread: a hang here hangs the replay (that is the finding).
    try {
      const result = runCodecCase(record.codec.case, record.codec.input);
      console.log(`codec input ${record.codec.case.index}: passes now (${result.frames} frames, ${result.code ?? "no error"})`);
    } catch (error) {
      failed = true;
      console.log(`codec input ${record.codec.case.index}: ${(error as Error).message}`);
    }
  }
  if (record.live !== undefined && record.live.length > 0) {
    const run = new Run(options);
    const server = await startServer(run);
    for (const entry of record.live) {
      const index = SERVERS.findIndex((s) => s.name === entry.server);
      try {
        const result = await runLiveCase(entry.case, SERVERS[index]!, server.ports[index]!, options.inputTimeout, entry.input);
        console.log(`live input (${entry.server}): passes now: ${JSON.stringify(result)}`);
      } catch (error) {
        failed = true;
        console.log(`live input (${entry.server}): ${(error as Error).message}`);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    if (run.failure !== null) {
      failed = true;
      console.log(run.failure.message);
    }
    await server.stop();
  }
  if (record.codec === undefined && (record.live === undefined || record.live.length === 0)) {
    console.log(`no single input to replay; replay the run: npm run fuzz -- --seed ${record.seed}`);
  }
  return failed ? 1 : 0;
}

const options = parseOptions(process.argv.slice(2));
if (options.help) {
  console.log(HELP);
  process.exit(0);
}
const code = options.replay !== undefined ? await replay(options.replay, options) : await soak(options);
process.exit(code);
