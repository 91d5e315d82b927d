/**
 * The server side of the hardening scenarios: an upper-casing echo server on the runtime's own
 * adapter, which counts everything it sees and answers a few control ops:
 *
 *   {"op":"upper"}            reply {"id","op":"upper"} with the body's a-z upper-cased
 *   {"op":"stats","mark"?}    reply with this server's figures as a JSON body; mark: true resets the
 *                             memory baseline and peak (taken after warm-up, before the load)
 *   {"op":"slow"}             reply {"id","op":"slow"} after 10 ms (a slow handler)
 *   {"op":"hangup"}           no reply: the handler returns, so the server closes the connection
 *   {"op":"flood","mib":N}    write N fresh 1 MiB frames to this connection (a peer that does not
 *                             read them must cost bounded memory and be dropped)
 *   {"op":"shutdown"}         reply, then server.close(); once it resolves, print the final figures
 *                             as one JSON line on stdout and exit
 *
 * stdout: first line {"listening": url}, last line {"final": Stats}. Nothing else.
 */
import process from "node:process";
import type { Connection, DeadlineError, Server } from "@sockframe/connection";
import { type Adapter, asciiUpper, encoder, errorText, MiB, round, rss, runtime, type Scenario, SERVER_OPTIONS, sleep } from "./common.ts";

/** A server process never outlives this, whatever happens. */
const PROCESS_DEADLINE_MS = 150_000;

/** By name: the adapter under test may load its own copy of @sockframe/connection. */
const isDeadlineError = (error: unknown): error is DeadlineError => (error as { name?: unknown } | null)?.name === "DeadlineError";
/** How a connection's iteration ends when a reset (or a close without FIN) cuts a frame off: no decode error. */
const CUT = "cut mid-frame";
const isCut = (connection: Connection, error: unknown): boolean => error === connection.socketError || (error as { name?: unknown; code?: unknown } | null)?.code === "CLOSED";
const SAMPLE_MS = 25;

export interface Flood {
  requestedMiB: number;
  /** MiB handed to connection.send() and accepted (queued or written) before the connection ended. */
  acceptedMiB: number;
  outcome: string;
  /** From the flood request to the connection's close. */
  closedAfterMs: number | null;
}

export interface ServerStats {
  runtime: string;
  scenario: Scenario;
  options: object;
  baselineRssMiB: number;
  rssMiB: number;
  peakRssMiB: number;
  growthMiB: number;
  connections: number;
  /** The most connections open at once (the stats connections included). */
  peakConnections: number;
  accepted: number;
  rejectedConnections: number;
  /** How each finished connection ended, as its handler saw it: "clean", a protocol error code, TIMEOUT, a socket error. */
  endings: Record<string, number>;
  /** Socket errors the finished connections reported (ECONNRESET for a peer's reset, ...). */
  socketErrors: Record<string, number>;
  /** Upper requests taken from the connections by handlers. */
  handled: number;
  /** Replies whose send() resolved. */
  repliesSent: number;
  replyFailures: number;
  /** connection.refusedFrames summed over every connection (closed ones and live ones). */
  refusedFrames: number;
  floods: Flood[];
  /** Live handlers by what they wait for ("reading": the next frame; "sending": send() to resolve). */
  handlers: Record<string, number>;
  uptimeMs: number;
  closeMs: number | null;
}

export async function serve(adapter: Adapter, scenario: Scenario, address: string): Promise<void> {
  const deadline = setTimeout(() => {
    console.error(`hardening server: still running after ${PROCESS_DEADLINE_MS} ms, exiting`);
    process.exit(3);
  }, PROCESS_DEADLINE_MS);
  const started = performance.now();
  const options = SERVER_OPTIONS[scenario];
  let server: Server | null = null;
  let baseline = rss();
  let peak = baseline;
  let peakConnections = 0;
  let accepted = 0;
  let handled = 0;
  let repliesSent = 0;
  let replyFailures = 0;
  let refusedClosed = 0;
  let closeMs: number | null = null;
  const endings: Record<string, number> = {};
  const socketErrors: Record<string, number> = {};
  const live = new Set<Connection>();
  /** What each live handler is doing: waiting for a frame, or waiting in send(). */
  const doing = new Map<Connection, "reading" | "sending">();
  const floods: Flood[] = [];
  const sampler = setInterval(() => {
    peak = Math.max(peak, rss());
  }, SAMPLE_MS);

  const stats = (): ServerStats => {
    const now = rss();
    peak = Math.max(peak, now);
    let refused = refusedClosed;
    for (const connection of live) refused += connection.refusedFrames;
    return {
      runtime,
      scenario,
      options,
      baselineRssMiB: round(baseline / MiB),
      rssMiB: round(now / MiB),
      peakRssMiB: round(peak / MiB),
      growthMiB: round((peak - baseline) / MiB),
      connections: server?.connections ?? 0,
      peakConnections,
      accepted,
      rejectedConnections: server?.rejectedConnections ?? 0,
      endings: { ...endings },
      socketErrors: { ...socketErrors },
      handled,
      repliesSent,
      replyFailures,
      refusedFrames: refused,
      floods: floods.map((flood) => ({ ...flood })),
      handlers: [...doing.values()].reduce<Record<string, number>>((counts, state) => ({ ...counts, [state]: (counts[state] ?? 0) + 1 }), {}),
      uptimeMs: Math.round(performance.now() - started),
      closeMs,
    };
  };

  const shutdown = async () => {
    const begun = performance.now();
    await server!.close();
    closeMs = Math.round(performance.now() - begun);
    clearInterval(sampler);
    clearTimeout(deadline);
    console.log(JSON.stringify({ final: stats() }));
    process.exit(0);
  };

  const flood = async (connection: Connection, id: unknown, mib: number) => {
    const record: Flood = { requestedMiB: mib, acceptedMiB: 0, outcome: "all accepted", closedAfterMs: null };
    floods.push(record);
    const begun = performance.now();
    void connection.closed.then(() => (record.closedAfterMs = Math.round(performance.now() - begun)));
    for (let i = 0; i < mib; i++) {
      // A fresh buffer per frame: were the connection to hold every one of them, memory would show it.
      const body = new Uint8Array(MiB).fill(0x61 + (i % 26));
      try {
        await connection.send({ id: id as number, op: "flood", seq: i }, body);
        record.acceptedMiB++;
      } catch (error) {
        record.outcome = `send failed: ${errorText(error)}`;
        return;
      }
    }
  };

  const handle = async (connection: Connection) => {
    accepted++;
    live.add(connection);
    peakConnections = Math.max(peakConnections, live.size);
    let ending = "clean";
    doing.set(connection, "reading");
    try {
      for await (const { header, body } of connection) {
        if (header.error !== undefined) continue; // SPEC 7.3: never answer an error frame
        const op = header["op"];
        if (op === "upper") {
          handled++;
          // The shutdown scenario's handlers take a little time per frame, so that frames are in flight.
          if (scenario === "shutdown") await sleep(0);
          try {
            doing.set(connection, "sending");
            await connection.send({ id: header.id, op: "upper" }, asciiUpper(body));
            doing.set(connection, "reading");
            repliesSent++;
          } catch {
            // The connection was dropped while we replied (a peer that does not read: write stall).
            replyFailures++;
            ending = "dropped while replying";
            break;
          }
        } else if (op === "slow") {
          // A slow handler: 10 ms per request.
          await sleep(10);
          await connection.send({ id: header.id, op: "slow" });
        } else if (op === "hangup") {
          // The handler ends without answering: the server closes the connection (requests queued behind go unanswered).
          break;
        } else if (op === "stats") {
          if (header["mark"] === true) {
            baseline = rss();
            peak = baseline;
          }
          await connection.send({ id: header.id }, encoder.encode(JSON.stringify(stats())));
        } else if (op === "flood") {
          await flood(connection, header.id, Number(header["mib"]));
        } else if (op === "shutdown") {
          await connection.send({ id: header.id, ok: true });
          void shutdown();
        } else {
          await connection.send({ id: header.id, error: { code: "UNKNOWN_OP", message: `unknown op ${JSON.stringify(op)}` } });
        }
      }
    } catch (error) {
      ending = connection.protocolError?.code ?? (isDeadlineError(error) ? error.code : isCut(connection, error) ? CUT : `error ${errorText(error)}`);
    } finally {
      doing.delete(connection);
      void connection.closed.then((info) => {
        if (info.socketError !== null) {
          const code = (info.socketError as { code?: string }).code ?? info.socketError.message;
          socketErrors[code] = (socketErrors[code] ?? 0) + 1;
        }
        live.delete(connection);
        refusedClosed += connection.refusedFrames;
        endings[ending] = (endings[ending] ?? 0) + 1;
      });
    }
  };

  server = await adapter.listen(address, handle, options);
  console.log(JSON.stringify({ listening: server.url, runtime, pid: process.pid }));
}
