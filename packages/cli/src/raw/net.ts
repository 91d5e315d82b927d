// Raw (unframed) sockets over node:net, for the seed profile: the tutorial's programs exchange
// bare text with recv(1024), which no framed Connection can speak. The adapters' public API only
// hands out framed connections, so raw sockets use node:net directly; Deno and Bun both implement
// node:net (checked on Deno 2.9 and Bun 1.4), which keeps this one code path on every runtime.
import * as fs from "node:fs/promises";
import * as net from "node:net";
import { type Address, formatAddress } from "@sockframe/connection";
import { connectTimedOut } from "../connect.ts";

export type StreamAddress = Exclude<Address, { transport: "udp" }>;

/** A listening raw socket server. */
export interface RawServer {
  readonly url: string;
  /** Stops accepting, ends every open socket once its writes are flushed, and waits (at most `timeoutMs`). */
  close(timeoutMs?: number): Promise<void>;
}

async function clearStaleUnixSocket(path: string): Promise<void> {
  const stat = await fs.lstat(path).catch(() => null);
  if (stat === null) return;
  if (!stat.isSocket()) throw Object.assign(new Error(`${path} exists and is not a socket`), { code: "EEXIST" });
  const live = await new Promise<boolean>((resolve) => {
    const probe = net.createConnection({ path });
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
  if (live) throw Object.assign(new Error(`address in use by a live server: unix:${path}`), { code: "EADDRINUSE" });
  await fs.unlink(path);
}

export async function listenRaw(address: StreamAddress, onSocket: (socket: net.Socket) => void): Promise<RawServer> {
  if (address.transport === "unix") await clearStaleUnixSocket(address.path);
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    if (address.transport === "tcp") socket.setNoDelay(true);
    onSocket(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    const done = () => {
      server.off("error", reject);
      resolve();
    };
    if (address.transport === "unix") server.listen({ path: address.path }, done);
    else server.listen({ host: address.host, port: address.port }, done);
  });
  server.on("error", () => undefined);
  const info = server.address();
  const bound: StreamAddress = info !== null && typeof info === "object" ? { transport: "tcp", host: info.address, port: info.port } : address;
  return {
    url: formatAddress(bound),
    async close(timeoutMs = 5000) {
      server.close();
      for (const socket of sockets) socket.end();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const all = Promise.all([...sockets].map((socket) => new Promise((resolve) => socket.once("close", resolve))));
      await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
    },
  };
}

/** Connects, giving up after `timeoutMs` (the OS alone would try for about two minutes). */
export function connectRaw(address: StreamAddress, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = address.transport === "unix"
      ? net.createConnection({ path: address.path, allowHalfOpen: true })
      : net.createConnection({ host: address.host, port: address.port, allowHalfOpen: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(connectTimedOut(address, timeoutMs));
    }, timeoutMs);
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      socket.on("error", () => undefined);
      resolve(socket);
    });
  });
}

/**
 * Pull-style reads from a socket, like Python's recv(): `readSome()` returns what one read gave
 * (null at end of stream), `readExactly(n)` waits for n octets. Reading pauses while nobody asks.
 */
export class SocketReader {
  readonly #socket: net.Socket;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #ended = false;
  #error: Error | null = null;
  #wake: (() => void) | null = null;

  constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on("data", (chunk: Uint8Array) => {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      socket.pause();
      this.#notify();
    });
    socket.once("end", () => {
      this.#ended = true;
      this.#notify();
    });
    socket.once("close", () => {
      this.#ended = true;
      this.#notify();
    });
    socket.once("error", (error) => {
      this.#error = error;
      this.#notify();
    });
    socket.pause();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  async #fill(): Promise<boolean> {
    while (this.#buffered === 0) {
      if (this.#error !== null) throw this.#error;
      if (this.#ended) return false;
      const waiting = new Promise<void>((resolve) => (this.#wake = resolve));
      this.#socket.resume();
      await waiting;
    }
    return true;
  }

  /** Whatever is available (at most `max` octets), waiting for at least one; null at end of stream. */
  async readSome(max = Number.MAX_SAFE_INTEGER): Promise<Uint8Array | null> {
    if (!(await this.#fill())) return null;
    const first = this.#chunks[0]!;
    if (first.length <= max) {
      this.#chunks.shift();
      this.#buffered -= first.length;
      return first;
    }
    this.#chunks[0] = first.subarray(max);
    this.#buffered -= max;
    return first.subarray(0, max);
  }

  /** Exactly `size` octets, or null if the stream ends first (after `received` of them). */
  async readExactly(size: number): Promise<Uint8Array | null> {
    const out = new Uint8Array(size);
    let at = 0;
    while (at < size) {
      const chunk = await this.readSome(size - at);
      if (chunk === null) return null;
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }
}
