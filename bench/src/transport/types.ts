// What a transport-bench peer needs of a runtime: its sockframe adapter, and raw sockets of the same
// runtime (no framing) to compare it with. One implementation per runtime: rt-node.ts, rt-deno.ts,
// rt-bun.ts.
import type { Address, Connection, ConnectionHandler, Server } from "@sockframe/connection";

export type Runtime = "node" | "deno" | "bun";

export const runtime: Runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";

/** The part of an adapter the bench uses: the API @sockframe/node, /deno and /bun share. */
export interface Adapter {
  listen(address: string | Address, handler: ConnectionHandler, options?: { streamBodies?: boolean }): Promise<Server>;
  connect(address: string | Address, options?: { streamBodies?: boolean }): Promise<Connection>;
}

/** A raw client socket: octets in, octets out, nothing else. */
export interface RawConn {
  /** Called with every read; the chunk is valid during the call only. */
  onData: (chunk: Uint8Array) => void;
  /** One write call of the runtime, in order; never drops octets (queued if the kernel is full). */
  write(bytes: Uint8Array): void;
  /** Resolves once the runtime's own write queue is short again (write backpressure). */
  drained(): Promise<void>;
  /** Sends FIN after what was written. */
  end(): void;
  close(): void;
}

export interface RawServer {
  address: Address;
  close(): void;
}

export interface Raw {
  connect(address: Address): Promise<RawConn>;
  /** Echoes every read back with one write. */
  listenEcho(address: Address): Promise<RawServer>;
  /** Counts octets until the peer's FIN, then answers with the count (8 octets, big-endian) and closes. */
  listenSink(address: Address): Promise<RawServer>;
  /** Hands each accepted connection, as a RawConn, to `onConn` (it sets onData). */
  listenWith(address: Address, onConn: (conn: RawConn) => void): Promise<RawServer>;
}

/** A WebSocket echo (ws on Node only). */
export interface WsClient {
  onMessage: (data: Uint8Array) => void;
  send(data: Uint8Array): void;
  close(): void;
}

export interface Ws {
  listenEcho(address: Address): Promise<{ url: string; close(): void }>;
  connect(url: string): Promise<WsClient>;
  /** Whether ws found bufferutil (native masking). */
  bufferutil: boolean;
}

export interface RuntimeModule {
  adapter: Adapter;
  raw: Raw;
  ws?: Ws;
}

export async function loadRuntime(): Promise<RuntimeModule> {
  if (runtime === "node") return (await import("./rt-node.ts")).load();
  // Not a literal: the bundler of the Node peer and the type checker must not follow the others.
  const module = `./rt-${runtime}.ts`;
  return ((await import(module)) as { load(): Promise<RuntimeModule> }).load();
}
