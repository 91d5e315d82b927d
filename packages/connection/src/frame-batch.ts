import { encodeFrameParts, encodeHeadInto, type EncoderOptions, type OutgoingHeader, PLAIN_HEAD_ROOM } from "@sockframe/codec";

/** Bodies up to this size are copied in behind their header; larger ones are written from where they lie. */
export const COPY_BODY_MAX: number = 16 * 1024;
const SLAB_MIN = 256;
const SLAB_MAX = 64 * 1024;
const EMPTY = new Uint8Array(0);

/**
 * The octets of the frames sent in one tick, for one write. Headers and small bodies are encoded
 * straight into a slab that many frames share, so a run of small frames makes no buffer per frame
 * and leaves as one chunk (a header built as a string and a buffer of its own cost more than the
 * codec's whole decode of a small frame); large bodies stay where they lie, chunks of their own.
 * Octets take() hands out are never written again: the next batch goes on after them, in the
 * same slab or a new one.
 */
export class FrameBatch {
  #slab: Uint8Array = EMPTY;
  /** The slab's octets not yet taken: #start to #end. */
  #start = 0;
  #end = 0;
  #chunks: Uint8Array[] = [];
  #bytes = 0;
  /** Slab octets of this batch, and of the last one taken: the next slab is sized for a batch like it. */
  #slabBytes = 0;
  #lastSlabBytes = 0;

  /** Octets in the batch. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Adds one frame and returns its size in octets; throws, adding nothing, when its header cannot be encoded. */
  frame(header: OutgoingHeader, body: Uint8Array, options: EncoderOptions): number {
    const copied = body.length <= COPY_BODY_MAX;
    const room = PLAIN_HEAD_ROOM + (copied ? body.length : 0);
    if (this.#slab.length - this.#end < room) this.#newSlab(room);
    const digested = options.checksums !== undefined && options.checksums.length > 0 ? [body] : undefined;
    const headEnd = encodeHeadInto(this.#slab, this.#end, header, body.length, options, digested);
    if (headEnd < 0) {
      // A header larger than the room left: a buffer of its own.
      const [head] = encodeFrameParts(header, body, options);
      this.chunk(head);
      this.chunk(body);
      return head.length + body.length;
    }
    const headSize = headEnd - this.#end;
    this.#end = headEnd;
    this.#bytes += headSize;
    // A header longer than a plain one may leave too little room for the body: it goes on its own.
    if (copied && headEnd + body.length <= this.#slab.length) {
      this.#slab.set(body, headEnd);
      this.#end += body.length;
      this.#bytes += body.length;
    } else {
      this.chunk(body);
    }
    return headSize + body.length;
  }

  /** Adds octets already encoded (a stream's head or body chunk, an error frame), uncopied. */
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
    this.#lastSlabBytes = this.#slabBytes;
    this.#slabBytes = 0;
    this.#chunks = [];
    this.#bytes = 0;
    return chunks;
  }

  /** Nothing is queued: the slab goes, so that an idle connection holds no memory for writing. */
  idle(): void {
    if (this.#bytes === 0) {
      this.#slab = EMPTY;
      this.#start = this.#end = 0;
    }
  }

  #seal(): void {
    if (this.#end > this.#start) {
      this.#chunks.push(this.#slab.subarray(this.#start, this.#end));
      this.#slabBytes += this.#end - this.#start;
      this.#start = this.#end;
    }
  }

  #newSlab(room: number): void {
    this.#seal();
    const wanted = Math.max(this.#slab.length * 2, this.#lastSlabBytes * 2, SLAB_MIN);
    this.#slab = new Uint8Array(Math.max(room, Math.min(wanted, SLAB_MAX)));
    this.#start = this.#end = 0;
  }
}
