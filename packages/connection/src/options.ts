import { decodeDatagram, FrameDecoder } from "@sockframe/codec";
import type { ConnectionOptions } from "./connection.ts";
import type { DatagramOptions } from "./datagram.ts";
import type { ServerOptions } from "./server.ts";

/** The longest delay a timer takes: a longer one fires at once on every runtime. */
export const MAX_TIMER_MS: number = 2 ** 31 - 1;

/** What an option holds, and the values it accepts. */
const KINDS = {
  count: { ok: (value: number) => Number.isSafeInteger(value) && value >= 1, range: "an integer >= 1" },
  size: { ok: (value: number) => Number.isSafeInteger(value) && value >= 0, range: "an integer >= 0" },
  ms: { ok: (value: number) => value >= 0 && value <= MAX_TIMER_MS, range: `a number of ms in 0..${MAX_TIMER_MS}` },
  rate: { ok: (value: number) => value >= 0 && Number.isFinite(value), range: "a finite number >= 0" },
} as const;
type Kind = keyof typeof KINDS;

const CONNECTION_FIELDS: Readonly<Record<string, Kind>> = {
  writeHighWaterMark: "size",
  maxQueuedFrames: "count",
  maxQueuedBytes: "size",
  closeTimeoutMs: "ms",
  headerTimeoutMs: "ms",
  bodyTimeoutMs: "ms",
  minBodyRate: "rate",
  idleTimeoutMs: "ms",
  maxWriteBufferBytes: "size",
  writeStallTimeoutMs: "ms",
};
const SERVER_FIELDS: Readonly<Record<string, Kind>> = { shutdownTimeoutMs: "ms", maxConnections: "count" };
const DATAGRAM_FIELDS: Readonly<Record<string, Kind>> = { maxQueuedFrames: "count", maxQueuedBytes: "size" };

function checkFields(options: object, fields: Readonly<Record<string, Kind>>): void {
  for (const name in fields) {
    const value: unknown = (options as Record<string, unknown>)[name];
    if (value === undefined) continue;
    const { ok, range } = KINDS[fields[name]!];
    if (typeof value !== "number" || !ok(value)) throw new RangeError(`${name} must be ${range}, got ${String(value)}`);
  }
}

/**
 * A connection's own options (flow control, deadlines), without the codec's: the connection's
 * decoder checks those. A value out of range is a programming error: a RangeError.
 */
export function checkOwnConnectionOptions(options: ConnectionOptions): void {
  checkFields(options, CONNECTION_FIELDS);
}

/**
 * Every option of a connection, the codec's too, for adapters to call before they open a socket:
 * an option out of range then fails connect() or listen() instead of leaking a socket or, for a
 * server, failing at each connection it accepts.
 */
export function checkConnectionOptions(options: ConnectionOptions): void {
  checkFields(options, CONNECTION_FIELDS);
  new FrameDecoder(options);
}

/** Every option of a server: its own, and its connections' (see checkConnectionOptions). */
export function checkServerOptions(options: ServerOptions): void {
  checkFields(options, SERVER_FIELDS);
  checkConnectionOptions(options);
}

/** Every option of a datagram endpoint, the codec's too (see checkConnectionOptions). */
export function checkDatagramOptions(options: DatagramOptions): void {
  checkFields(options, DATAGRAM_FIELDS);
  decodeDatagram(new Uint8Array(0), options);
}
