import type { ZodType } from "zod";
import { BodyPool } from "./body-pool.ts";
import { ChecksumVerifier } from "./checksum.ts";
import { ChunkQueue } from "./chunk-queue.ts";
import { SockframeError } from "./errors.ts";
import { checkBaseHeader, describeZodError, type Header } from "./header.ts";
import { parseCanonicalHeader, parseFlatHeader } from "./header-fast.ts";
import { parseHeaderText } from "./header-text.ts";
import { type DecoderOptions, type HashFactories, type ResolvedLimits, resolveLimits } from "./options.ts";

/** A complete frame (buffered mode). `body` may be a view into a chunk that was pushed. */
export interface Frame<H = Header> {
  header: H;
  body: Uint8Array;
}

/** Streaming mode events (SPEC 6.2): a header, its body in pieces, then the end of the frame. */
export type FrameEvent<H = Header> =
  | { type: "head"; header: H }
  | { type: "data"; chunk: Uint8Array }
  | { type: "end"; header: H };

const hasOwn = (object: object, key: string): boolean => Object.prototype.hasOwnProperty.call(object, key);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * zod copies unknown members with plain assignment and so drops a `__proto__` member (rather than
 * setting a prototype, luckily). Put it back as an inert own property, at any depth, wherever the
 * schema kept the object's other unknown members: extensions are preserved (SPEC 3.4.7) and
 * `__proto__` has no effect (3.4.8). Runs only on the zod path, which costs far more anyway.
 */
function restoreProtoKeys(raw: unknown, parsed: unknown): void {
  if (isPlainObject(raw) && isPlainObject(parsed)) {
    const keys = Object.keys(raw);
    const loose = keys.every((key) => key === "__proto__" || hasOwn(parsed, key));
    if (loose && hasOwn(raw, "__proto__") && !hasOwn(parsed, "__proto__")) {
      Object.defineProperty(parsed, "__proto__", { value: raw["__proto__"], enumerable: true, writable: true, configurable: true });
    }
    for (const key of keys) if (key !== "__proto__" && hasOwn(parsed, key)) restoreProtoKeys(raw[key], parsed[key]);
  } else if (Array.isArray(raw) && Array.isArray(parsed)) {
    for (let i = 0; i < Math.min(raw.length, parsed.length); i++) restoreProtoKeys(raw[i], parsed[i]);
  }
}

const PREFIX = 0;
const HEADER = 1;
const BODY = 2;

/** Bodies at least this large are gathered as they arrive rather than taken whole (FrameDecoder). */
const GATHER_FROM = 64 * 1024;
/** ... once at least 1/GATHER_RATIO of the body is here. */
const GATHER_RATIO = 4;

/**
 * The state machine shared by both modes: prefix, then header, then body (SPEC 2, 6).
 * Sans-I/O: bytes go in with push(), results come out of next(); nothing here waits or does I/O.
 */
abstract class DecoderCore<H, Out> {
  protected readonly queue: ChunkQueue = new ChunkQueue();
  protected readonly limits: ResolvedLimits;
  protected state: number = PREFIX;
  protected header: H | undefined;
  protected bodyRemaining = 0;
  protected verifier: ChecksumVerifier | null = null;
  protected frameIndex = 0;
  /** Where the current part began in the stream. -0 for the reason ChunkQueue's count is (always set before read). */
  protected partStart = -0;
  readonly #schema: ZodType<H> | undefined;
  readonly #hashes: HashFactories | undefined;
  readonly #littleEndian: boolean;
  #ended = false;
  #failure: SockframeError | null = null;

  constructor(options: DecoderOptions<H>, streaming: boolean) {
    this.limits = resolveLimits(options as DecoderOptions<unknown>);
    this.#schema = options.header;
    this.#hashes = options.hashes;
    this.#littleEndian = this.limits.profile === "le";
    this.#bodyLimit = streaming ? this.limits.maxStreamBodyBytes : this.limits.maxBodyBytes;
  }

  readonly #bodyLimit: number;

  /** Adds received octets. Cheap: decoding happens in next(). Ignored after an error. */
  push(chunk: Uint8Array): void {
    this.assertOpen("push");
    if (this.#failure === null) this.queue.push(chunk);
  }

  protected assertOpen(method: string): void {
    if (this.#ended) throw new Error(`sockframe decoder: ${method}() after end()`);
  }

  /** Marks the end of the stream; next() then reports TRUNCATED if it ended inside a frame. */
  end(): void {
    this.#ended = true;
  }

  /** True once the stream has ended at a frame boundary and every frame was taken. */
  get done(): boolean {
    return this.#ended && this.#failure === null && this.state === PREFIX && this.queue.length === 0;
  }

  /** The terminal error, once one was reported. */
  get error(): SockframeError | null {
    return this.#failure;
  }

  /** Octets decoded so far: the stream offset at which the next octet would be read. */
  get offset(): number {
    return this.queue.consumed;
  }

  /** Octets received and not yet decoded. */
  get buffered(): number {
    return this.queue.length;
  }

  /**
   * Where the decoder stands: `idle` at a frame boundary with nothing buffered, else the part of a
   * frame it is inside. Transports use it for deadlines (a whole header within a time limit).
   */
  get stage(): "idle" | "prefix" | "header" | "body" {
    if (this.state === BODY) return "body";
    if (this.state === HEADER) return "header";
    return this.queue.length === 0 ? "idle" : "prefix";
  }

  /**
   * The next result, or undefined when more octets are needed (or the stream ended cleanly).
   * Throws the SockframeError that ends the stream, and the same one on every later call.
   */
  next(): Out | undefined {
    if (this.#failure !== null) throw this.#failure;
    try {
      return this.step();
    } catch (error) {
      if (error instanceof SockframeError) {
        this.#failure = error;
        this.queue.clear();
      }
      throw error;
    }
  }

  /** Every result available now, in order (iterating calls next() until it returns undefined). */
  *[Symbol.iterator](): IterableIterator<Out> {
    for (let out = this.next(); out !== undefined; out = this.next()) yield out;
  }

  protected abstract step(): Out | undefined;

  /** Runs the prefix and header stages; returns false when more octets are needed. */
  protected readHead(): boolean {
    const queue = this.queue;
    if (this.state === PREFIX) {
      if (queue.length < 4) return this.needMore("prefix");
      this.partStart = queue.consumed;
      const length = queue.readUint32(this.#littleEndian);
      if (length <= 0) {
        this.fail("HEADER_LENGTH_INVALID", "prefix", `header length ${length} (must be at least 1)`);
      }
      if (length > this.limits.maxHeaderBytes) {
        this.fail("HEADER_TOO_LARGE", "prefix", `header length ${length} exceeds maxHeaderBytes ${this.limits.maxHeaderBytes}`);
      }
      this.bodyRemaining = length;
      this.state = HEADER;
    }
    const length = this.bodyRemaining;
    if (queue.length < length) return this.needMore("header");
    this.partStart = queue.consumed;
    // A header in one chunk is read where it lies, when it is of the common flat kind.
    let canonical: Record<string, unknown> | undefined;
    let flat: Record<string, unknown> | undefined;
    if (queue.headRun >= length) {
      const head = queue.head;
      const at = queue.headOffset;
      canonical = parseCanonicalHeader(head, at, at + length);
      flat = canonical ?? parseFlatHeader(head, at, at + length);
      if (flat !== undefined) queue.skip(length);
    }
    const header =
      canonical !== undefined ? this.#acceptHeader(canonical) : flat !== undefined ? this.#checkHeader(flat) : this.#parseHeader(queue.take(length));
    this.header = header;
    this.bodyRemaining = (header as Header).total_size;
    this.state = BODY;
    this.partStart = queue.consumed;
    return true;
  }

  #parseHeader(bytes: Uint8Array): H {
    return this.#checkHeader(parseHeaderText(bytes, this.partStart, this.frameIndex));
  }

  /** SPEC 3.4 and the application's schema, on a header that is a JSON object. */
  #checkHeader(raw: Record<string, unknown>): H {
    const problem = checkBaseHeader(raw);
    if (problem !== null) throw this.#headerError("HEADER_INVALID", problem);
    if (Object.is(raw.total_size, -0)) raw.total_size = 0;
    const header = this.#acceptHeader(raw);
    this.verifier = ChecksumVerifier.forHeader(raw, this.#hashes);
    return header;
  }

  /**
   * The application's schema and the body limit, on a header that passes SPEC 3.4 (the canonical
   * shape of parseCanonicalHeader, or one checkBaseHeader passed). No digests: the caller's to set up.
   */
  #acceptHeader(raw: Record<string, unknown>): H {
    this.verifier = null;
    let header = raw as H;
    if (this.#schema !== undefined) {
      let result: ReturnType<ZodType<H>["safeParse"]>;
      try {
        result = this.#schema.safeParse(raw);
      } catch (error) {
        // A refine or transform that throws rather than adding an issue: still the peer's header
        // that failed the check, so it must end this stream only, as any invalid header does.
        throw this.#headerError("HEADER_INVALID", `the header schema threw ${String(error)}`);
      }
      if (!result.success) throw this.#headerError("HEADER_INVALID", describeZodError(result.error));
      header = result.data;
      restoreProtoKeys(raw, header);
    }
    const size = raw.total_size as number;
    if (size > this.#bodyLimit) {
      const name = this.#bodyLimit === this.limits.maxBodyBytes ? "maxBodyBytes" : "maxStreamBodyBytes";
      throw this.#headerError("BODY_TOO_LARGE", `total_size ${size} exceeds ${name} ${this.#bodyLimit}`);
    }
    return header;
  }

  #headerError(code: "HEADER_INVALID" | "BODY_TOO_LARGE", message: string): SockframeError {
    return new SockframeError(code, "header", message, { offset: this.partStart, frame: this.frameIndex });
  }

  /** Called when the current part is incomplete: undefined, or TRUNCATED if the stream ended. */
  protected needMore(part: "prefix" | "header" | "body"): false {
    if (this.#ended && (part !== "prefix" || this.queue.length > 0)) {
      const where = part === "prefix" ? "a prefix" : part === "header" ? "a header" : "a body";
      throw new SockframeError("TRUNCATED", "end", `stream ended inside ${where}`, {
        offset: this.queue.consumed + this.queue.length,
        frame: this.frameIndex,
      });
    }
    return false;
  }

  protected checkBody(): void {
    const verifier = this.verifier;
    if (verifier === null) return;
    this.verifier = null;
    const failed = verifier.mismatch();
    if (failed !== null) this.fail("CHECKSUM_MISMATCH", "body", `${failed} of the body does not match the header`);
  }

  protected fail(code: "HEADER_LENGTH_INVALID" | "HEADER_TOO_LARGE" | "CHECKSUM_MISMATCH", stage: "prefix" | "body", message: string): never {
    throw new SockframeError(code, stage, message, { offset: this.partStart, frame: this.frameIndex });
  }

  protected finishFrame(): H {
    const header = this.header!;
    this.header = undefined;
    this.state = PREFIX;
    this.frameIndex++;
    return header;
  }
}

/**
 * Buffered-mode decoder (SPEC 6.2): push octets, take complete frames.
 *
 * ```ts
 * const decoder = new FrameDecoder();
 * decoder.push(chunk);
 * for (const frame of decoder) handle(frame); // throws SockframeError on bad input
 * ```
 */
export class FrameDecoder<H = Header> extends DecoderCore<H, Frame<H>> {
  constructor(options: DecoderOptions<H> = {}) {
    super(options, false);
  }

  /** The memory of bodies that span reads, reused once released. */
  readonly #bodies = new BodyPool();
  /** The body being gathered, when it spans reads (see step). */
  #gathering: Uint8Array | null = null;
  #gathered = 0;

  /**
   * Where the next octets of the stream may be read straight into, saving a copy: the unfilled
   * rest of a body being gathered, when nothing is queued ahead of it; else null. A transport that
   * can read into a buffer of its choosing (Deno's conn.read, Node's onread) reads into this view,
   * then reports the count with `pushed(n)` instead of calling push(). The view is only valid
   * until the decoder is next used. Memory is committed by the same rule as push(): a body is
   * gathered only once a quarter of it was received, or at once into released memory (release()).
   */
  readTarget(): Uint8Array | null {
    const body = this.#gathering;
    if (body === null || this.queue.length > 0 || this.error !== null) return null;
    return body.subarray(this.#gathered);
  }

  /** Records `n` octets read into the view readTarget() returned (in place of push()). */
  pushed(n: number): void {
    if (this.error !== null) return;
    const body = this.#gathering;
    if (body === null || this.queue.length > 0 || n < 0 || this.#gathered + n > body.length) {
      throw new Error("sockframe decoder: pushed() without a readTarget() to fill");
    }
    this.assertOpen("pushed");
    this.#gathered += n;
    this.queue.skipUnqueued(n);
  }

  /**
   * Hands back the body of a frame this decoder gave out, once the caller no longer needs it: a
   * later body of a fitting size is then gathered into the same memory (still in cache, no fresh
   * pages) instead of a new buffer. The released body's contents will change: call it only when
   * nothing reads the body any more (not stored, not queued for writing). Only the body object as
   * handed out is taken back, once: views of a pushed chunk, arrays from elsewhere, subarrays and
   * repeated releases are ignored. Returns whether the memory was taken back.
   */
  release(body: Uint8Array): boolean {
    return this.#bodies.release(body);
  }

  /** Whether release(body) would take memory back now: a body gathered into memory of its own, not yet released. */
  releasable(body: Uint8Array): boolean {
    return this.#bodies.lent(body);
  }

  protected step(): Frame<H> | undefined {
    if (this.state !== BODY && !this.readHead()) return undefined;
    const size = this.bodyRemaining;
    const queue = this.queue;
    let body = this.#gathering;
    if (body === null) {
      if (queue.length < size) {
        // A body that spans reads is copied into its buffer as its octets arrive, while they are
        // still in cache, and the chunks are let go at once. Only once a quarter of it is here:
        // a peer must send octets to make us commit memory, at most four times what it sent.
        // Released memory that fits is committed already: then from the first octet.
        const due = queue.length >= GATHER_FROM && queue.length * GATHER_RATIO >= size;
        if (due || (size >= GATHER_FROM && this.#bodies.fits(size))) {
          body = this.#gathering = this.#bodies.take(size);
          this.#gathered = queue.length;
          queue.takeInto(body, 0, queue.length);
        }
        this.needMore("body");
        return undefined;
      }
      if (queue.headRun >= size) {
        body = queue.take(size);
      } else {
        body = this.#bodies.take(size);
        queue.takeInto(body, 0, size);
      }
    } else {
      const count = Math.min(size - this.#gathered, queue.length);
      queue.takeInto(body, this.#gathered, count);
      this.#gathered += count;
      if (this.#gathered < size) {
        this.needMore("body");
        return undefined;
      }
      this.#gathering = null;
    }
    this.verifier?.update(body);
    this.checkBody();
    return { header: this.finishFrame(), body };
  }
}

/**
 * Streaming-mode decoder (SPEC 6.2): a `head` event, `data` events with body octets as they
 * arrive (views, valid until the next push), then `end` once the checksums passed. Memory does not
 * grow with the body size.
 */
export class StreamingFrameDecoder<H = Header> extends DecoderCore<H, FrameEvent<H>> {
  constructor(options: DecoderOptions<H> = {}) {
    super(options, true);
  }

  /**
   * Octets of the body in progress not received yet (0 outside a body). A transport that chooses
   * its read buffers may read up to this many into a fresh buffer and push it whole: the `data`
   * event is then a view of that buffer, with no copy out of a reused one.
   */
  get bodyToCome(): number {
    return this.state === BODY ? Math.max(0, this.bodyRemaining - this.queue.length) : 0;
  }

  protected step(): FrameEvent<H> | undefined {
    if (this.state !== BODY) {
      if (!this.readHead()) return undefined;
      return { type: "head", header: this.header! };
    }
    if (this.bodyRemaining === 0) {
      this.checkBody();
      return { type: "end", header: this.finishFrame() };
    }
    if (this.queue.length === 0) {
      this.needMore("body");
      return undefined;
    }
    const chunk = this.queue.takeSome(this.bodyRemaining);
    this.bodyRemaining -= chunk.length;
    this.verifier?.update(chunk);
    return { type: "data", chunk };
  }
}
