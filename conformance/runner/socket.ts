import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { concatBytes } from "@sockframe/codec";
import { summarize } from "./report.ts";
import { type CaseResult, type DecodeOutcome, decodeMismatch } from "./run.ts";
import { buildBytes, type Case, type Chunking, chunkingsOf, describeChunking, loadCases, type VectorOptions } from "./vectors.ts";

/** The slice of an adapter's API this runner needs (the same in @sockframe/node, /deno and /bun). */
interface AdapterConnection {
  [Symbol.asyncIterator](): AsyncIterator<{ header: unknown; body: Uint8Array }>;
  release(body: Uint8Array): void;
  receiveStreams(): AsyncIterable<{ header: unknown; body: ReadableStream<Uint8Array> }>;
}
interface AdapterServer {
  readonly address: { transport: string; host?: string; port?: number; path?: string };
  close(): Promise<void>;
}
export type AdapterListen = (
  address: string,
  handler: (connection: AdapterConnection) => unknown,
  options: Record<string, unknown>,
) => Promise<AdapterServer>;
interface AdapterDatagramEndpoint {
  readonly address: { transport: string; host?: string; port?: number };
  readonly stats: { invalid: number; lastError: { code: string; stage: string } | null };
  [Symbol.asyncIterator](): AsyncIterator<{ header: unknown; body: Uint8Array }>;
  close(): Promise<void>;
}
export type AdapterBindDatagram = (address: string, options: Record<string, unknown>) => Promise<AdapterDatagramEndpoint>;

/** The largest UDP payload over IPv6: datagram vectors over it cross loopback ::1, the rest cannot cross UDP at all. */
const UDP6_MAX_PAYLOAD = 65527;
/** How long a datagram may take to be delivered or dropped on loopback. */
const DATAGRAM_WAIT_MS = 2000;

/** At most this many writes per connection: a 16 MiB case in 64-octet chunks is merged to fit. */
const MAX_WRITES = 256;
/** Writes followed by a pause (so each reaches the server as its own read), from the start. */
const PAUSED_WRITES = 16;

function isSockframeError(error: unknown): error is { code: string; stage: string } {
  return error instanceof Error && error.name === "SockframeError";
}

async function readBody(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value.slice());
  }
  return concatBytes(parts);
}

/** What the server saw on one connection: frames, then the error that ended it. */
async function collect(connection: AdapterConnection, streaming: boolean): Promise<DecodeOutcome> {
  const outcome: DecodeOutcome = { frames: [], error: null };
  try {
    if (streaming) {
      for await (const frame of connection.receiveStreams()) {
        const body = await readBody(frame.body);
        outcome.frames.push({ header: frame.header, body });
      }
    } else {
      for await (const frame of connection) {
        outcome.frames.push({ header: frame.header, body: frame.body.slice() });
        // Handed back at once, as a server done with each body would: later bodies reuse its memory.
        connection.release(frame.body);
      }
    }
  } catch (error) {
    if (!isSockframeError(error)) throw error;
    outcome.error = { code: error.code, stage: error.stage };
  }
  return outcome;
}

/** Merges neighbouring chunks so that there are at most `max` (boundaries kept where possible). */
function capWrites(chunks: Uint8Array[], max: number): Uint8Array[] {
  if (chunks.length <= max) return chunks;
  const per = Math.ceil(chunks.length / max);
  const out: Uint8Array[] = [];
  for (let i = 0; i < chunks.length; i += per) {
    const group = chunks.slice(i, i + per);
    const first = group[0]!;
    const last = group[group.length - 1]!;
    // Chunks are consecutive views of one input: one view spans the group without copying.
    out.push(new Uint8Array(first.buffer, first.byteOffset, last.byteOffset + last.length - first.byteOffset));
  }
  return out;
}

/** Runs of a chunking over a socket: "every" becomes a handful of evenly spread split points. */
function socketRuns(input: Uint8Array, chunking: Chunking): Uint8Array[][] {
  const runs = chunkingsOf(input, chunking);
  if (chunking !== "every" || runs.length <= 6) return runs.map((chunks) => capWrites(chunks, MAX_WRITES));
  const step = runs.length / 6;
  return [0, 1, 2, 3, 4, 5].map((k) => runs[Math.floor(k * step)]!);
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 1));

/** Writes the chunks with pauses and Nagle off, then FIN; resolves when the server has closed. */
async function sendRaw(target: { port?: number; host?: string; path?: string }, chunks: Uint8Array[]): Promise<void> {
  const socket: Socket =
    target.path !== undefined ? createConnection({ path: target.path }) : createConnection({ port: target.port!, host: target.host });
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.on("error", () => undefined);
  socket.on("data", () => undefined); // the error frame, if any: read and dropped
  socket.on("end", () => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("error", reject);
  });
  socket.setNoDelay(true);
  for (let i = 0; i < chunks.length && !socket.destroyed; i++) {
    if (!socket.write(chunks[i]!)) await new Promise((resolve) => socket.once("drain", resolve));
    if (i < PAUSED_WRITES && i < chunks.length - 1) await pause();
  }
  socket.end();
  await closed;
}

function serverOptions(options: VectorOptions): Record<string, unknown> {
  return {
    profile: options.profile,
    maxHeaderBytes: options.maxHeaderBytes,
    maxBodyBytes: options.maxBodyBytes,
    maxStreamBodyBytes: options.maxStreamBodyBytes,
    streamBodies: options.mode === "streaming",
    closeTimeoutMs: 2000,
  };
}

/** Sends one datagram from a plain node:dgram socket to [::1]:port. */
async function sendDatagram(datagram: Uint8Array, port: number): Promise<void> {
  const socket = createSocket("udp6");
  try {
    await new Promise<void>((resolve, reject) => socket.send(datagram, port, "::1", (error) => (error ? reject(error) : resolve())));
  } finally {
    socket.close();
  }
}

/** An endpoint under test, with the one read that may be outstanding on it (a dropped datagram leaves it waiting). */
interface DatagramSubject {
  endpoint: AdapterDatagramEndpoint;
  frames: AsyncIterator<{ header: unknown; body: Uint8Array }>;
  pending: Promise<IteratorResult<{ header: unknown; body: Uint8Array }>> | null;
}

/** What the endpoint made of one datagram: its frame, or the error it counted the datagram as invalid for. */
async function datagramOutcome(subject: DatagramSubject, datagram: Uint8Array): Promise<DecodeOutcome | string> {
  const invalidBefore = subject.endpoint.stats.invalid;
  subject.pending ??= subject.frames.next();
  const pending = subject.pending;
  await sendDatagram(datagram, subject.endpoint.address.port!);
  const deadline = Date.now() + DATAGRAM_WAIT_MS;
  let delivered: IteratorResult<{ header: unknown; body: Uint8Array }> | null = null;
  void pending.then((result) => (delivered = result));
  while (delivered === null && subject.endpoint.stats.invalid === invalidBefore && Date.now() < deadline) await pause();
  if (delivered !== null) {
    subject.pending = null;
    const result = delivered as IteratorResult<{ header: unknown; body: Uint8Array }>;
    if (result.done) return "the endpoint ended";
    return { frames: [{ header: result.value.header, body: result.value.body.slice() }], error: null };
  }
  const error = subject.endpoint.stats.lastError;
  if (subject.endpoint.stats.invalid === invalidBefore || error === null) return `neither delivered nor dropped within ${DATAGRAM_WAIT_MS} ms`;
  return { frames: [], error: { code: error.code, stage: error.stage } };
}

function datagramOptions(options: VectorOptions): Record<string, unknown> {
  return {
    profile: options.profile,
    maxHeaderBytes: options.maxHeaderBytes,
    maxBodyBytes: options.maxBodyBytes,
    maxDatagramBytes: options.maxDatagramBytes,
  };
}

/**
 * Every decode vector, through a real server built with a runtime's adapter, over TCP and over
 * Unix: the vector's octets are written by a raw client in the vector's chunking, with pauses and
 * Nagle off, and the server must see the same frames and the same error as the pure run. With
 * `bindDatagram`, every datagram vector that fits a UDP datagram too, sent by a raw socket to an
 * endpoint of the adapter over [::1]: it must deliver the same frame, or count the datagram as
 * invalid with the same error.
 */
export function defineSocketConformanceSuite(
  impl: string,
  test: (name: string, run: () => Promise<void>) => void,
  finish: (run: () => void | Promise<void>) => void,
  listen: AdapterListen,
  bindDatagram?: AdapterBindDatagram,
): void {
  const dir = mkdtempSync(join(tmpdir(), "sf-conf-"));
  const servers = new Map<string, { server: AdapterServer; next: Array<(outcome: Promise<DecodeOutcome>) => void> }>();
  const results = new Map<string, CaseResult[]>([["tcp", []], ["unix", []]]);
  if (bindDatagram !== undefined) results.set("udp", []);
  const datagramSubjects = new Map<string, DatagramSubject>();

  async function datagramSubjectFor(options: VectorOptions): Promise<DatagramSubject> {
    const key = JSON.stringify(datagramOptions(options));
    let subject = datagramSubjects.get(key);
    if (subject === undefined) {
      const endpoint = await bindDatagram!("udp://[::1]:0", datagramOptions(options));
      subject = { endpoint, frames: endpoint[Symbol.asyncIterator](), pending: null };
      datagramSubjects.set(key, subject);
    }
    return subject;
  }

  async function runOverUdp(vector: Case): Promise<CaseResult> {
    const options = vector.options ?? {};
    const profile = options.profile ?? "be";
    const got = await datagramOutcome(await datagramSubjectFor(options), buildBytes(vector.input ?? [], profile));
    const outcomes = vector.expectAny ?? (vector.expect !== undefined ? [vector.expect] : []);
    const misses = typeof got === "string" ? [got] : outcomes.map((want) => decodeMismatch(got, want, profile));
    return misses.includes(null) ? { id: vector.id, spec: vector.spec, ok: true } : { id: vector.id, spec: vector.spec, ok: false, detail: `udp: ${misses[0]}` };
  }

  async function serverFor(transport: "tcp" | "unix", options: VectorOptions) {
    const key = `${transport} ${JSON.stringify(serverOptions(options))}`;
    let entry = servers.get(key);
    if (entry === undefined) {
      const waiting: Array<(outcome: Promise<DecodeOutcome>) => void> = [];
      const address = transport === "tcp" ? "127.0.0.1:0" : `unix:${join(dir, `s${servers.size}.sock`)}`;
      const server = await listen(
        address,
        (connection) => {
          const outcome = collect(connection, options.mode === "streaming");
          waiting.shift()?.(outcome);
          return outcome.catch(() => undefined);
        },
        serverOptions(options),
      );
      entry = { server, next: waiting };
      servers.set(key, entry);
    }
    return entry;
  }

  async function runOverSocket(vector: Case, transport: "tcp" | "unix"): Promise<CaseResult> {
    const options = vector.options ?? {};
    const profile = options.profile ?? "be";
    const input = buildBytes(vector.input ?? [], profile);
    const outcomes = vector.expectAny ?? (vector.expect !== undefined ? [vector.expect] : []);
    const { server, next } = await serverFor(transport, options);
    for (const chunking of vector.chunkings ?? ["whole", { size: 1 }]) {
      for (const chunks of socketRuns(input, chunking)) {
        const seen = new Promise<Promise<DecodeOutcome>>((resolve) => next.push(resolve));
        await sendRaw(server.address, chunks);
        const got = await (await seen);
        const misses = outcomes.map((want) => decodeMismatch(got, want, profile));
        if (!misses.includes(null)) {
          return { id: vector.id, spec: vector.spec, ok: false, detail: `${transport} ${describeChunking(chunking)}: ${misses[0]}` };
        }
      }
    }
    return { id: vector.id, spec: vector.spec, ok: true };
  }

  for (const vector of loadCases().filter((c) => c.kind === "decode")) {
    for (const transport of ["tcp", "unix"] as const) {
      test(`[${vector.spec}] ${vector.id} over ${transport}`, async () => {
        const result = await runOverSocket(vector, transport);
        results.get(transport)!.push(result);
        if (!result.ok) throw new Error(`${vector.id}: ${result.detail}`);
      });
    }
  }
  const datagrams = loadCases().filter((c) => c.kind === "datagram");
  for (const vector of bindDatagram === undefined ? [] : datagrams) {
    const length = buildBytes(vector.input ?? [], vector.options?.profile ?? "be").length;
    if (length > UDP6_MAX_PAYLOAD) continue; // no UDP datagram can carry it: the pure run covers it
    test(`[${vector.spec}] ${vector.id} over udp`, async () => {
      const result = await runOverUdp(vector);
      results.get("udp")!.push(result);
      if (!result.ok) throw new Error(`${vector.id}: ${result.detail}`);
    });
  }
  finish(async () => {
    await Promise.all([...servers.values()].map((entry) => entry.server.close()));
    await Promise.all([...datagramSubjects.values()].map((subject) => subject.endpoint.close()));
    rmSync(dir, { recursive: true, force: true });
    for (const [transport, list] of results) console.log(summarize(`${impl} over ${transport}`, list));
  });
}
