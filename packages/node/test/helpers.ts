import { mkdtempSync, rmSync } from "node:fs";
import { createServer, connect as netConnect, type Server as NetServer, type Socket } from "node:net";
import { join } from "node:path";
import { type Address, type Connection, decodeAll, type Frame, type Header } from "../src/index.ts";
import type { OnreadBuffers } from "../src/net-byte-stream.ts";

export const utf8 = new TextEncoder();
export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
export const upper = (bytes: Uint8Array): Uint8Array => utf8.encode(text(bytes).toUpperCase());
export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A fresh directory under /tmp for Unix socket files (short paths: sun_path holds 107 octets). */
export function tempDir(): { path: (name: string) => string; remove: () => void } {
  const dir = mkdtempSync("/tmp/sf-");
  return { path: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Rejects if `promise` takes longer than `ms`: a hang becomes a readable failure. */
export function within<T>(ms: number, promise: Promise<T>, what = "operation"): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `condition` every 10 ms, failing after `ms`. */
export async function until(condition: () => boolean, ms = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${ms} ms`);
    await delay(10);
  }
}

/** A plain node:net client socket, connected. */
export function rawConnect(address: Address, options: { allowHalfOpen?: boolean } = {}): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket =
      address.transport === "unix"
        ? netConnect({ path: address.path, allowHalfOpen: options.allowHalfOpen ?? false })
        : netConnect({ host: address.host, port: address.port, allowHalfOpen: options.allowHalfOpen ?? false });
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
  });
}

/** Everything a raw socket receives until EOF. */
export function readToEnd(socket: Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.once("end", () => resolve(Buffer.concat(chunks)));
    socket.once("error", reject);
  });
}

/** Decodes a complete byte stream, failing on a decode error. */
export function framesOf(bytes: Uint8Array): Frame<Header>[] {
  const { frames, error } = decodeAll(bytes);
  if (error !== null) throw error;
  return frames;
}

/** The next `count` frames of a connection. */
export async function take(connection: Connection, count: number): Promise<Frame<Header>[]> {
  const frames: Frame<Header>[] = [];
  if (count === 0) return frames;
  for await (const frame of connection) {
    frames.push(frame);
    if (frames.length === count) break;
  }
  return frames;
}

/** A promise with its resolve function. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const pairServers = new Set<NetServer>();

/**
 * A connected client socket and the server's end of it, on loopback, both half-open. `onread`
 * goes to the client; `pauseOnConnect` to the server. Close the listening sockets with
 * closeSocketPairs() (in afterEach).
 */
export async function socketPair(
  options: { onread?: OnreadBuffers["option"]; pauseOnConnect?: boolean } = {},
): Promise<{ client: Socket; server: Socket; netServer: NetServer }> {
  const accepted = deferred<Socket>();
  const netServer = createServer({ allowHalfOpen: true, pauseOnConnect: options.pauseOnConnect ?? false }, (socket) => accepted.resolve(socket));
  pairServers.add(netServer);
  await new Promise<void>((resolve) => netServer.listen({ host: "127.0.0.1", port: 0 }, resolve));
  const { port } = netServer.address() as { port: number };
  const client = netConnect({ host: "127.0.0.1", port, allowHalfOpen: true, ...(options.onread && { onread: options.onread }) });
  await new Promise<void>((resolve, reject) => client.once("connect", resolve).once("error", reject));
  return { client, server: await accepted.promise, netServer };
}

export function closeSocketPairs(): void {
  for (const server of pairServers) server.close();
  pairServers.clear();
}
