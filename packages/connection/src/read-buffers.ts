import type { ByteStreamEvents } from "./byte-stream.ts";
import { freeNow } from "./pass-on-read.ts";

/** Octets asked for per read into a buffer of our own. */
export const READ_SIZE: number = 64 * 1024;

/** A read at most this large is copied out, so the read buffer can be reused instead of pinned. */
const COPY_BELOW = READ_SIZE / 4;

/**
 * The buffers for an adapter whose reads fill a buffer it chooses (Deno's conn.read, node:net's
 * `onread`): the connection's read target while it gathers a large body (the octets land in place,
 * the kernel's copy the only one), else a read buffer. The connection keeps views of what it is
 * given, so a read buffer of the connection's own is reused only when the connection says it kept
 * nothing of it; a small read is copied out instead, and the buffer kept for the next read.
 *
 * `shared`: one read buffer for many connections, every read into it copied out (the copy freed
 * at once when the connection kept nothing of it), so that an idle connection holds no read buffer
 * at all (1,000 idle Node connections held ~50 MiB more with one each). Only for adapters that deliver each read before the next one can fill the buffer
 * (node:net's `onread`: its callback runs synchronously after each read), never for reads that
 * may be pending on several connections at once (Deno's conn.read).
 */
export class ReadBuffers {
  readonly #shared: Uint8Array | null;
  #buffer: Uint8Array;
  #target: Uint8Array | null = null;

  constructor(options: { shared?: Uint8Array } = {}) {
    this.#shared = options.shared ?? null;
    this.#buffer = this.#shared ?? new Uint8Array(READ_SIZE);
  }

  /** The buffer the next read should fill. Ask before every read; `events` null before start(). */
  next(events: ByteStreamEvents | null): Uint8Array {
    this.#target = events?.readTarget?.() ?? null;
    return this.#target ?? this.#buffer;
  }

  /**
   * Passes on `count` octets (at least 1) read into `buffer`, the buffer next() returned: to
   * dataInTarget() when it was the read target, else as a chunk to `data` (the connection's data()
   * or a holding place before start()).
   */
  deliver(events: ByteStreamEvents | null, buffer: Uint8Array, count: number, data: (chunk: Uint8Array) => boolean | void): void {
    if (buffer === this.#target) {
      // Only a connection's events hand out a target, and they have dataInTarget.
      this.#target = null;
      events!.dataInTarget!(count);
    } else if (count <= COPY_BELOW || buffer === this.#shared) {
      // Freed at once when unused: left to the collector, copies this large come back as page faults.
      const copy = buffer.slice(0, count);
      if (data(copy) === true) freeNow(copy);
    } else if (data(buffer.subarray(0, count)) !== true) {
      this.#buffer = new Uint8Array(READ_SIZE);
    }
  }
}
