/**
 * The live half's target, in a child process of its own: one @sockframe/node server per entry of
 * SERVERS on 127.0.0.1:0, each with an echo handler. A crash shows as this process exiting; its
 * memory is reported (after a GC when --expose-gc is on) when the parent asks over IPC.
 */
import { concatBytes, iterateBytes } from "@sockframe/codec";
import { type Connection, isSockframeError, listen, type OutgoingHeader, type Server } from "@sockframe/node";
import { SCENARIO_SERVERS, SERVERS, type ServerSpec } from "./servers.ts";

export type ServerMessage =
  | { type: "ready"; ports: number[] }
  | { type: "mem"; id: number; rss: number; heapUsed: number; external: number; arrayBuffers: number; connections: number[]; stats: ServerStats };
export type ParentMessage = { type: "mem"; id: number } | { type: "stop" };

export interface ServerStats {
  connections: number;
  echoes: number;
  /** Decode errors that ended connections, by code (the server answered each with an error frame). */
  protocolErrors: Record<string, number>;
  /** Other ways handlers ended (deadline errors, sends refused after an error, ...), by message. */
  handlerEnds: Record<string, number>;
}

const stats: ServerStats = { connections: 0, echoes: 0, protocolErrors: {}, handlerEnds: {} };

function count(table: Record<string, number>, key: string): void {
  table[key] = (table[key] ?? 0) + 1;
}

async function readAll(body: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of iterateBytes(body)) parts.push(part.slice());
  return concatBytes(parts);
}

const leaked: Uint8Array[] = [];

/** Self-test hook of the harness (SOCKFRAME_FUZZ_INJECT, see README): a fault from the 30th connection on. */
async function injectFault(): Promise<void> {
  const fault = process.env.SOCKFRAME_FUZZ_INJECT;
  if (fault === "server-crash") setImmediate(() => {
    throw new Error("injected crash");
  });
  if (fault === "server-stall") await new Promise(() => undefined);
  if (fault === "server-leak") leaked.push(new Uint8Array(4 * 1024 * 1024).fill(1));
}

/** Echoes every frame that is not an error frame: header {n, id}, the same body. */
function echo(spec: ServerSpec) {
  return async (connection: Connection): Promise<void> => {
    stats.connections++;
    if (stats.connections >= 30) await injectFault();
    void connection.closed.then((info) => {
      if (info.protocolError !== null) count(stats.protocolErrors, info.protocolError.code);
    });
    let n = 0;
    const reply = async (header: { id?: string | number; error?: unknown }, body: Uint8Array) => {
      if (header.error !== undefined) return;
      const out: OutgoingHeader = { n: n++ };
      if (header.id !== undefined) out.id = header.id;
      await connection.send(out, body);
      stats.echoes++;
    };
    try {
      if (spec.streamBodies) {
        for await (const frame of connection.receiveStreams()) await reply(frame.header, await readAll(frame.body));
      } else {
        for await (const frame of connection) await reply(frame.header, frame.body);
      }
      count(stats.handlerEnds, "clean");
    } catch (error) {
      count(stats.handlerEnds, isSockframeError(error) ? `decode error ${error.code}` : String((error as Error).message).replace(/ within \d+ ms| \d+.*$/, ""));
    }
  };
}

function die(what: string, error: unknown): never {
  process.stderr.write(`fuzz server: ${what}: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(70);
}
process.on("uncaughtException", (error) => die("uncaught exception", error));
process.on("unhandledRejection", (error) => die("unhandled rejection", error));

/** Takes a frame, then works for a second before taking the next. */
function slow() {
  return async (connection: Connection): Promise<void> => {
    try {
      for await (const _frame of connection) await new Promise((resolve) => setTimeout(resolve, 1000));
    } catch {
      // The scenario hangs up on us.
    }
  };
}

const servers: Server[] = await Promise.all(
  [...SERVERS, ...SCENARIO_SERVERS].map((spec, i) => {
    const { name: _name, stall: _stall, streamBodies, ...options } = spec;
    return listen("127.0.0.1:0", i < SERVERS.length ? echo(spec) : slow(), { ...options, streamBodies, shutdownTimeoutMs: 2000 });
  }),
);
const send = (message: ServerMessage) => process.send!(message);
send({ type: "ready", ports: servers.map((s) => (s.address as { port: number }).port) });

process.on("message", (message: ParentMessage) => {
  if (message.type === "mem") {
    (globalThis as { gc?: () => void }).gc?.();
    const usage = process.memoryUsage();
    send({
      type: "mem",
      id: message.id,
      rss: usage.rss,
      heapUsed: usage.heapUsed,
      external: usage.external,
      arrayBuffers: usage.arrayBuffers,
      connections: servers.map((s) => s.connections),
      stats,
    });
  } else if (message.type === "stop") {
    void Promise.all(servers.map((s) => s.close())).then(() => process.exit(0));
  }
});
// The parent went away: do not linger.
process.on("disconnect", () => process.exit(0));
