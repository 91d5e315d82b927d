import { encodeFrameParts, encodeHeadInto, type EncoderOptions, type OutgoingHeader, PLAIN_HEAD_ROOM } from "@sockframe/codec";

/** Bodies up to this size are copied in behind their header; larger ones are written from where they lie. */
export const COPY_BODY_MAX: number = 16 * 1024;
const SLAB_SIZE = 64 * 1024;
/** Spare slabs kept for reuse, shared by all connections: at most 1 MiB. */
const SPARES_MAX = 16;
const spares: Uint8Array[] = [];
const EMPTY = new Uint8Array(0);

/**
 * The octets of the frames sent in one tick, for one write. Headers and small bodies are encoded
 * straight into a slab that many frames share, so a run of small frames makes no buffer per frame
 * and leaves as one chunk (a header built as a string and a buffer of its own cost more than the
 * codec's whole decode of a small frame); large bodies stay where they lie, chunks of their own.
 *
 * Octets take() hands out are not written again until idle() says all of them were written:
 * until then the next batches go on after them. Then the slabs go to a spare list that every
 * connection takes from, so a busy connection reuses memory rather than allocating (and zeroing)
 * a slab per batch, and an idle one holds none.
 */
export class FrameBatch {
  #slab: Uint8Array = EMPTY;
  /** The slab's octets not yet taken: #start to #end. */
  #start = 0;
  #end = 0;
  /** Slabs filled before this one whose octets may still be waiting to be written. */
  #full: Uint8Array[] = [];
  #chunks: Uint8Array[] = [];
  #bytes = 0;

  /** Octets in the batch. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Adds one frame and returns its size in octets; throws, adding nothing, when its header cannot be encoded. */
  frame(header: OutgoingHeader, body: Uint8Array, options: EncoderOptions): number {
    const copied = body.length <= COPY_BODY_MAX;
    const bodyRoom = copied ? body.length : 0;
    if (this.#slab.length - this.#end < PLAIN_HEAD_ROOM + bodyRoom) this.#newSlab();
    const digested = options.checksums !== undefined && options.checksums.length > 0 ? [body] : undefined;
    let headEnd = encodeHeadInto(this.#slab, this.#end, header, body.length, options, digested);
    // The room was reckoned for a plain header: a longer one (and its body) may need a new slab.
    if ((headEnd < 0 || headEnd + bodyRoom > this.#slab.length) && this.#end > 0) {
      this.#newSlab();
      headEnd = encodeHeadInto(this.#slab, this.#end, header, body.length, options, digested);
    }
    if (headEnd < 0) {
      // A header larger than a slab: a buffer of its own.
      const [head] = encodeFrameParts(header, body, options);
      this.chunk(head);
      this.chunk(body);
      return head.length + body.length;
    }
    const headSize = headEnd - this.#end;
    this.#end = headEnd;
    this.#bytes += headSize;
    // A header of nearly a slab may leave too little room for the body: it goes on its own.
    if (copied && headEnd + body.length <= this.#slab.length) {
      this.#slab.set(body, headEnd);
      this.#end += body.length;
      this.#bytes += body.length;
    } else {
      this.chunk(body);
    }
    return headSize + body.length;
  }

  /** Adds octets already encoded (a streamed frame's head or body chunk), uncopied. */
  chunk(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#seal();
    this.#chunks.push(bytes);
    this.#bytes += bytes.length;
  }

  /** The batch's chunks, in order; the batch is empty afterwards. */
  take(): Uint8Array[] {
    this.#seal();
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#bytes = 0;
    return chunks;
  }

  /**
   * Every octet take() handed out has been written (the caller's promise): the slabs are free
   * for reuse, here or by any other connection. Ignored while the batch holds octets.
   */
  idle(): void {
    if (this.#bytes > 0) return;
    if (this.#slab !== EMPTY) this.#full.push(this.#slab);
    for (const slab of this.#full) if (spares.length < SPARES_MAX) spares.push(slab);
    this.#full = [];
    this.#slab = EMPTY;
    this.#start = this.#end = 0;
  }

  #seal(): void {
    if (this.#end > this.#start) {
      this.#chunks.push(this.#slab.subarray(this.#start, this.#end));
      this.#start = this.#end;
    }
  }

  /** An empty slab: PLAIN_HEAD_ROOM and COPY_BODY_MAX octets always fit in one. */
  #newSlab(): void {
    this.#seal();
    if (this.#slab !== EMPTY) this.#full.push(this.#slab);
    this.#slab = spares.pop() ?? new Uint8Array(SLAB_SIZE);
    this.#start = this.#end = 0;
  }
}
