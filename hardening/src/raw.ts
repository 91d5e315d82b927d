/**
 * Hostile peers: raw node:net sockets (node:net exists on Node, Deno and Bun), each playing one
 * kind of misbehaviour against the server, bounded in octets and in time, reporting what the
 * server did to it.
 */
import { connect as netConnect, type Socket } from "node:net";
import { concatBytes, decodeAll, encodeFrame } from "@sockframe/codec";
import { encoder, errorText, sleep, within } from "./common.ts";

export const HOSTILE_KINDS = ["garbage", "drip", "oversized", "nonreader", "reset"] as const;
export type HostileKind = (typeof HOSTILE_KINDS)[number];

export interface HostileResult {
  kind: HostileKind | "truncated" | "idle";
  variant: string;
  /** The error code the server is expected to send (null: none expected). */
  expected: string | null;
  /** The code of the error frame the server sent, if any. */
  errorCode: string | null;
  /** Frames the server sent other than the error frame. */
  otherFrames: number;
  /** The server closed the connection (FIN or reset) within the bound. */
  closedByServer: boolean;
  /** ms from the hostile act's start to the server's error frame / close. */
  cutMs: number | null;
  sentBytes: number;
  socketError: string | null;
  detail: string;
}

/** A raw socket that records what it receives and when the server ends it. */
export class RawPeer {
  readonly socket: Socket;
  readonly chunks: Uint8Array[] = [];
  firstDataAt: number | null = null;
  endedAt: number | null = null;
  closedAt: number | null = null;
  error: Error | null = null;
  sentBytes = 0;
  readonly closed: Promise<void>;

  constructor(socket: Socket, read: boolean) {
    this.socket = socket;
    if (read) {
      socket.on("data", (chunk: Uint8Array) => {
        this.firstDataAt ??= performance.now();
        this.chunks.push(new Uint8Array(chunk));
      });
    } else {
      socket.pause();
    }
    socket.on("end", () => (this.endedAt ??= performance.now()));
    socket.on("error", (error) => (this.error ??= error));
    this.closed = new Promise((resolve) =>
      socket.once("close", () => {
        this.closedAt = performance.now();
        resolve();
      }),
    );
  }

  static open(host: string, port: number, read = true): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = netConnect({ host, port });
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        socket.setNoDelay(true);
        resolve(new RawPeer(socket, read));
      });
    });
  }

  get isClosed(): boolean {
    return this.closedAt !== null || this.endedAt !== null;
  }

  /** Writes and waits for the socket to take the octets (false: the socket failed or is gone). */
  write(bytes: Uint8Array): Promise<boolean> {
    if (this.socket.destroyed || this.socket.writableEnded) return Promise.resolve(false);
    this.sentBytes += bytes.length;
    return new Promise((resolve) => this.socket.write(bytes, (error) => resolve(!error)));
  }

  /** The frames received, and the code of the first error frame among them. */
  received(): { errorCode: string | null; otherFrames: number; decodeError: string | null } {
    const { frames, error } = decodeAll(concatBytes(this.chunks));
    const errorFrame = frames.find((frame) => frame.header.error !== undefined);
    return {
      errorCode: errorFrame?.header.error?.code ?? null,
      otherFrames: frames.filter((frame) => frame.header.error === undefined).length,
      decodeError: error === null ? null : `${error.code}`,
    };
  }

  result(kind: HostileResult["kind"], variant: string, expected: string | null, startedAt: number, detail = ""): HostileResult {
    const { errorCode, otherFrames, decodeError } = this.received();
    const cutAt = this.firstDataAt ?? this.endedAt ?? this.closedAt;
    return {
      kind,
      variant,
      expected,
      errorCode,
      otherFrames,
      closedByServer: this.endedAt !== null || (this.closedAt !== null && this.error !== null),
      cutMs: cutAt === null ? null : Math.round(cutAt - startedAt),
      sentBytes: this.sentBytes,
      socketError: this.error === null ? null : errorText(this.error),
      detail: [detail, decodeError === null ? "" : `reply stream: ${decodeError}`].filter(Boolean).join("; "),
    };
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** The prefix: 4 octets, big-endian. */
function prefixed(header: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + header.length);
  new DataView(out.buffer).setUint32(0, header.length);
  out.set(header, 4);
  return out;
}

const CLOSE_BOUND_MS = 10_000;

/** Not sockframe at all: an HTTP request (its first 4 octets read as a huge prefix), or a prefix then non-JSON. */
export async function garbage(peer: RawPeer, index: number): Promise<HostileResult> {
  const started = performance.now();
  const http = index % 2 === 0;
  const bytes = http ? encoder.encode("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n") : prefixed(encoder.encode("{this is not json, just junk}"));
  await peer.write(bytes);
  await within(peer.closed, CLOSE_BOUND_MS, null);
  peer.destroy();
  return peer.result("garbage", http ? "http request" : "prefix + non-JSON", http ? "HEADER_TOO_LARGE" : "HEADER_INVALID_JSON", started);
}

/** A prefix announcing 4 GiB of header, or a header announcing a 1 TiB body. */
export async function oversized(peer: RawPeer, index: number): Promise<HostileResult> {
  const started = performance.now();
  const header = index % 2 === 0;
  const bytes = header
    ? Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x7b, 0x7d)
    : concatBytes([prefixed(encoder.encode(`{"op":"upper","total_size":${2 ** 40}}`)), new Uint8Array(1024)]);
  await peer.write(bytes);
  await within(peer.closed, CLOSE_BOUND_MS, null);
  peer.destroy();
  return peer.result("oversized", header ? "prefix FF FF FF FF" : "total_size 2^40", header ? "HEADER_TOO_LARGE" : "BODY_TOO_LARGE", started);
}

/** A valid frame, one octet every `everyMs`: never idle, but its header never completes in time. */
export async function drip(peer: RawPeer, everyMs = 20): Promise<HostileResult> {
  const frame = encodeFrame({ op: "upper", id: "drip", padding: "x".repeat(200) }, encoder.encode("never finished"));
  const started = performance.now();
  let octets = 0;
  for (; octets < frame.length && !peer.isClosed && peer.firstDataAt === null; octets++) {
    if (!(await peer.write(frame.subarray(octets, octets + 1)))) break;
    await sleep(everyMs);
  }
  await within(peer.closed, CLOSE_BOUND_MS, null);
  peer.destroy();
  return peer.result("drip", `1 octet / ${everyMs} ms`, "TIMEOUT", started, `${octets} of ${frame.length} octets dripped`);
}

/**
 * Sends upper requests as fast as the socket takes them and never reads a reply (the socket is
 * paused from the start), waiting for 'drain' whenever the socket is full, until the server drops
 * it, `maxBytes` are written, or `stop` resolves (the driver decides, from the server's own count
 * of dropped connections, when to stop waiting: a client runtime may not notice a reset on a socket
 * it does not read). No timer decides that the server "stopped reading": under load, a timer can
 * fire before a 'drain' that was on its way.
 */
export async function nonreader(peer: RawPeer, maxBytes: number, bodyBytes: number, stop: Promise<unknown>): Promise<HostileResult> {
  const started = performance.now();
  const body = new Uint8Array(bodyBytes).fill(0x62);
  let stopped = false;
  void stop.then(() => (stopped = true));
  const closed = peer.closed.then(() => true);
  const stopping = stop.then(() => false);
  let frames = 0;
  let waitingSince: number | null = null;
  while (peer.sentBytes < maxBytes && !peer.socket.destroyed && !stopped) {
    const frame = encodeFrame({ op: "upper", id: frames++ }, body);
    peer.sentBytes += frame.length;
    if (!peer.socket.write(frame)) {
      waitingSince = performance.now();
      const drained = await Promise.race([new Promise<boolean>((resolve) => peer.socket.once("drain", () => resolve(true))), closed, stopping]);
      if (drained !== true || peer.closedAt !== null) break;
      waitingSince = null;
    }
  }
  if (!stopped && peer.closedAt === null) await Promise.race([closed, stopping]);
  const dropped = peer.closedAt !== null;
  peer.destroy();
  const result = peer.result("nonreader", `${bodyBytes / 1024} KiB requests, never reads`, null, started);
  result.closedByServer = dropped;
  result.cutMs = dropped && waitingSince !== null ? Math.round(peer.closedAt! - waitingSince) : null;
  const blocked = waitingSince === null ? "never blocked" : `blocked (no drain) from ${Math.round(waitingSince - started)} ms`;
  result.detail = `${frames} requests, ${(peer.sentBytes / 1048576).toFixed(1)} MiB written; ${blocked}; ${dropped ? "close seen by this client" : "close not seen by this client (stopped by the driver)"}`;
  return result;
}

/** Half a frame, then a reset (RST where the runtime can send one, else an abrupt close). */
export async function reset(peer: RawPeer): Promise<HostileResult> {
  const started = performance.now();
  const frame = encodeFrame({ op: "upper", id: "reset" }, new Uint8Array(64 * 1024).fill(0x63));
  await peer.write(frame.subarray(0, frame.length >> 1));
  await sleep(100);
  const socket = peer.socket as Socket & { resetAndDestroy?: () => void };
  const how = typeof socket.resetAndDestroy === "function" ? "RST" : "destroy";
  if (how === "RST") socket.resetAndDestroy!();
  else socket.destroy();
  await within(peer.closed, CLOSE_BOUND_MS, null);
  const result = peer.result("reset", `half a frame, then ${how}`, null, started);
  result.closedByServer = false;
  return result;
}

/** Half a frame, then FIN: the server must answer TRUNCATED (SPEC 6.3) and close. */
export async function truncated(peer: RawPeer): Promise<HostileResult> {
  const started = performance.now();
  const frame = encodeFrame({ op: "upper", id: "truncated" }, new Uint8Array(4096).fill(0x64));
  await peer.write(frame.subarray(0, frame.length >> 1));
  peer.socket.end();
  await within(peer.closed, CLOSE_BOUND_MS, null);
  peer.destroy();
  return peer.result("truncated", "half a frame, then FIN", "TRUNCATED", started);
}

/** Connects and sends nothing: the server's idle timeout must close it. */
export async function idle(peer: RawPeer, boundMs: number): Promise<HostileResult> {
  const started = performance.now();
  await within(peer.closed, boundMs, null);
  peer.destroy();
  return peer.result("idle", "connects, sends nothing", null, started);
}
