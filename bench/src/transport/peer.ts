/**
 * The transport-bench peer: one file for Node, Deno and Bun, each using its own adapter and its own
 * raw sockets (rt-*.ts). Driven by ../transport.ts, which starts it as
 *
 *   peer serve JSON       echo servers (sockframe, raw, ws on Node), TCP and Unix; prints `ready {addresses}`
 *   peer client JSON      runs contenders side by side against them; prints `result {figures}`
 *   peer recv-file JSON   receives one streamed frame into a file; prints `result {peak RSS}`
 *   peer send-file JSON   streams a file as one frame; prints `result {peak RSS, ms}`
 *
 * Run with: node (the bundle ../transport.ts builds), `bun peer.ts`, or
 * `deno run --conditions=source --allow-net --allow-read --allow-write --allow-env peer.ts`.
 */
import process from "node:process";
import type { Address, Connection } from "@sockframe/connection";
import { Assembler, lengthPrefixed, prefixOf } from "./assembler.ts";
import { loadRuntime, type RawConn, runtime, type RuntimeModule, type WsClient } from "./types.ts";

export type Addresses = Record<"sockframe" | "sockframeKept" | "sockframeStream" | "sockframeStreamEcho" | "raw" | "rawFramed" | "rawSink", Partial<Record<"tcp" | "unix", Address>>> & {
  ws?: Partial<Record<"tcp" | "unix", string>>;
};

export type ContenderKind = "sockframe" | "sockframe-kept" | "sockframe-streamed-echo" | "raw" | "raw-framed" | "raw-batched" | "ws" | "sockframe-stream" | "raw-stream";

export interface Contender {
  name: string;
  kind: ContenderKind;
  /** An Address, or a ws URL. */
  target: Address | string;
  /** Message (body) size, or the streamed body's size. */
  size: number;
  /** Messages in flight (echo kinds). */
  inFlight?: number;
}

export interface ClientPlan {
  contenders: Contender[];
  rounds: number;
  minMs: number;
  /** Each contender runs this long before the measured rounds. */
  warmupMs?: number;
}

/** Per contender, per round: messages (frames, or whole streamed bodies) per second and MB/s of payload one way. */
export type ClientResult = Record<string, { perSec: number[]; mbPerSec: number[] }>;

interface Run {
  messages: number;
  bytes: number;
  ms: number;
}

interface Session {
  run(minMs: number): Promise<Run>;
  close(): Promise<void> | void;
}

/**
 * Keeps `inFlight` messages outstanding: each completed one starts the next, until `minMs` have
 * passed; then waits for the outstanding ones. No timing inside a message.
 */
class Window {
  #send: () => void;
  #inFlight: number;
  #size: number;
  #done = 0;
  #outstanding = 0;
  #stopAt = 0;
  #started = 0;
  #stopped = false;
  #resolve: (run: Run) => void = () => undefined;
  #reject: (error: unknown) => void = () => undefined;
  /** Called after the first messages are sent (batching contenders write them there). */
  afterStart: () => void = () => undefined;

  constructor(inFlight: number, size: number, send: () => void) {
    this.#inFlight = inFlight;
    this.#size = size;
    this.#send = send;
  }

  get outstanding(): number {
    return this.#outstanding;
  }

  run(minMs: number): Promise<Run> {
    this.#done = 0;
    this.#stopped = false;
    this.#started = performance.now();
    this.#stopAt = this.#started + minMs;
    return new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
      for (let i = 0; i < this.#inFlight; i++) {
        this.#outstanding++;
        this.#send();
      }
      this.afterStart();
    });
  }

  completed(): void {
    this.#outstanding--;
    this.#done++;
    if (!this.#stopped) {
      if (performance.now() < this.#stopAt) {
        this.#outstanding++;
        this.#send();
        return;
      }
      this.#stopped = true;
    }
    if (this.#outstanding === 0) {
      this.#resolve({ messages: this.#done, bytes: this.#done * this.#size, ms: performance.now() - this.#started });
    }
  }

  fail(error: unknown): void {
    this.#reject(error);
  }
}

function pattern(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31) & 0xff;
  return bytes;
}

/** `release`: each reply's body is handed back once counted (Connection.release), as the server does. */
async function sockframeEcho(rt: RuntimeModule, c: Contender, release: boolean): Promise<Session> {
  const connection = await rt.adapter.connect(c.target as Address);
  const body = pattern(c.size);
  const header = {};
  const window = new Window(c.inFlight ?? 1, c.size, () => {
    connection.request(header, body).then(onReply, onError);
  });
  const onReply = (frame: { body: Uint8Array }) => {
    if (frame.body.length !== c.size) window.fail(new Error(`${c.name}: echo of ${frame.body.length} octets, sent ${c.size}`));
    else window.completed();
    if (release) connection.release(frame.body);
  };
  const onError = (error: unknown) => window.fail(error);
  return { run: (minMs) => window.run(minMs), close: async () => void (await connection.close()) };
}

/** A body's chunks, each handed back (release()) once sendStream() has queued it: as docs/api.md advises. */
async function* passing(connection: Connection, body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    yield chunk;
    connection.release(chunk);
  }
}

/**
 * The echo with streamed bodies on both sides (`streamBodies: true`): the server pipes each body
 * back with sendStream as it arrives, the client counts the octets of each echoed body; both hand
 * each chunk back once done with it. Cut-through like the raw echo: no body is ever assembled.
 */
async function sockframeStreamedEcho(rt: RuntimeModule, c: Contender): Promise<Session> {
  const connection = await rt.adapter.connect(c.target as Address, { streamBodies: true });
  const body = pattern(c.size);
  const header = {};
  const window = new Window(c.inFlight ?? 1, c.size, () => {
    connection.send(header, body).catch(onError);
  });
  const onError = (error: unknown) => window.fail(error);
  void (async () => {
    for await (const frame of connection.receiveStreams()) {
      let received = 0;
      for await (const chunk of frame.body as unknown as AsyncIterable<Uint8Array>) {
        received += chunk.length;
        connection.release(chunk);
      }
      if (received !== c.size) window.fail(new Error(`${c.name}: echo of ${received} octets, sent ${c.size}`));
      else window.completed();
    }
  })().catch(onError);
  return { run: (minMs) => window.run(minMs), close: async () => void (await connection.close()) };
}

async function rawEcho(rt: RuntimeModule, c: Contender, batched: boolean): Promise<Session> {
  const conn: RawConn = await rt.raw.connect(c.target as Address);
  const inFlight = c.inFlight ?? 1;
  const message = pattern(c.size);
  // Batched: the messages a read completes go out in one write (what sockframe's batching does).
  const batch = batched ? pattern(c.size * inFlight) : message;
  let pending = 0;
  const window = new Window(inFlight, c.size, batched ? () => void pending++ : () => conn.write(message));
  const flush = () => {
    if (pending > 0) {
      conn.write(batch.subarray(0, pending * c.size));
      pending = 0;
    }
  };
  window.afterStart = flush;
  let received = 0;
  conn.onData = (chunk) => {
    received += chunk.length;
    while (received >= c.size) {
      received -= c.size;
      window.completed();
    }
    flush();
  };
  return { run: (minMs) => window.run(minMs), close: () => conn.close() };
}

/** The hand-written floor: raw sockets, a 4-octet length, each echoed message copied into a fresh buffer. */
async function rawFramedEcho(rt: RuntimeModule, c: Contender): Promise<Session> {
  const conn: RawConn = await rt.raw.connect(c.target as Address);
  const framed = lengthPrefixed(pattern(c.size));
  const window = new Window(c.inFlight ?? 1, c.size, () => conn.write(framed));
  const assembler = new Assembler((message) => {
    if (message.length !== c.size) window.fail(new Error(`${c.name}: echo of ${message.length} octets, sent ${c.size}`));
    else window.completed();
  });
  conn.onData = (chunk) => assembler.push(chunk);
  return { run: (minMs) => window.run(minMs), close: () => conn.close() };
}

/** The server side of rawFramedEcho: each assembled message goes back behind its length. */
function framedEchoServer(conn: RawConn): void {
  const assembler = new Assembler((message) => {
    conn.write(prefixOf(message.length));
    conn.write(message);
  });
  conn.onData = (chunk) => assembler.push(chunk);
}

async function wsEcho(rt: RuntimeModule, c: Contender): Promise<Session> {
  if (rt.ws === undefined) throw new Error("ws is on Node only");
  const client: WsClient = await rt.ws.connect(c.target as string);
  const message = pattern(c.size);
  const window = new Window(c.inFlight ?? 1, c.size, () => client.send(message));
  client.onMessage = (data) => {
    if (data.length !== c.size) window.fail(new Error(`${c.name}: echo of ${data.length} octets`));
    else window.completed();
  };
  return { run: (minMs) => window.run(minMs), close: () => client.close() };
}

const STREAM_CHUNK = 1024 * 1024;

/** Repeats `once` until `minMs` have passed (at least once). */
async function repeat(minMs: number, size: number, once: () => Promise<void>): Promise<Run> {
  const started = performance.now();
  let messages = 0;
  do {
    await once();
    messages++;
  } while (performance.now() - started < minMs);
  return { messages, bytes: messages * size, ms: performance.now() - started };
}

async function* streamBody(size: number): AsyncGenerator<Uint8Array> {
  const chunk = pattern(STREAM_CHUNK);
  for (let sent = 0; sent < size; sent += STREAM_CHUNK) yield sent + STREAM_CHUNK <= size ? chunk : chunk.subarray(0, size - sent);
}

async function sockframeStream(rt: RuntimeModule, c: Contender): Promise<Session> {
  const connection = await rt.adapter.connect(c.target as Address);
  const replies = connection[Symbol.asyncIterator]();
  return {
    run: (minMs) =>
      repeat(minMs, c.size, async () => {
        await connection.sendStream({}, c.size, streamBody(c.size));
        const reply = await replies.next();
        if (reply.done || reply.value.header.received !== c.size) throw new Error(`${c.name}: sink got ${JSON.stringify(reply.value?.header)}`);
      }),
    close: async () => void (await connection.close()),
  };
}

async function rawStream(rt: RuntimeModule, c: Contender): Promise<Session> {
  const chunk = pattern(STREAM_CHUNK);
  return {
    run: (minMs) =>
      repeat(minMs, c.size, async () => {
        // A connection per transfer: without framing, the end of the stream is the end of the body.
        const conn = await rt.raw.connect(c.target as Address);
        const answer = new Promise<number>((resolve) => {
          const got: number[] = [];
          conn.onData = (bytes) => {
            got.push(...bytes);
            if (got.length >= 8) resolve(Number(new DataView(Uint8Array.from(got).buffer).getBigUint64(0)));
          };
        });
        for (let sent = 0; sent < c.size; sent += STREAM_CHUNK) {
          conn.write(sent + STREAM_CHUNK <= c.size ? chunk : chunk.subarray(0, c.size - sent));
          await conn.drained();
        }
        conn.end();
        const received = await answer;
        conn.close();
        if (received !== c.size) throw new Error(`${c.name}: sink counted ${received} of ${c.size}`);
      }),
    close: () => undefined,
  };
}

function open(rt: RuntimeModule, c: Contender): Promise<Session> {
  switch (c.kind) {
    case "sockframe":
      return sockframeEcho(rt, c, true);
    case "sockframe-kept":
      return sockframeEcho(rt, c, false);
    case "sockframe-streamed-echo":
      return sockframeStreamedEcho(rt, c);
    case "raw":
      return rawEcho(rt, c, false);
    case "raw-framed":
      return rawFramedEcho(rt, c);
    case "raw-batched":
      return rawEcho(rt, c, true);
    case "ws":
      return wsEcho(rt, c);
    case "sockframe-stream":
      return sockframeStream(rt, c);
    case "raw-stream":
      return rawStream(rt, c);
  }
}

/** Round-robin over the contenders, `rounds` times: a noisy neighbour slows all of them alike. */
async function client(rt: RuntimeModule, plan: ClientPlan): Promise<ClientResult> {
  const sessions: Session[] = [];
  for (const c of plan.contenders) sessions.push(await open(rt, c));
  const out: ClientResult = {};
  for (const c of plan.contenders) out[c.name] = { perSec: [], mbPerSec: [] };
  // Warm-up, not counted: the JIT needs thousands of messages through both peers' code before it
  // settles (sockframe's first 300 ms run at a fifth of its later rate; a raw socket has little to
  // compile), and socket buffers grow to their working size.
  for (const session of sessions) await session.run(plan.warmupMs ?? 500);
  for (let round = 0; round < plan.rounds; round++) {
    for (let i = 0; i < sessions.length; i++) {
      const run = await sessions[i]!.run(plan.minMs);
      const figures = out[plan.contenders[i]!.name]!;
      figures.perSec.push((run.messages * 1000) / run.ms);
      figures.mbPerSec.push(run.bytes / 1000 / run.ms);
    }
  }
  for (const session of sessions) await session.close();
  return out;
}

async function serve(rt: RuntimeModule, options: { host: string; unixDir?: string }): Promise<Addresses> {
  const tcp = (): Address => ({ transport: "tcp", host: options.host, port: 0 });
  const unix = (name: string): Address => ({ transport: "unix", path: `${options.unixDir}/${name}.sock` });
  const transports: Array<["tcp" | "unix", (name: string) => Address]> = [["tcp", tcp]];
  if (options.unixDir !== undefined) transports.push(["unix", unix]);
  const out: Addresses = { sockframe: {}, sockframeKept: {}, sockframeStream: {}, sockframeStreamEcho: {}, raw: {}, rawFramed: {}, rawSink: {} };
  for (const [transport, at] of transports) {
    // The echo handler of docs/api.md, as a user writes it: each body released once sent.
    const echo = await rt.adapter.listen(at("sf"), async (connection: Connection) => {
      for await (const { header, body } of connection) {
        await connection.send({ id: header.id }, body);
        connection.release(body);
      }
    });
    // The same without release(): every body fresh memory.
    const kept = await rt.adapter.listen(at("sfk"), async (connection: Connection) => {
      for await (const { header, body } of connection) await connection.send({ id: header.id }, body);
    });
    const sink = await rt.adapter.listen(
      at("sfs"),
      async (connection: Connection) => {
        for await (const { header, body } of connection.receiveStreams()) {
          let received = 0;
          const reader = body.getReader();
          for (let r = await reader.read(); !r.done; r = await reader.read()) {
            received += r.value.length;
            connection.release(r.value);
          }
          await connection.send({ id: header.id, received });
        }
      },
      { streamBodies: true },
    );
    const streamedEcho = await rt.adapter.listen(
      at("sfe"),
      async (connection: Connection) => {
        for await (const { header, body } of connection.receiveStreams()) await connection.sendStream({ id: header.id }, header.total_size, passing(connection, body));
      },
      { streamBodies: true },
    );
    out.sockframe[transport] = echo.address;
    out.sockframeKept[transport] = kept.address;
    out.sockframeStreamEcho[transport] = streamedEcho.address;
    out.sockframeStream[transport] = sink.address;
    out.raw[transport] = (await rt.raw.listenEcho(at("raw"))).address;
    out.rawFramed[transport] = (await rt.raw.listenWith(at("rawf"), framedEchoServer)).address;
    out.rawSink[transport] = (await rt.raw.listenSink(at("rawsink"))).address;
    if (rt.ws !== undefined) {
      out.ws ??= {};
      out.ws[transport] = (await rt.ws.listenEcho(at("ws"))).url;
    }
  }
  return out;
}

/** Receives one streamed frame into `out` (a file), answers with the count, and exits. */
async function receiveFile(rt: RuntimeModule, options: { address: Address; out: string }): Promise<{ received: number }> {
  const { open } = await import("node:fs/promises");
  let finished!: (received: number) => void;
  const done = new Promise<number>((resolve) => (finished = resolve));
  const server = await rt.adapter.listen(
    options.address,
    async (connection: Connection) => {
      for await (const { header, body } of connection.receiveStreams()) {
        const file = await open(options.out, "w");
        let received = 0;
        const reader = body.getReader();
        for (let r = await reader.read(); !r.done; r = await reader.read()) {
          await file.write(r.value);
          received += r.value.length;
          connection.release(r.value);
        }
        await file.close();
        await connection.send({ id: header.id, received });
        finished(received);
      }
    },
    { streamBodies: true },
  );
  console.log(`ready ${JSON.stringify(server.address)}`);
  const received = await done;
  await server.close();
  return { received };
}

const FILE_READ_SIZE = 256 * 1024;

/** Streams the file at `path` as the body of one frame. */
async function sendFile(rt: RuntimeModule, options: { address: Address; path: string }): Promise<{ sent: number; ms: number }> {
  const { open } = await import("node:fs/promises");
  const file = await open(options.path, "r");
  const size = (await file.stat()).size;
  const connection = await rt.adapter.connect(options.address);
  const replies = connection[Symbol.asyncIterator]();
  // Each buffer is read into again once the connection has written it (onWritten, as docs/api.md
  // advises); a new one only while all are still queued.
  const free: Uint8Array[] = [];
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (;;) {
      const buffer = free.pop() ?? new Uint8Array(FILE_READ_SIZE);
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  }
  const onWritten = (chunk: Uint8Array) => free.push(new Uint8Array(chunk.buffer, 0, FILE_READ_SIZE));
  const started = performance.now();
  await connection.sendStream({ filename: "bench.bin" }, size, chunks(), { onWritten });
  const reply = await replies.next();
  const ms = performance.now() - started;
  await file.close();
  if (reply.done || reply.value.header.received !== size) throw new Error(`receiver got ${JSON.stringify(reply.value?.header)} of ${size}`);
  await connection.close();
  return { sent: size, ms };
}

async function main(): Promise<void> {
  const [command, json] = process.argv.slice(2);
  // Diagnostics: SF_MEMLOG=1 logs memory every 250 ms to stderr; SF_MEMLOG=gc also collects first
  // (run with --expose-gc): what is left then is live, the rest was garbage not yet collected.
  if (process.env.SF_MEMLOG) {
    setInterval(() => {
      if (process.env.SF_MEMLOG === "gc") (globalThis as { gc?: () => void }).gc?.();
      const m = process.memoryUsage();
      console.error(`${command} rss ${(m.rss / 2 ** 20).toFixed(0)} heap ${(m.heapUsed / 2 ** 20).toFixed(0)}/${(m.heapTotal / 2 ** 20).toFixed(0)} external ${(m.external / 2 ** 20).toFixed(0)} ab ${(m.arrayBuffers / 2 ** 20).toFixed(0)}`);
    }, 250).unref?.();
  }
  const args = JSON.parse(json ?? "{}");
  const rt = await loadRuntime();
  switch (command) {
    case "serve":
      // A clean exit on the bench's SIGTERM (so that --cpu-prof and the like write their files).
      if (runtime !== "deno") process.on("SIGTERM", () => process.exit(0));
      console.log(`ready ${JSON.stringify({ runtime, addresses: await serve(rt, args), bufferutil: rt.ws?.bufferutil })}`);
      return; // the servers keep the process alive until the bench stops it
    case "client":
      console.log(`result ${JSON.stringify(await client(rt, args))}`);
      process.exit(0);
      break;
    case "recv-file":
    case "send-file":
      console.log(`result ${JSON.stringify(command === "recv-file" ? await receiveFile(rt, args) : await sendFile(rt, args))}`);
      // Stay until stopped: the bench reads our peak RSS (VmHWM) from /proc/PID/status first.
      if (runtime !== "deno") process.on("SIGTERM", () => process.exit(0));
      setInterval(() => undefined, 60_000);
      break;
    default:
      throw new Error(`unknown command ${command}`);
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
