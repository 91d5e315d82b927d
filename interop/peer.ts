/**
 * The interop peer for the JavaScript runtimes: one file for Node, Deno and Bun, each using its
 * own adapter (@sockframe/node, @sockframe/deno, @sockframe/bun). Same CLI, ops and output as
 * conformance/python/sockframe_net.py:
 *
 *   peer.ts serve ADDR                  first line: "listening on tcp://127.0.0.1:PORT" | "listening on unix:/path"
 *   peer.ts client ADDR SCENARIO        one JSON line per scenario {"ok","scenario","detail","ms"}; exit 0 iff all ok
 *
 * SCENARIO: request | burst | stream | all. Run with
 *   node:  npx tsx --conditions=source interop/peer.ts ...
 *   bun:   npx bun interop/peer.ts ...
 *   deno:  npx deno run --conditions=source --allow-net --allow-read --allow-write --allow-env interop/peer.ts ...
 */
import { createHash } from "node:crypto";
import process from "node:process";
import { concatBytes, type Frame, type Header, iterateBytes } from "@sockframe/codec";
import type { Address, Connection, ConnectionHandler, Server, StreamedFrame } from "@sockframe/connection";

/** What the peer uses of an adapter: the API all three share. */
interface Adapter {
  listen(address: string | Address, handler: ConnectionHandler, options?: { streamBodies?: boolean; closeTimeoutMs?: number }): Promise<Server>;
  connect(address: string | Address, options?: { streamBodies?: boolean; closeTimeoutMs?: number }): Promise<Connection>;
}

type Runtime = "node" | "deno" | "bun";

const runtime: Runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";

// The parameters of the scenarios: identical in sockframe_net.py.
const REQUESTS = 100;
const BURST = 10_000;
const STREAM_CHUNK = 1024 * 1024;
const STREAM_CHUNKS = 64;
const UPPER_LIMIT = 16 * 1024 * 1024;
const SCENARIO_TIMEOUT_MS = 30_000;

const encoder = new TextEncoder();

async function loadAdapter(): Promise<Adapter> {
  // Not a literal: the type checker must not follow the other runtimes' adapters (their globals).
  const specifier = `@sockframe/${runtime}`;
  return (await import(specifier)) as Adapter;
}

// ---------------------------------------------------------------------------------------------
// Server

/** bytes.upper(): a-z only, every other octet as it is. */
function asciiUpper(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body);
  for (let i = 0; i < out.length; i++) {
    const octet = out[i]!;
    if (octet >= 0x61 && octet <= 0x7a) out[i] = octet - 0x20;
  }
  return out;
}

type Reply = { header: Record<string, unknown>; body?: Uint8Array } | null;

/** The answer to one frame, its body read as it streams in (a sha256 body is never held whole). */
async function answer({ header, body }: StreamedFrame): Promise<Reply> {
  const reply: Record<string, unknown> = header.id === undefined ? {} : { id: header.id };
  if (header.error !== undefined) {
    await body.cancel().catch(() => undefined);
    return null; // SPEC 7.3: an error frame is never answered
  }
  const op = header["op"];
  if (op === "sha256") {
    const digest = createHash("sha256");
    for await (const chunk of iterateBytes(body)) digest.update(chunk);
    return { header: { ...reply, op, digest: digest.digest("hex") } };
  }
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of iterateBytes(body)) {
    size += chunk.length;
    if (op === "upper" && size <= UPPER_LIMIT) parts.push(chunk);
  }
  if (op !== "upper") return { header: { ...reply, error: { code: "UNKNOWN_OP", message: `unknown op ${JSON.stringify(op)}` } } };
  if (size > UPPER_LIMIT) {
    return { header: { ...reply, error: { code: "BODY_TOO_LARGE_FOR_UPPER", message: `upper takes bodies up to ${UPPER_LIMIT} octets` } } };
  }
  return { header: { ...reply, op }, body: asciiUpper(concatBytes(parts)) };
}

async function handle(connection: Connection): Promise<void> {
  // Frames are answered in order; a send waits only while the socket is backed up.
  for await (const frame of connection.receiveStreams()) {
    const reply = await answer(frame);
    if (reply !== null) await connection.send(reply.header, reply.body);
  }
}

async function serve(adapter: Adapter, address: string): Promise<void> {
  const server = await adapter.listen(address, handle, { streamBodies: true });
  console.log(`listening on ${server.url}`);
  const stop = async () => {
    await Promise.race([server.close(), sleep(2000)]);
    process.exit(0);
  };
  onSignals(() => void stop());
}

function onSignals(stop: () => void): void {
  const deno = (globalThis as { Deno?: { addSignalListener(signal: string, handler: () => void): void } }).Deno;
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    if (deno !== undefined) deno.addSignalListener(signal, stop);
    else process.on(signal, stop);
  }
}

// ---------------------------------------------------------------------------------------------
// Client

class ScenarioFailed extends Error {}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new ScenarioFailed(message);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function repeat(bytes: Uint8Array, times: number): Uint8Array {
  const out = new Uint8Array(bytes.length * times);
  for (let i = 0; i < times; i++) out.set(bytes, i * bytes.length);
  return out;
}

const ALL_OCTETS = Uint8Array.from({ length: 256 }, (_, i) => i);

/** Same octets as sockframe_net.request_body: text, non-ASCII UTF-8, every octet value. */
function requestBody(i: number): Uint8Array {
  const text = encoder.encode(`request ${i}: Hello, World! \u00e9t\u00e9 \u2603 `);
  const parts = [repeat(text, 1 + (i % 13)), repeat(ALL_OCTETS, i % 5), new Uint8Array(1000 * (i % 7)).fill(0x78)];
  return concatBytes(parts);
}

function burstBody(i: number): Uint8Array {
  return encoder.encode(`burst frame ${i} abc`);
}

/** 64 MiB: chunk k is a 1 MiB run of (i % 251) with its first 4 octets set to k, big-endian. */
async function* streamChunks(): AsyncGenerator<Uint8Array> {
  const base = Uint8Array.from({ length: STREAM_CHUNK }, (_, i) => i % 251);
  for (let k = 0; k < STREAM_CHUNKS; k++) {
    // A fresh buffer per chunk: the connection may still hold the previous one unwritten.
    const chunk = new Uint8Array(base);
    new DataView(chunk.buffer).setUint32(0, k);
    yield chunk;
  }
}

let streamDigest: string | null = null;

async function expectedStreamDigest(): Promise<string> {
  if (streamDigest === null) {
    const digest = createHash("sha256");
    for await (const chunk of streamChunks()) digest.update(chunk);
    streamDigest = digest.digest("hex");
  }
  return streamDigest;
}

async function nextFrame(iterator: AsyncIterator<Frame<Header>>): Promise<Frame<Header> | null> {
  const { done, value } = await iterator.next();
  return done ? null : value;
}

/** How long the server gets to close the connection after our FIN (it has nothing left to answer). */
const CLOSE_WAIT_MS = 10_000;

/** Resolves with `promise`, or fails the scenario with `message` after `ms`. */
async function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new ScenarioFailed(message)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Our FIN, then the server's: it must send nothing more and close by itself (the connection is
 * opened with a long closeTimeoutMs, so that close() resolving early means the server closed).
 */
async function closeClient(connection: Connection, iterator: AsyncIterator<Frame<Header>>): Promise<void> {
  const closing = connection.close();
  const extra = await nextFrame(iterator);
  check(extra === null, `unexpected frame after the last reply: ${JSON.stringify(extra?.header)}`);
  const info = await within(closing, CLOSE_WAIT_MS, `server did not close the connection within ${CLOSE_WAIT_MS / 1000} s of our FIN`);
  check(info.protocolError === null, `protocol error: ${info.protocolError?.message}`);
}

/** 100 requests in flight at once; Connection.request matches the replies by id. */
async function scenarioRequest(adapter: Adapter, address: string): Promise<string> {
  const connection = await adapter.connect(address, { closeTimeoutMs: SCENARIO_TIMEOUT_MS });
  const iterator = connection[Symbol.asyncIterator]();
  const replies = await Promise.all(
    Array.from({ length: REQUESTS }, (_, n) => {
      const body = requestBody(n + 1);
      return connection.request({ op: "upper" }, body).then((reply) => ({ body, reply }));
    }),
  );
  for (const { body, reply } of replies) {
    check(reply.header["op"] === "upper", `reply without op upper: ${JSON.stringify(reply.header)}`);
    check(equalBytes(reply.body, asciiUpper(body)), `id ${reply.header.id}: body differs (${reply.body.length} vs ${body.length} octets)`);
  }
  const ids = new Set(replies.map(({ reply }) => reply.header.id));
  check(ids.size === REQUESTS, `${ids.size} distinct reply ids for ${REQUESTS} requests`);
  await closeClient(connection, iterator);
  return `${REQUESTS} replies matched by id`;
}

/**
 * 10,000 frames sent in one tick, so that the connection hands them to the socket in one write,
 * then our FIN (half-close): every reply must still arrive, in order.
 */
async function scenarioBurst(adapter: Adapter, address: string): Promise<string> {
  const connection = await adapter.connect(address, { closeTimeoutMs: SCENARIO_TIMEOUT_MS });
  const iterator = connection[Symbol.asyncIterator]();
  const sent = Promise.all(Array.from({ length: BURST }, (_, i) => connection.send({ id: i, op: "upper" }, burstBody(i))));
  // close() flushes the burst, sends FIN, and waits for the server to close after its replies.
  const closing = sent.then(() => connection.close());
  let count = 0;
  for (let frame = await nextFrame(iterator); frame !== null; frame = await nextFrame(iterator)) {
    const { header, body } = frame;
    check(count < BURST, `more than ${BURST} replies: ${JSON.stringify(header)}`);
    check(header.id === count, `reply ${count} has id ${JSON.stringify(header.id)}`);
    check(header["op"] === "upper" && header.error === undefined, `reply ${count}: ${JSON.stringify(header)}`);
    check(equalBytes(body, asciiUpper(burstBody(count))), `reply ${count}: body differs`);
    count++;
  }
  check(count === BURST, `server closed after ${count} of ${BURST} replies`);
  const info = await within(closing, CLOSE_WAIT_MS, `server did not close the connection within ${CLOSE_WAIT_MS / 1000} s of its last reply`);
  check(info.protocolError === null, `protocol error: ${info.protocolError?.message}`);
  return `${BURST} frames sent in one tick, ${count} replies in order after our FIN`;
}

/** A 64 MiB body streamed with its sha256 in the header; the server's digest must match. */
async function scenarioStream(adapter: Adapter, address: string): Promise<string> {
  const expected = await expectedStreamDigest();
  const connection = await adapter.connect(address, { closeTimeoutMs: SCENARIO_TIMEOUT_MS });
  const iterator = connection[Symbol.asyncIterator]();
  const size = STREAM_CHUNK * STREAM_CHUNKS;
  const replied = nextFrame(iterator);
  await connection.sendStream({ id: "stream-1", op: "sha256", sha256: expected }, size, streamChunks());
  const reply = await replied;
  check(reply !== null, "connection ended without a reply");
  const header = reply.header;
  check(header.error === undefined, `error frame: ${JSON.stringify(header)}`);
  check(header.id === "stream-1" && header["op"] === "sha256", `unexpected reply: ${JSON.stringify(header)}`);
  check(header["digest"] === expected, `digest ${String(header["digest"])} != ${expected}`);
  await closeClient(connection, iterator);
  return `${size} octets, sha256 ${expected.slice(0, 16)}... matches`;
}

const SCENARIOS = { request: scenarioRequest, burst: scenarioBurst, stream: scenarioStream } as const;
type ScenarioName = keyof typeof SCENARIOS;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function runScenario(adapter: Adapter, name: ScenarioName, address: string) {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ScenarioFailed(`timed out after ${SCENARIO_TIMEOUT_MS / 1000} s`)), SCENARIO_TIMEOUT_MS);
  });
  let ok = false;
  let detail: string;
  try {
    detail = await Promise.race([SCENARIOS[name](adapter, address), timeout]);
    ok = true;
  } catch (error) {
    detail = error instanceof ScenarioFailed ? error.message : `${(error as Error)?.name ?? "Error"}: ${(error as Error)?.message ?? String(error)}`;
  } finally {
    clearTimeout(timer);
  }
  return { ok, scenario: name, detail, ms: Math.round((performance.now() - started) * 10) / 10 };
}

async function client(adapter: Adapter, address: string, scenario: ScenarioName | "all"): Promise<boolean> {
  const names: ScenarioName[] = scenario === "all" ? ["request", "burst", "stream"] : [scenario];
  let ok = true;
  for (const name of names) {
    const result = await runScenario(adapter, name, address);
    console.log(JSON.stringify(result));
    ok &&= result.ok;
  }
  return ok;
}

// ---------------------------------------------------------------------------------------------
// CLI

const USAGE = "usage: peer.ts serve ADDR | client ADDR {request,burst,stream,all}";

async function main(args: string[]): Promise<void> {
  const [command, address, scenario] = args;
  if (command === "serve" && address !== undefined && args.length === 2) {
    await serve(await loadAdapter(), address);
    return;
  }
  if (command === "client" && address !== undefined && args.length === 3 && (scenario === "all" || (scenario ?? "") in SCENARIOS)) {
    const ok = await client(await loadAdapter(), address, scenario as ScenarioName | "all");
    // Exit at once: a scenario that failed may have left sockets or timers behind.
    process.exit(ok ? 0 : 1);
  }
  console.error(USAGE);
  process.exit(2);
}

await main(process.argv.slice(2));
