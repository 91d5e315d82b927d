import type { ByteStreamEvents } from "./byte-stream.ts";

/** Octets asked for per read into a buffer of our own. */
export const READ_SIZE: number = 64 * 1024;

/** A read at most this large is copied out, so the read buffer can be reused instead of pinned. */
const COPY_BELOW = READ_SIZE / 4;

/**
 * The buffers for an adapter whose reads fill a buffer it chooses (Deno's conn.read, node:net's
 * `onread`): the connection's read target while it gathers a large body (the octets land in place,
 * the kernel's copy the only one), else a read buffer of our own. The connection keeps views of
 * what it is given, so a read buffer handed out is reused only when the connection says it kept
 * nothing of it: a small read is copied out instead, and the buffer kept for the next read.
 */
export class ReadBuffers {
  #buffer = new Uint8Array(READ_SIZE);
  #target: Uint8Array | null = null;

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
    } else if (count <= COPY_BELOW) {
      data(buffer.slice(0, count));
    } else if (data(buffer.subarray(0, count)) !== true) {
      this.#buffer = new Uint8Array(READ_SIZE);
    }
  }
}
