import type { ByteStreamEvents } from "./byte-stream.ts";
import { freeNow } from "./pass-on-read.ts";

/** Octets asked for per read into a buffer of our own. */
export const READ_SIZE: number = 64 * 1024;

/** A read at most this large is copied out, so the read buffer can be reused instead of pinned. */
export const COPY_BELOW: number = READ_SIZE / 4;

/**
 * The largest fresh buffer a streamed body is read into. A Deno receiver of 256 MiB bodies over a
 * Unix socket then read ~220 KiB per read instead of 64 KiB; a body stream holds at most four
 * chunks (Connection's highWaterMark), about 1 MiB of them.
 */
export const STREAM_READ_SIZE: number = 256 * 1024;

/** A fresh buffer is handed on only if the read filled at least this share of it, else copied out (and reused). */
const FRESH_PIN_RATIO = 4;

/**
 * The buffers for an adapter whose reads fill a buffer it chooses (Deno's conn.read, node:net's
 * `onread`): the connection's read target while it gathers a large body (the octets land in place,
 * the kernel's copy the only one), else a read buffer.
 *
 * A connection's own read buffers: a small one (COPY_BELOW octets, every read copied out of it)
 * while the peer sends little or nothing, and a READ_SIZE one from the read after one that filled
 * its buffer (more is waiting) until a read leaves it unfilled. The large one is reused only when
 * the connection says it kept nothing of the last read (it keeps views of what it is given), and
 * dropped when the octets stop: an idle connection holds the small buffer only (1,000 idle Deno
 * connections held 66 MiB with a READ_SIZE buffer each, pending in conn.read()).
 *
 * While a streamed body's octets flow (a read filled its buffer and the connection has a buffer for
 * more of the body: freshBuffer()), reads go into the connection's buffers, up to STREAM_READ_SIZE,
 * handed on whole: the body's chunks are those buffers, not copies out of a reused one, and there
 * are fewer, larger reads.
 *
 * `shared`: one read buffer for many connections instead, every read into it copied out (the copy
 * freed at once when the connection kept nothing of it), so that an idle connection holds no read
 * buffer at all. Only for adapters that deliver each read before the next one can fill the buffer
 * (node:net's `onread`: its callback runs synchronously after each read), never for reads that
 * may be pending on several connections at once (Deno's conn.read).
 */
export class ReadBuffers {
  readonly #shared: Uint8Array | null;
  readonly #small: Uint8Array | null;
  #large: Uint8Array | null = null;
  /** A streamed body's read buffer, until handed on. */
  #fresh: Uint8Array | null = null;
  /** The last read filled its buffer, or brought READ_SIZE octets or more: more are waiting. */
  #busy = false;
  #target: Uint8Array | null = null;

  constructor(options: { shared?: Uint8Array } = {}) {
    this.#shared = options.shared ?? null;
    this.#small = this.#shared === null ? new Uint8Array(COPY_BELOW) : null;
  }

  /** The buffer the next read should fill. Ask before every read; `events` null before start(). */
  next(events: ByteStreamEvents | null): Uint8Array {
    this.#target = events?.readTarget?.() ?? null;
    if (this.#target !== null) return this.#target;
    if (this.#busy) {
      this.#fresh ??= events?.freshBuffer?.() ?? null;
      if (this.#fresh !== null) return this.#fresh;
    }
    if (this.#shared !== null) return this.#shared;
    return this.#busy ? (this.#large ??= new Uint8Array(READ_SIZE)) : this.#small!;
  }

  /**
   * Passes on `count` octets (at least 1) read into `buffer`, the buffer next() returned: to
   * dataInTarget() when it was the read target, else as a chunk to `data` (the connection's data()
   * or a holding place before start()).
   */
  deliver(events: ByteStreamEvents | null, buffer: Uint8Array, count: number, data: (chunk: Uint8Array) => boolean | void): void {
    // A read of READ_SIZE or more into a larger buffer counts too: the octets are flowing.
    this.#busy = count === buffer.length || count >= READ_SIZE;
    if (buffer === this.#target) {
      // Only a connection's events hand out a target, and they have dataInTarget.
      this.#target = null;
      events!.dataInTarget!(count);
    } else if (buffer === this.#fresh && count * FRESH_PIN_RATIO >= buffer.length) {
      if (data(buffer.subarray(0, count)) !== true) this.#fresh = null;
    } else if (count <= COPY_BELOW || buffer === this.#shared || buffer === this.#fresh) {
      // Freed at once when unused: left to the collector, copies this large come back as page faults.
      const copy = buffer.slice(0, count);
      if (data(copy) === true) freeNow(copy);
    } else if (data(buffer.subarray(0, count)) !== true) {
      this.#large = null;
    }
    if (!this.#busy) this.#large = this.#fresh = null;
  }
}
