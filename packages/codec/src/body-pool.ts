/** Released buffers a decoder keeps at most: enough for the few bodies a connection has in flight. */
const MAX_FREE = 4;
/** ... and at most this many octets in all, so that an idle decoder holds little. */
const MAX_FREE_BYTES = 16 * 1024 * 1024;
/** A body may be given a released buffer at most this many times its own size. */
const MAX_SLACK = 2;

/**
 * The memory of bodies that span reads (FrameDecoder). Each is a buffer of its own, and a fresh
 * one costs far more than the copy into it: the runtime zero-fills it and, for large sizes, the
 * allocator maps new pages that fault in one by one, while a buffer used a moment ago is still in
 * cache. A caller done with a body may hand it back (release), and the next body of a fitting size
 * reuses its buffer. Only the bodies this pool lent out are taken back, each once: a view into a
 * pushed chunk, a foreign array, a subarray or a second release is ignored.
 */
export class BodyPool {
  readonly #free: ArrayBuffer[] = [];
  #freeBytes = 0;
  /**
   * The bodies lent and not released: release() accepts those very views only, so a second
   * release of a body whose memory already went to a later body is refused. Keyed by the view
   * alone: a map from buffer to body (a value holding its own key) had kept bodies' memory freed
   * so much later that decoding 1 MiB bodies nobody released ran at a tenth of the rate in the
   * bench's process.
   */
  readonly #lent = new WeakSet<Uint8Array>();

  /**
   * The index of the smallest released buffer that fits `size` octets, or -1. Of equal sizes, the
   * one released last (the free list is in release order): its octets are the likeliest still in
   * cache. Taking the oldest instead cycled an echo through every kept buffer, and its 1 MiB
   * bodies were read into and written from memory the cache had already let go.
   */
  #fit(size: number): number {
    let best = -1;
    for (let i = 0; i < this.#free.length; i++) {
      const length = this.#free[i]!.byteLength;
      if (length >= size && length <= size * MAX_SLACK && (best < 0 || length <= this.#free[best]!.byteLength)) best = i;
    }
    return best;
  }

  /** Whether take(size) would reuse released memory rather than allocate. */
  fits(size: number): boolean {
    return this.#fit(size) >= 0;
  }

  /** A buffer for a body of `size` octets, reused when one fits; its contents are not cleared. */
  take(size: number): Uint8Array {
    const best = this.#fit(size);
    let buffer: ArrayBuffer;
    if (best < 0) {
      buffer = new ArrayBuffer(size);
    } else {
      buffer = this.#free[best]!;
      this.#free.splice(best, 1);
      this.#freeBytes -= buffer.byteLength;
    }
    const body = new Uint8Array(buffer, 0, size);
    this.#lent.add(body);
    return body;
  }

  /** Whether release(body) would take its buffer back: a body take() gave out, not yet released. */
  lent(body: Uint8Array): boolean {
    return this.#lent.has(body);
  }

  /** Takes back the buffer of a body take() gave out; returns whether it did. */
  release(body: Uint8Array): boolean {
    if (!this.#lent.delete(body)) return false;
    const buffer = body.buffer;
    const size = buffer.byteLength;
    if (size > MAX_FREE_BYTES) return true;
    // Full: the oldest released buffers make way (left to the garbage collector).
    while (this.#free.length > 0 && (this.#free.length >= MAX_FREE || this.#freeBytes + size > MAX_FREE_BYTES)) {
      this.#freeBytes -= this.#free.shift()!.byteLength;
    }
    this.#free.push(buffer as ArrayBuffer);
    this.#freeBytes += size;
    return true;
  }

  /** Octets of released buffers held for reuse (for tests of the bound). */
  get freeBytes(): number {
    return this.#freeBytes;
  }
}
