import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { afterAll } from "bun:test";

/** A private directory for Unix socket paths (short: /tmp/sf-XXXXXX), removed after the file's tests. */
export function socketDir(): string {
  const dir = mkdtempSync("/tmp/sf-");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Rejects if `promise` takes longer than `ms`: a hang fails with a message, not a runner timeout. */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `condition` every 5 ms, at most `ms`. */
export async function waitFor(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(5);
  }
}

export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
export const bytes = (value: string): Uint8Array => new TextEncoder().encode(value);

export function sha256Hex(...parts: Uint8Array[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest("hex");
}

/** Deterministic, position-dependent content: a reordered, dropped or repeated octet changes it. */
export function pattern(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 255;
    out[i + 1] = (x >>> 8) & 255;
    out[i + 2] = (x >>> 16) & 255;
    out[i + 3] = (x >>> 24) & 255;
  }
  return out;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

interface Closable {
  close(): Promise<unknown>;
}
interface ServerLike extends Closable {
  readonly connections: number;
}

/**
 * Tracks what a test opened and closes it afterwards: clients first, then each server once it has
 * seen its connections go (Server.close() pauses reading, and a paused socket never sees the
 * peer's close: see the report on Connection.stopReceiving()).
 */
export class Resources {
  #clients: Closable[] = [];
  #servers: ServerLike[] = [];

  client<T extends Closable>(client: T): T {
    this.#clients.push(client);
    return client;
  }

  server<T extends ServerLike>(server: T): T {
    this.#servers.push(server);
    return server;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.#clients.splice(0).map((client) => client.close()));
    const servers = this.#servers.splice(0);
    await waitFor(() => servers.every((server) => server.connections === 0), 3000, "servers to see their clients go").catch(() => undefined);
    await Promise.all(servers.map((server) => server.close()));
  }
}
