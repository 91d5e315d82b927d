import type { HashFactories } from "@sockframe/codec";

/** What a connection hears from its socket. The adapter calls these in order, and nothing after close. */
export interface ByteStreamEvents {
  /**
   * Octets read. The connection may keep `chunk` (decoded bodies are views of it), so the adapter
   * must not reuse its memory: a fresh buffer per read. Unless this returns true: then nothing of
   * `chunk` was kept (its octets were parsed or copied into bodies), and its memory is the
   * adapter's again, to reuse or free.
   */
  data(chunk: Uint8Array): boolean | void;
  /**
   * For adapters that choose the buffer each read fills (Deno's conn.read, Node's onread): a view
   * to read the next octets straight into, saving a copy (the rest of a large body being
   * gathered), or null, meaning read into a fresh buffer and call data(). Ask before every read.
   */
  readTarget?(): Uint8Array | null;
  /** `count` octets (at least 1) were read into the view readTarget() returned, in place of data(). */
  dataInTarget?(count: number): void;
  /**
   * For the same adapters: while a streamed body has more than a few KiB still to come, a buffer of
   * its own (new, or one the caller handed back) to read the next octets into and pass on to
   * data() whole, rather than copying the read out of a reused buffer; else null. The connection
   * keeps what it is given of it, so never reuse it after data().
   */
  freshBuffer?(): Uint8Array | null;
  /** The peer finished sending (EOF, FIN). Writing may still be possible (half-close). */
  end(): void;
  /** The socket is closed in both directions, for whatever reason; `error` if it failed. */
  close(error?: Error): void;
}

/**
 * A socket as a runtime adapter presents it: it only moves octets and honours backpressure. Every
 * protocol decision lives in Connection. One implementation per runtime (Node `net`, Deno.Conn,
 * Bun's socket), passed in explicitly: there is no global factory.
 */
export interface ByteStream {
  /** Starts reading; called once. */
  start(events: ByteStreamEvents): void;
  /**
   * Writes chunks in order, in as few system calls as the runtime allows (writev, cork, or one
   * coalesced buffer for small chunks). Resolves once every octet was handed to the OS; rejects if
   * the socket fails or is destroyed first. The adapter keeps chunks it could not write yet and
   * never drops them.
   */
  write(chunks: readonly Uint8Array[]): Promise<void>;
  /** Stops reading from the socket (read backpressure): the peer's sends then back up. */
  pause(): void;
  /** Resumes reading. */
  resume(): void;
  /** Sends FIN after every pending write has been handed to the OS; reading may go on. */
  closeWrite(): Promise<void>;
  /** Closes both directions at once, dropping what is unwritten (graceful callers closeWrite first). */
  destroy(): void;
  /**
   * Runs `flush` once the current tick's work is done: after every promise continuation that the
   * read or call in progress set off, so that the frames a handler sends for a whole chunk share one
   * write. Node and Deno: process.nextTick (called from a microtask, it runs once the microtasks
   * have drained); Bun, whose nextTick runs before pending microtasks: setImmediate. Without it the
   * connection flushes after one microtask, and a handler that awaits each send() writes each frame
   * on its own.
   */
  afterTick?(flush: () => void): void;
  /** Local and remote address, as text, for logs. */
  readonly localAddress: string;
  readonly remoteAddress: string;
}

/** The runtime's fastest digests, when it has native ones (node:crypto on Node and Bun). */
export interface RuntimeServices {
  hashes?: HashFactories;
}
