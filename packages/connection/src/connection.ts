import {
  type DecoderOptions,
  encodeErrorFrame,
  encodeStreamHead,
  type Frame,
  FrameDecoder,
  type Header,
  isSockframeError,
  type OutgoingHeader,
  type SockframeError,
  StreamingFrameDecoder,
} from "@sockframe/codec";
import { BodySource } from "./body-source.ts";
import type { ByteStream } from "./byte-stream.ts";
import { FrameBatch } from "./frame-batch.ts";
import { FrameQueue } from "./frame-queue.ts";
import { checkOwnConnectionOptions } from "./options.ts";
import { freeNow } from "./pass-on-read.ts";
import { COPY_BELOW, STREAM_READ_SIZE } from "./read-buffers.ts";
import { waitAtMost } from "./wait-at-most.ts";

/**
 * Octets of memory a queued frame's header is counted as, per octet of its JSON: a parsed header
 * takes up to 28 (nested empty arrays, measured on V8), strings and numbers 1 to 4.
 */
export const HEADER_MEMORY_FACTOR = 32;

/** The default of maxQueuedBytes, for connections and datagram endpoints alike. */
export const DEFAULT_MAX_QUEUED_BYTES: number = 16 * 1024 * 1024;

/** What an unread frame counts against maxQueuedBytes: its body, and its prefix and header as parsed. */
export function queuedFrameCost(bodyOctets: number, headOctets: number): number {
  return bodyOctets + HEADER_MEMORY_FACTOR * headOctets;
}

/** Options of a connection (both ends): the codec's, plus flow control. */
export interface ConnectionOptions extends DecoderOptions<Header> {
  /** Octets queued for writing past which send() waits for the socket. Default 1 MiB. */
  writeHighWaterMark?: number;
  /** Incoming frames queued, unread, past which reading from the socket pauses. Default 256. */
  maxQueuedFrames?: number;
  /**
   * Memory of incoming frames queued, unread, past which reading pauses: body octets, plus
   * HEADER_MEMORY_FACTOR times header octets (a parsed header's worst case). Default 16 MiB.
   */
  maxQueuedBytes?: number;
  /** How long close() waits for the peer to close after our FIN, in ms. Default 5000. */
  closeTimeoutMs?: number;
  /**
   * A frame's whole prefix and header must arrive within this many ms of its first octet, or the
   * connection is closed with a `TIMEOUT` error frame: an idle timeout alone does not stop a peer
   * that drips one octet at a time. 0 disables. Default 0 (servers: 30000).
   */
  headerTimeoutMs?: number;
  /**
   * A body must keep arriving: it may take this many ms, plus 1 s for every `minBodyRate` octets
   * of it received, or the connection is closed with a `TIMEOUT` error frame (a peer that trickles
   * a body one octet per idle timeout would hold the connection forever). The clock restarts
   * whenever we pause reading ourselves. 0 disables. Default 0 (servers: 30000).
   */
  bodyTimeoutMs?: number;
  /** Octets per second a body earns its extra time at (see bodyTimeoutMs); 0: the whole body within bodyTimeoutMs. Default 512. */
  minBodyRate?: number;
  /** Closes the connection after this many ms without an octet received. 0 disables. Default 0 (servers: 300000). */
  idleTimeoutMs?: number;
  /**
   * Octets queued for writing past which reading from the peer stops, so that a peer that sends
   * requests but never reads replies cannot grow our memory. Default 8 MiB.
   */
  maxWriteBufferBytes?: number;
  /** Destroys the connection when queued writes make no progress for this many ms. 0 disables. Default 60000. */
  writeStallTimeoutMs?: number;
}

/** Options of the adapters' connect(): the connection's, and how it is opened. */
export interface ConnectOptions extends ConnectionOptions {
  /** Receive bodies as streams (`receiveStreams()`, `requestStream()`). */
  streamBodies?: boolean;
  /**
   * Gives up connecting (`AbortSignal.timeout(ms)` for a deadline): connect() rejects with the
   * signal's reason. A peer that never answers would otherwise hold it for the OS's connect
   * timeout, about two minutes on Linux.
   */
  signal?: AbortSignal;
}

/** Options of `request()` and `requestStream()`. */
export interface RequestOptions {
  /**
   * Gives up waiting for the reply: the promise rejects with `signal.reason` (for
   * `AbortSignal.timeout(ms)`, a `TimeoutError`), and the reply, should it still come, is dropped
   * and counted in `lateReplies`. The request itself is not recalled: once queued, it goes out.
   */
  signal?: AbortSignal;
}

/** Options of `sendStream()`. */
export interface SendStreamOptions {
  /**
   * Called with each chunk of the source, in order, once the connection is done with its memory:
   * its octets were handed to the OS (or their write failed). From then on the chunk may be
   * refilled or freed: a sender that reads a file into a few reused buffers makes no garbage.
   * Chunks whose octets never reach a write (the connection was destroyed first) are not reported.
   * An exception thrown here is reported as an uncaught error; it does not affect the connection.
   */
  onWritten?: (chunk: Uint8Array) => void;
}

/** A frame whose body is received as a stream (`receiveStreams()`): for bodies larger than memory. */
export interface StreamedFrame {
  header: Header;
  body: ReadableStream<Uint8Array>;
}

/** An error frame received in answer to a request (SPEC 7.3). */
export class RemoteError extends Error {
  readonly code: string;
  readonly header: Header;
  constructor(header: Header) {
    super(`${header.error?.code}: ${header.error?.message}`);
    this.name = "RemoteError";
    this.code = header.error?.code ?? "UNKNOWN";
    this.header = header;
  }
}

/**
 * A connection ended by one of its own deadlines (not a decode error: the peer's octets were
 * fine, their timing was not). `TIMEOUT`: a frame's header (stage `header`) did not arrive within
 * headerTimeoutMs, or its body (stage `body`) too slowly for bodyTimeoutMs; the peer got a TIMEOUT
 * error frame. `WRITE_STALL` (stage `write`): queued writes made no progress for
 * writeStallTimeoutMs; the connection was destroyed.
 */
export class DeadlineError extends Error {
  readonly code: "TIMEOUT" | "WRITE_STALL";
  readonly stage: "header" | "body" | "write";
  constructor(code: "TIMEOUT" | "WRITE_STALL", stage: "header" | "body" | "write", message: string) {
    super(`${code}: ${message}`);
    this.name = "DeadlineError";
    this.code = code;
    this.stage = stage;
  }
}

/**
 * A send, stream or request the connection could not carry out: `CLOSING`, called after close() or
 * destroy() (or after an error close began); `CLOSED`, the connection closed while it was under way;
 * `PEER_CLOSED`, the peer closed before replying (or had already, when the request was made).
 */
export class ConnectionClosedError extends Error {
  readonly code: "CLOSING" | "CLOSED" | "PEER_CLOSED";
  constructor(code: "CLOSING" | "CLOSED" | "PEER_CLOSED", message: string) {
    super(message);
    this.name = "ConnectionClosedError";
    this.code = code;
  }
}

const closing = (): ConnectionClosedError => new ConnectionClosedError("CLOSING", "sockframe: connection is closing");
const closedUnder = (): ConnectionClosedError => new ConnectionClosedError("CLOSED", "sockframe: connection closed before the frame was sent");

/** How a connection ended. */
export interface CloseInfo {
  /** The decode error that made us close, if any (we sent the peer an error frame for it). */
  protocolError: SockframeError | null;
  /** The deadline that made us close, if any. */
  deadlineError: DeadlineError | null;
  /** A socket error, if any. */
  socketError: Error | null;
}

type Pending = { resolve: (frame: Frame<Header> | StreamedFrame) => void; reject: (error: unknown) => void };

/** Ids of requests given up (RequestOptions.signal) remembered, so that their late replies are dropped. */
const MAX_ABANDONED = 65_536;
/** Streamed-body buffers kept for reuse (release()): as many as a body stream queues. */
const MAX_POOLED_CHUNKS = 4;

const EMPTY = new Uint8Array(0);
const RESOLVED: Promise<void> = Promise.resolve();
const noop = (): void => undefined;

/** Calls a sendStream() caller's onWritten; what it throws is reported, as an event listener's would be. */
function reportWritten(written: (chunk: Uint8Array) => void, chunk: Uint8Array): void {
  try {
    written(chunk);
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}

/** `header` with `id` set: a literal for the usual empty header, where a spread cost more than encoding the frame. */
function withId(header: OutgoingHeader, id: number): OutgoingHeader {
  for (const _ in header) return { ...header, id };
  return { id };
}

/** closeTimeoutMs's default. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 5000;

/** Chunks a streamed body's reader may fall behind by before reading from the socket pauses. */
const BODY_QUEUE_CHUNKS = 4;

const QUEUE_FULL = 1;
const BODY_FULL = 2;
const WRITE_FULL = 8;
const ALL_REASONS = QUEUE_FULL | BODY_FULL | WRITE_FULL;

/**
 * One framed connection over any ByteStream: decoding, encoding, batching of writes, backpressure
 * both ways, request/reply correlation, error frames. Runtime-neutral: the adapters of
 * @sockframe/node, @sockframe/deno and @sockframe/bun only supply the ByteStream.
 */
export class Connection implements AsyncIterable<Frame<Header>> {
  readonly #stream: ByteStream;
  readonly #options: ConnectionOptions;
  readonly #decoder: FrameDecoder<Header> | StreamingFrameDecoder<Header>;
  readonly #incoming: FrameQueue<Frame<Header>>;
  readonly #streamed: FrameQueue<StreamedFrame> | null;
  readonly #requests = new Map<string | number, Pending>();
  /** Requests given up on, oldest first: a reply that still comes for one is dropped, not delivered. */
  readonly #abandoned = new Set<string | number>();
  readonly #highWater: number;
  /** Odd on the end that opened the connection, even on the end that accepted it (SPEC 3.4.5). */
  #nextId: number;
  readonly #batch = new FrameBatch();
  #batchDone: Promise<void> | null = null;
  #queuedBytes = 0;
  /**
   * Octets handed to the OS since the write queue was last empty (writes finish in order): with
   * #queuedBytes, where a release waits until. Counted from 0 again whenever the queue empties (no
   * release is waiting then), so it stays a small integer to V8: a count that outgrew 2^31 would
   * change the shape of every connection and throw away the optimized code that uses them.
   */
  #writtenTotal = 0;
  /**
   * Memory waiting for the octets queued before it to be written: bodies released (release()) and
   * sent chunks to report (SendStreamOptions.onWritten, `written` set).
   */
  #releases: Array<{ body: Uint8Array; after: number; written: ((chunk: Uint8Array) => void) | null }> = [];
  #writing: Promise<void> = Promise.resolve();
  /** The first write that failed: the socket is broken, and nothing queued after it went out. */
  #writeFailure: unknown = null;
  /** The source of the body being streamed out: stopped at once when the connection ends. */
  #source: BodySource | null = null;
  /** Rejects the write a sendStream() waits for (#streamWait), when the connection ends first. */
  #interruptStream: ((reason: unknown) => void) | null = null;
  /**
   * Set while a sendStream() is queued or going out, and while frames sent meanwhile wait behind
   * it: its body's octets must follow its head with nothing between them.
   */
  #gate: Promise<void> | null = null;
  /** Between a streamed frame's head and its last body octet: an error frame now would land inside the body. */
  #midBody = false;
  /** Octets of an error frame being written outside the batch (#writeCounted). */
  #unbatchedBytes = 0;
  /** The last error frame without an id the peer sent (#notePeerError). */
  #peerError: Header | null = null;
  #currentBody: ReadableStreamDefaultController<Uint8Array> | null = null;
  /** The body arriving is a reply's (requestStream()): discardIncoming() leaves it to its request. */
  #currentIsReply = false;
  /** The frame whose body is arriving, while it waits unread in the queue: its body counts against maxQueuedBytes. */
  #unreadStreamed: StreamedFrame | null = null;
  /** Bodies that failed with chunks still queued for their readers: the error follows those chunks. */
  readonly #bodyFailures = new WeakMap<ReadableStreamDefaultController<Uint8Array>, unknown>();
  /** Why reading is paused: a bit per reason, so that clearing one does not override another. */
  #pauseReasons = 0;
  #protocolError: SockframeError | null = null;
  #socketError: Error | null = null;
  #closing = false;
  /** The application iterates incoming frames (or asked for their streams): it sees the peer's end itself. */
  #readsFrames = false;
  /** This end opened the connection (connect()), rather than accepting it. */
  readonly #opened: boolean;
  /** A protocol error whose error frame waits for the replies to the frames before it (#onProtocolError). */
  #errorOwed: SockframeError | null = null;
  /** When the last protocol error arose (0: none): the grace it waited counts toward its linger. */
  #errorAt = 0;
  /**
   * Set by destroy() and by an error close: a body streaming out stops where it is, and what waits
   * behind it fails. A graceful close() lets them finish first.
   */
  #sendingStopped = false;
  /** When close() began (0: not yet): a stream it waits for that makes no progress is dropped. */
  #closeStarted = 0;
  #finSent = false;
  #peerFinished = false;
  #isClosed = false;
  #resolveClosed!: (info: CloseInfo) => void;
  #lastReceived = Date.now();
  #lastWritten = Date.now();
  #headerStarted = 0;
  /** When the body being received began to arrive (0: none), restarted while we pause reading. */
  #bodyStarted = 0;
  /** Octets of that body received since #bodyStarted. */
  #bodyOctets = 0;
  #framesSeen = 0;
  /** The memory of the chunk being decoded, and whether a frame delivered from it is a view of it. */
  #chunkBuffer: ArrayBufferLike | null = null;
  #chunkKept = false;
  /** The length of the chunk being decoded. */
  #chunkLength = 0;
  /** The buffers freshBuffer() gave the adapter to read a streamed body into. */
  readonly #freshBuffers = new WeakSet<ArrayBufferLike>();
  /** Streamed-body chunks that are all of such a buffer's read: release() may take them back. */
  readonly #wholeChunks = new WeakSet<Uint8Array>();
  /** Streamed-body buffers handed back with release(), for freshBuffer() to give out again. */
  readonly #chunkPool: Uint8Array[] = [];
  #queuedIncomingBytes = 0;
  /** Frames the application has taken from the queue: the progress an owed error frame waits on. */
  #framesTaken = 0;
  /** Stream offset where the frame being decoded began: its header's size is known from it. */
  #frameStart = 0;
  readonly #maxQueued: number;
  readonly #maxQueuedBytes: number;
  #stopped = false;
  /** Set by discardIncoming(): nobody will read, so frames are dropped rather than queued. */
  #discarding = false;
  /** Set as our FIN is about to go out: nothing can be written after it, refusals included. */
  #finStarted = false;
  /** The deadline that ended the connection: what iteration, requests and `closed` report. */
  #deadline: DeadlineError | null = null;
  #discardBody = false;
  #watchdog: ReturnType<typeof setTimeout> | null = null;
  /** Resolves when the socket is closed in both directions. */
  readonly closed: Promise<CloseInfo>;
  /** Resolves when the peer will send nothing more: its FIN arrived, or the connection closed. */
  readonly peerEnded: Promise<void>;
  #resolvePeerEnded!: () => void;

  constructor(stream: ByteStream, options: ConnectionOptions & { streamBodies?: boolean; accepted?: boolean } = {}) {
    checkOwnConnectionOptions(options);
    this.#stream = stream;
    this.#options = options;
    this.#nextId = options.accepted ? 2 : 1;
    this.#opened = options.accepted !== true;
    this.#highWater = options.writeHighWaterMark ?? 1024 * 1024;
    const maxQueued = options.maxQueuedFrames ?? 256;
    this.#decoder = options.streamBodies ? new StreamingFrameDecoder(options) : new FrameDecoder(options);
    this.#maxQueued = maxQueued;
    this.#maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
    this.#incoming = new FrameQueue((_frame, cost) => this.#took(cost));
    this.#streamed = options.streamBodies ? new FrameQueue((_frame, cost) => this.#took(cost)) : null;
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    this.peerEnded = new Promise((resolve) => {
      this.#resolvePeerEnded = resolve;
    });
    stream.start({
      data: (chunk) => this.#onData(chunk),
      readTarget: () => this.#readTarget(),
      dataInTarget: (count) => this.#onData(count),
      freshBuffer: () => this.#freshBuffer(),
      end: () => this.#onEnd(),
      close: (error) => this.#onClose(error),
    });
    this.#armWatchdog();
  }

  /** One timer per connection, at a fraction of the shortest deadline, checks all of them. */
  #armWatchdog(): void {
    const { headerTimeoutMs = 0, bodyTimeoutMs = 0, idleTimeoutMs = 0, writeStallTimeoutMs = 60_000 } = this.#options;
    // A close waiting for a stream is watched even with every deadline off (#streamStalled).
    const closing = this.#closeStarted > 0 ? this.#streamStallMs(writeStallTimeoutMs) : 0;
    const shortest = Math.min(...[headerTimeoutMs, bodyTimeoutMs, idleTimeoutMs, writeStallTimeoutMs, closing].filter((ms) => ms > 0));
    if (!Number.isFinite(shortest) || this.#isClosed) return;
    this.#watchdog = setTimeout(() => {
      this.#watchdog = null;
      this.#checkDeadlines(headerTimeoutMs, bodyTimeoutMs, idleTimeoutMs, writeStallTimeoutMs);
      this.#armWatchdog();
    }, Math.min(Math.max(shortest / 4, 10), 1000));
  }

  /**
   * Idle: nothing to write and no stream going out, nothing unread, nobody waiting for a reply, and
   * the application waiting for a frame, or not reading frames at all (it only makes requests).
   * The caller also checks that nothing was received, nor written, for the idle timeout.
   */
  #isIdle(): boolean {
    const queue = this.#streamed ?? this.#incoming;
    const reading = queue.waiting || !this.#readsFrames;
    return this.#queuedBytes === 0 && this.#gate === null && queue.size === 0 && reading && this.#requests.size === 0 && this.#pauseReasons === 0;
  }

  #checkDeadlines(headerTimeoutMs: number, bodyTimeoutMs: number, idleTimeoutMs: number, writeStallTimeoutMs: number): void {
    if (this.#isClosed) return;
    const now = Date.now();
    if (this.#closing || this.#errorOwed !== null) {
      // A close flushes first: a peer that never reads must not hold it (and our memory) forever,
      // nor a stream source that gives nothing more, even with the write-stall deadline off. Once
      // an error frame is owed, nothing is decoded any more: only the writes are left to watch.
      const stallMs = this.#closeStarted > 0 ? this.#streamStallMs(writeStallTimeoutMs) : writeStallTimeoutMs;
      if (this.#writeStalled(now, stallMs)) this.#dropStalled(stallMs);
      else if (this.#streamStalled(now, stallMs)) this.#dropStalled(stallMs, "a body streaming out at close()");
      return;
    }
    // While we paused reading ourselves, the peer cannot finish a header or a body: not its fault.
    if (this.#pauseReasons !== 0) {
      if (this.#headerStarted > 0) this.#headerStarted = now;
      if (this.#bodyStarted > 0) [this.#bodyStarted, this.#bodyOctets] = [now, 0];
    }
    const minBodyRate = this.#options.minBodyRate ?? 512;
    if (headerTimeoutMs > 0 && this.#headerStarted > 0 && now - this.#headerStarted > headerTimeoutMs) {
      this.#failWith("header", `no complete frame header within ${headerTimeoutMs} ms`);
    } else if (bodyTimeoutMs > 0 && this.#bodyStarted > 0 && now - this.#bodyStarted > bodyTimeoutMs + (minBodyRate > 0 ? (this.#bodyOctets * 1000) / minBodyRate : 0)) {
      this.#failWith("body", `the body arrives too slowly: ${this.#bodyOctets} octets in ${now - this.#bodyStarted} ms (bodyTimeoutMs ${bodyTimeoutMs}, minBodyRate ${minBodyRate}/s)`);
    } else if (idleTimeoutMs > 0 && now - this.#lastReceived > idleTimeoutMs && now - this.#lastWritten > idleTimeoutMs && this.#isIdle()) {
      // Wound down like a shutdown: a frame that still arrives is refused, not lost.
      this.stopReceiving();
      void this.close();
    } else if (this.#writeStalled(now, writeStallTimeoutMs)) {
      this.#dropStalled(writeStallTimeoutMs);
    }
  }

  /** The peer does not read what we send, or we have nothing more to send it: nothing graceful can end this. */
  #dropStalled(writeStallTimeoutMs: number, what = "queued writes"): void {
    this.#deadline ??= new DeadlineError("WRITE_STALL", "write", `${what} made no progress for ${writeStallTimeoutMs} ms`);
    this.destroy();
  }

  /** A close waits for a stream (or a send behind one) that has written nothing for `stallMs` (#streamStallMs). */
  #streamStalled(now: number, stallMs: number): boolean {
    return this.#gate !== null && this.#closeStarted > 0 && now - Math.max(this.#lastWritten, this.#closeStarted) > stallMs;
  }

  /** How long a close waits for writes or a stream that make no progress: the write-stall deadline, or closeTimeoutMs if that is off. */
  #streamStallMs(writeStallTimeoutMs: number): number {
    if (writeStallTimeoutMs > 0) return writeStallTimeoutMs;
    // Both off: a close must still end, and closeTimeoutMs's default is the bound it would have had.
    return this.#options.closeTimeoutMs || DEFAULT_CLOSE_TIMEOUT_MS;
  }

  #writeStalled(now: number, writeStallTimeoutMs: number): boolean {
    return writeStallTimeoutMs > 0 && this.#queuedBytes + this.#unbatchedBytes > 0 && now - this.#lastWritten > writeStallTimeoutMs;
  }

  get localAddress(): string {
    return this.#stream.localAddress;
  }

  get remoteAddress(): string {
    return this.#stream.remoteAddress;
  }

  /** The decode error that ended this connection, if one did. */
  get protocolError(): SockframeError | null {
    return this.#protocolError;
  }

  /** The socket error that closed the connection (a reset, say), if any. */
  get socketError(): Error | null {
    return this.#socketError;
  }

  /** Incoming frames, bodies in memory; requests' replies are not among them. Throws the decode error last. */
  [Symbol.asyncIterator](): AsyncIterator<Frame<Header>> {
    if (this.#streamed !== null) throw new TypeError("this connection streams bodies: iterate receiveStreams()");
    this.#readsFrames = true;
    return this.#incoming[Symbol.asyncIterator]();
  }

  /** Incoming frames with their bodies as streams (connections opened with `streamBodies: true`). */
  receiveStreams(): AsyncIterable<StreamedFrame> {
    if (this.#streamed === null) throw new TypeError("open the connection with streamBodies: true to receive streams");
    this.#readsFrames = true;
    return this.#streamed;
  }

  /**
   * Sends one frame. Frames sent in the same tick go out in one write. Resolves when the octets are
   * handed to the OS, which waits while the socket is backed up. While a sendStream() is going out,
   * the frame waits and follows its body.
   */
  send(header: OutgoingHeader, body: Uint8Array = EMPTY): Promise<void> {
    if (this.#closing || this.#isClosed) return Promise.reject(this.#cannotStart());
    return this.#sendInTurn(header, body);
  }

  /** Sends now, or after the streams under way (their bodies must not be interleaved). */
  #sendInTurn(header: OutgoingHeader, body: Uint8Array): Promise<void> {
    return this.#gate !== null ? this.#afterGate(() => this.#sendNow(header, body)) : this.#sendNow(header, body);
  }

  /** Why a send cannot start: this end is closing it (CLOSING), or it closed under us, a reset say (CLOSED). */
  #cannotStart(): ConnectionClosedError {
    return this.#closing ? closing() : new ConnectionClosedError("CLOSED", "sockframe: connection is closed");
  }

  #sendNow(header: OutgoingHeader, body: Uint8Array): Promise<void> {
    // Checked again for a send that waited behind a stream: close() lets it go, destroy() not.
    if (this.#sendingStopped || this.#isClosed) return Promise.reject(closedUnder());
    let size: number;
    try {
      size = this.#batch.frame(header, body, this.#options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#queued(size);
  }

  /**
   * Runs `task` once every sendStream() (and send()) called before it has queued its octets: now,
   * if none is under way, so that a stream's head is queued before sendStream() returns.
   */
  #afterGate(task: () => Promise<void>): Promise<void> {
    // Every gate settles once the connection ends (a stream's source is stopped then, and writes
    // fail), so what waits behind a stalled stream runs, and fails as on any closed connection.
    // Not raced against `closed`: each race would leave a reaction on it for the connection's life.
    const run = this.#gate === null ? task() : this.#gate.then(task);
    const gate = run.then(noop, noop);
    this.#gate = gate;
    void gate.then(() => {
      if (this.#gate === gate) this.#gate = null;
    });
    return run;
  }

  /** Queues octets already encoded: a streamed frame's head or body chunk. */
  #enqueue(bytes: Uint8Array): Promise<void> {
    this.#batch.chunk(bytes);
    return this.#queued(bytes.length);
  }

  /** Accounts for `size` octets just added to the batch, and schedules its write. */
  #queued(size: number): Promise<void> {
    // The stall clock starts when the queue goes from empty to not empty.
    if (this.#queuedBytes === 0) this.#lastWritten = Date.now();
    this.#queuedBytes += size;
    // Past the frame (or streamed chunk) that crosses the limit: one alone, however large, does not
    // stop reading, or two ends sending large bodies at once would each wait for the other to read.
    if (this.#queuedBytes - size > (this.#options.maxWriteBufferBytes ?? 8 * 1024 * 1024)) this.#setPaused(WRITE_FULL, true);
    if (this.#batchDone === null) {
      this.#batchDone = this.#scheduleFlush();
      // Senders below the high-water mark do not wait for it: a failed write must not go unhandled.
      this.#batchDone.catch(() => undefined);
    }
    // Below the high-water mark a sender may go on at once: its octets are queued, in order, and
    // a handler that awaits each send() still has the replies of a whole chunk share one write.
    return this.#queuedBytes <= this.#highWater ? RESOLVED : this.#batchDone;
  }

  async #scheduleFlush(): Promise<void> {
    // Let the current tick queue more frames: they share one write. A batch already past the
    // high-water mark has nothing to gain from waiting for company: it goes after this microtask.
    if (this.#stream.afterTick === undefined || this.#batch.bytes > this.#highWater) await null;
    else await new Promise<void>((resolve) => this.#stream.afterTick!(resolve));
    const bytes = this.#batch.bytes;
    const chunks = this.#batch.take();
    this.#batchDone = null;
    const previous = this.#writing;
    const written = previous.then(() => this.#stream.write(chunks)).catch((error: unknown) => {
      throw this.#whyUnwritten(error);
    }).finally(() => {
      this.#queuedBytes -= bytes;
      this.#writtenTotal += bytes;
      if (this.#releases.length > 0) this.#releaseWritten();
      if (this.#queuedBytes === 0) {
        this.#batch.idle();
        this.#writtenTotal = 0;
      }
      this.#lastWritten = Date.now();
      if (this.#queuedBytes <= this.#highWater) this.#setPaused(WRITE_FULL, false);
    });
    this.#writing = written.catch((error: unknown) => {
      this.#writeFailure ??= error;
    });
    // Below the high-water mark a sender may go on as soon as its octets are queued in order.
    if (this.#queuedBytes <= this.#highWater) {
      written.catch(() => undefined);
      return;
    }
    return written;
  }

  /**
   * Hands back the body of a frame or reply this connection received, once you are done with it:
   * a later body that spans reads is then gathered into the same memory instead of a fresh buffer
   * (see FrameDecoder.release()). For 1 MiB bodies that is the difference between memory still in
   * cache and new pages from the kernel (docs/bench). The body's contents will change, so release
   * it only when nothing reads it any more: not stored, and not queued on another connection.
   * Sending it on this connection with send() or request() first is fine: the memory is reused only
   * after every octet queued here before the release was handed to the OS. Ignored for bodies the
   * connection did not gather.
   *
   * With `streamBodies: true`, hand back the chunks read from a body stream in the same way: a chunk
   * that is all of one read into a buffer of its own (Node and Deno read a flowing body so) has
   * the later reads of a body read into its memory instead of a new buffer, which spares the
   * runtime the allocation and the garbage collector the work. At most four (1 MiB) are kept,
   * for the life of the connection. A chunk that is all of a read into memory of its own
   * otherwise (a runtime's buffer per read, as Bun's; a copy) is freed at once, where the runtime
   * has `ArrayBuffer.prototype.transfer`: do not touch it after release. Other chunks are ignored.
   */
  release(body: Uint8Array): void {
    const decoder = this.#decoder;
    // Most bodies (views of the read they came in) have nothing to give back: not worth a place in the list.
    if (decoder instanceof FrameDecoder ? !decoder.releasable(body) : !this.#wholeChunks.delete(body)) return;
    this.#afterQueuedWritten(body, null);
  }

  /**
   * Reclaims `body` (`written` null) or reports it to `written`, once every octet queued so far
   * was handed to the OS: at once when none waits.
   */
  #afterQueuedWritten(body: Uint8Array, written: ((chunk: Uint8Array) => void) | null): void {
    if (this.#queuedBytes === 0) this.#settleWritten(body, written);
    else this.#releases.push({ body, after: this.#writtenTotal + this.#queuedBytes, written });
  }

  #settleWritten(body: Uint8Array, written: ((chunk: Uint8Array) => void) | null): void {
    if (written === null) this.#reclaim(body);
    else reportWritten(written, body);
  }

  #releaseWritten(): void {
    const releases = this.#releases;
    while (releases.length > 0 && releases[0]!.after <= this.#writtenTotal) {
      const { body, written } = releases.shift()!;
      this.#settleWritten(body, written);
    }
  }

  #reclaim(body: Uint8Array): void {
    const decoder = this.#decoder;
    if (decoder instanceof FrameDecoder) decoder.release(body);
    else if (this.#freshBuffers.has(body.buffer) && body.buffer.byteLength === STREAM_READ_SIZE && this.#chunkPool.length < MAX_POOLED_CHUNKS) {
      this.#chunkPool.push(new Uint8Array(body.buffer as ArrayBuffer));
    }
    // Freed now rather than at some later collection (Bun's reads pile up as garbage otherwise).
    else freeNow(body);
  }

  /**
   * Sends a frame whose `size`-octet body comes from a stream, without holding it in memory. Frames
   * sent meanwhile, and other streams, wait and follow it in call order; a close() waits for it.
   */
  sendStream(header: OutgoingHeader, size: number, body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>, options: SendStreamOptions = {}): Promise<void> {
    if (this.#closing || this.#isClosed) return Promise.reject(this.#cannotStart());
    return this.#afterGate(() => this.#sendStreamNow(header, size, body, options.onWritten ?? null));
  }

  async #sendStreamNow(header: OutgoingHeader, size: number, body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>, written: ((chunk: Uint8Array) => void) | null): Promise<void> {
    if (this.#sendingStopped || this.#isClosed) throw closedUnder();
    const head = encodeStreamHead(header, size, this.#options);
    const source = new BodySource(body);
    this.#source = source;
    const headQueued = this.#enqueue(head);
    this.#midBody = size > 0;
    let sent = 0;
    try {
      await this.#streamWait(headQueued);
      for (let chunk = await source.next(); chunk !== null; chunk = await source.next()) {
        if (sent + chunk.length > size) {
          // Once `size` octets are out the frame is whole: the connection is fine.
          if (sent === size) throw new RangeError(`body stream gave more than the announced ${size} octets; the frame went out with the first ${size}`);
          this.destroy();
          throw new RangeError(`body stream gave more than the announced ${size} octets; connection aborted`);
        }
        if (this.#isClosed || this.#sendingStopped) throw this.#streamCut();
        sent += chunk.length;
        if (sent === size) this.#midBody = false;
        const queued = this.#enqueue(chunk);
        if (written !== null) this.#afterQueuedWritten(chunk, written);
        await this.#streamWait(queued);
        if (this.#queuedBytes > this.#highWater) await this.#streamWait(this.#writing);
      }
      if (sent !== size) throw new RangeError(`body stream ended after ${sent} of the announced ${size} octets; connection aborted`);
    } catch (error) {
      source.stop(error);
      // The peer was promised `size` octets: anything else sent now would be read as body. An error
      // close under way ends with our FIN, which the peer reads as a truncated frame.
      if (sent !== size && !this.#sendingStopped) this.destroy();
      throw error;
    } finally {
      this.#midBody = false;
      this.#source = null;
    }
    if (this.#batchDone !== null) await this.#streamWait(this.#batchDone.catch(() => undefined));
    await this.#streamWait(this.#writing);
    // The last chunks may have been queued below the high-water mark, their write failing later.
    if (this.#writeFailure !== null) throw this.#writeFailure;
  }

  /**
   * What a failed write rejects its senders with: the socket's error, unless this end stopped
   * sending first (destroy(), a deadline), which is what the sender needs to hear.
   */
  #whyUnwritten(error: unknown): unknown {
    if (!this.#sendingStopped || this.#socketError !== null) return error;
    return this.#deadline ?? closedUnder();
  }

  /**
   * Waits for a stream's write, or rejects at once when the connection stops sending or closes: a
   * socket that never settles a write once destroyed must not hold the stream, nor what waits
   * behind it. One wait at a time (one stream goes out at a time), so nothing piles up.
   */
  #streamWait<T>(promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#isClosed || (this.#sendingStopped && this.#midBody)) return reject(this.#streamCut());
      this.#interruptStream = reject;
      promise.then(
        (value) => {
          this.#interruptStream = null;
          resolve(value);
        },
        (error: unknown) => {
          this.#interruptStream = null;
          reject(error);
        },
      );
    });
  }

  /** Why a stream under way stopped: the write or socket error that ended the connection, else CLOSED. */
  #streamCut(): unknown {
    return this.#writeFailure ?? this.#socketError ?? new ConnectionClosedError("CLOSED", "sockframe: connection closed while streaming a body");
  }

  /**
   * Sends a request with a fresh `id` and resolves with the reply carrying that id (replies may come
   * in any order; many requests may be in flight). An error frame in reply rejects with RemoteError.
   * On a connection opened with `streamBodies: true`, use requestStream().
   */
  request(header: OutgoingHeader, body?: Uint8Array, options?: RequestOptions): Promise<Frame<Header>> {
    if (this.#streamed !== null) return Promise.reject(new TypeError("this connection streams bodies: use requestStream()"));
    return this.#request(header, body, options) as Promise<Frame<Header>>;
  }

  /**
   * request() for connections opened with `streamBodies: true`: resolves as soon as the reply's
   * header is in, with its body as a stream (read it, or reading from the socket stays paused).
   */
  requestStream(header: OutgoingHeader, body?: Uint8Array, options?: RequestOptions): Promise<StreamedFrame> {
    if (this.#streamed === null) return Promise.reject(new TypeError("open the connection with streamBodies: true to stream replies, or use request()"));
    return this.#request(header, body, options) as Promise<StreamedFrame>;
  }

  #request(header: OutgoingHeader, body: Uint8Array | undefined, options: RequestOptions | undefined): Promise<Frame<Header> | StreamedFrame> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    // No reply could be decoded any more.
    const ended = this.#protocolError ?? this.#deadline;
    if (ended !== null) return Promise.reject(ended);
    if (this.#peerFinished) return Promise.reject(new ConnectionClosedError("PEER_CLOSED", "sockframe: the peer closed; no reply can come"));
    const id = this.#nextId;
    this.#nextId += 2;
    return new Promise<Frame<Header> | StreamedFrame>((resolve, reject) => {
      let settle = { resolve, reject };
      if (signal !== undefined) {
        const abort = () => {
          if (!this.#requests.delete(id)) return;
          this.#abandon(id);
          reject(signal.reason);
        };
        signal.addEventListener("abort", abort, { once: true });
        const done = () => signal.removeEventListener("abort", abort);
        settle = {
          resolve: (frame) => (done(), resolve(frame)),
          reject: (error) => (done(), reject(error)),
        };
      }
      this.#requests.set(id, settle);
      const sent = this.send(withId(header, id), body);
      // Queued below the high-water mark (the usual case): nothing can fail later, no handler needed.
      if (sent === RESOLVED) return;
      sent.catch((error: unknown) => {
        if (this.#requests.delete(id)) settle.reject(error);
      });
    });
  }

  #abandon(id: string | number): void {
    this.#abandoned.add(id);
    if (this.#abandoned.size > MAX_ABANDONED) this.#abandoned.delete(this.#abandoned.values().next().value!);
  }

  /** The pending request a frame with this header answers, taken out of the table; or undefined. */
  #takeRequest(header: Header): Pending | undefined {
    const id = header.id;
    if (id === undefined) return undefined;
    const pending = this.#requests.get(id);
    if (pending !== undefined) this.#requests.delete(id);
    return pending;
  }

  /**
   * Notes an error frame without an id: the peer's word on the connection rather than on one
   * request (SPEC 7.3: its decoder failed, and it closes next), or on a frame without an id. Should
   * the peer then close with requests still pending, they fail with its reason rather than a bare
   * "closed". The frame is still delivered.
   */
  #notePeerError(header: Header): void {
    if (header.error !== undefined && header.id === undefined) this.#peerError = header;
  }

  /** Why pending requests will have no reply now that the peer stopped: its last error frame without an id, if any. */
  #noReply(otherwise: Error): Error {
    return this.#peerError === null ? otherwise : new RemoteError(this.#peerError);
  }

  /** Replies to requests given up on (RequestOptions.signal) that came after all: dropped. */
  lateReplies = 0;

  /** True (and counted) when the frame answers a request that was given up on. */
  #isLateReply(header: Header): boolean {
    if (header.id === undefined || !this.#abandoned.delete(header.id)) return false;
    this.lateReplies++;
    return true;
  }

  /** Requests in flight. */
  get pendingRequests(): number {
    return this.#requests.size;
  }

  /**
   * Graceful close: sends what was sent before it, streams under way to their end, then FIN; waits
   * for the peer to close (at most closeTimeoutMs), then releases the socket.
   */
  async close(): Promise<CloseInfo> {
    // Closing after a protocol error is that error's close (SPEC 7.3): its error frame, then FIN.
    if (this.#errorOwed !== null) this.#payErrorOwed();
    if (!this.#closing && !this.#isClosed) {
      this.#closing = true;
      this.#closeStarted = Date.now();
      if (this.#watchdog === null) this.#armWatchdog();
      // Until the socket closes, if it does first: writes to a peer that never reads, and a stream
      // whose source falls silent, end only when the write-stall deadline destroys the connection.
      const flushed = (async () => {
        // Refusals (#refuse) may join the queue until the FIN is under way.
        let writing: Promise<void>;
        do {
          if (this.#gate !== null) await this.#gate;
          if (this.#batchDone !== null) await this.#batchDone.catch(() => undefined);
          writing = this.#writing;
          await writing;
        } while (this.#gate !== null || this.#batchDone !== null || this.#writing !== writing);
        this.#finStarted = true;
        await this.#stream.closeWrite().catch(() => undefined);
        this.#finSent = true;
      })();
      await Promise.race([flushed, this.closed]);
      // Read again (and discard): a paused socket would never see the peer's close.
      this.#setPaused(ALL_REASONS, false);
      if (this.#peerFinished) this.#stream.destroy();
      await waitAtMost(this.#options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS, this.closed);
      this.destroy();
    }
    return this.closed;
  }

  /** Closes at once; unsent octets are dropped. */
  destroy(): void {
    this.#closing = true;
    this.#stopSending();
    this.#stream.destroy();
  }

  /** Sends nothing more: a body streaming out stops where it is, even while its source keeps it waiting. */
  #stopSending(): void {
    this.#sendingStopped = true;
    this.#source?.stop(this.#streamCut());
    // A stream whose body is all queued still goes out (ahead of an error frame): only one cut
    // mid-body stops waiting now. destroy() fails the writes anyway (#onClose, for a socket that
    // would not).
    if (this.#midBody) this.#interruptStream?.(this.#streamCut());
  }

  #readTarget(): Uint8Array | null {
    if (this.#decodingEnded || !(this.#decoder instanceof FrameDecoder)) return null;
    return this.#decoder.readTarget();
  }

  #freshBuffer(): Uint8Array | null {
    if (this.#decodingEnded || !(this.#decoder instanceof StreamingFrameDecoder)) return null;
    const toCome = this.#decoder.bodyToCome;
    if (toCome <= COPY_BELOW) return null;
    const pooled = this.#chunkPool.pop();
    // Never more than the body's rest: a read that took in the next frame's start as well would
    // leave its buffer shared by two frames, never to be taken back whole (a Node echo of streamed
    // 1 MiB bodies lost a buffer per body so, and allocated a fresh one for a fifth of its reads).
    const buffer = pooled === undefined ? new Uint8Array(Math.min(toCome, STREAM_READ_SIZE)) : pooled.subarray(0, toCome);
    this.#freshBuffers.add(buffer.buffer);
    return buffer;
  }

  /**
   * Octets received: a chunk, or a count read straight into the decoder's readTarget(). Returns
   * whether nothing of the chunk is kept: no octet left undecoded, no frame's body a view of it.
   */
  #onData(received: Uint8Array | number): boolean {
    if (this.#decodingEnded) return true;
    this.#lastReceived = Date.now();
    const seen = this.#framesSeen;
    if (typeof received === "number") {
      (this.#decoder as FrameDecoder<Header>).pushed(received);
      this.#drain();
    } else {
      this.#chunkBuffer = received.buffer;
      this.#chunkLength = received.length;
      this.#chunkKept = false;
      this.#decoder.push(received);
      this.#drain();
      this.#chunkBuffer = null;
    }
    // The header deadline runs from the first octet of the header now in progress: a frame
    // delivered in this chunk ends the previous one's.
    const stage = this.#decoder.stage;
    if (stage !== "prefix" && stage !== "header") this.#headerStarted = 0;
    else if (this.#headerStarted === 0 || this.#framesSeen !== seen) this.#headerStarted = this.#lastReceived;
    // The body deadline runs from the chunk its body began in (near enough: the octets of that
    // chunk before the body count as body).
    if (stage !== "body") this.#bodyStarted = 0;
    else if (this.#bodyStarted === 0 || this.#framesSeen !== seen) [this.#bodyStarted, this.#bodyOctets] = [this.#lastReceived, 0];
    else this.#bodyOctets += typeof received === "number" ? received : received.length;
    // Streamed bodies are views of the chunks they arrive in.
    return !this.#chunkKept && this.#decoder.buffered === 0 && this.#decoder instanceof FrameDecoder;
  }

  #onEnd(): void {
    this.#peerFinished = true;
    this.#resolvePeerEnded();
    // The peer will send nothing more: no reply is coming for requests still waiting.
    const noReply = this.#noReply(new ConnectionClosedError("PEER_CLOSED", "sockframe: the peer closed before replying"));
    for (const pending of this.#requests.values()) pending.reject(noReply);
    this.#requests.clear();
    // Both directions are finished once our FIN is out too: nothing left to wait for.
    if (this.#finSent) this.#stream.destroy();
    // A frame cut off by an error is not TRUNCATED: nothing is decoded after it.
    if (this.#decodingEnded) return;
    this.#decoder.end();
    this.#drain();
    if (this.#protocolError === null) this.#finishIncoming(null);
    // A client that only makes requests would never notice: a server shutting down would wait
    // closeTimeoutMs for our FIN. With nothing of ours under way, the peer done and no reply to
    // come, close our side too.
    if (this.#opened && !this.#readsFrames && !this.#closing && this.#queuedBytes === 0 && this.#gate === null) void this.close();
  }

  #onClose(error?: Error): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    if (this.#watchdog !== null) clearTimeout(this.#watchdog);
    this.#socketError = error ?? null;
    this.#source?.stop(this.#streamCut());
    this.#interruptStream?.(this.#streamCut());
    const failure = this.#protocolError ?? this.#deadline ?? error ?? new ConnectionClosedError("CLOSED", "sockframe: connection closed");
    const noReply = this.#protocolError === null ? this.#noReply(failure) : failure;
    for (const pending of this.#requests.values()) pending.reject(noReply);
    this.#requests.clear();
    this.#failBody(failure);
    // A close without a FIN first (a reset, our own destroy()) ends the incoming frames cleanly at a
    // frame boundary. Inside a frame it loses that frame, but that is no decode error of the
    // peer's (TRUNCATED is for a FIN inside a frame, #onEnd): iteration ends with the socket's
    // error, or CLOSED.
    const cut = !this.#decodingEnded && !this.#decoder.done && this.#decoder.stage !== "idle";
    if (!this.#decodingEnded && !this.#decoder.done && !cut) this.#decoder.end();
    this.#finishIncoming(this.#protocolError ?? this.#deadline ?? (cut ? failure : null));
    this.#resolvePeerEnded();
    this.#resolveClosed({ protocolError: this.#protocolError, deadlineError: this.#deadline, socketError: this.#socketError });
  }

  #finishIncoming(error: unknown): void {
    this.#incoming.finish(error);
    this.#streamed?.finish(error);
  }

  #drain(): void {
    try {
      const decoder = this.#decoder;
      if (decoder instanceof FrameDecoder) {
        for (const frame of decoder) {
          const end = decoder.offset;
          this.#deliver(frame, end - this.#frameStart - frame.body.length);
          this.#frameStart = end;
        }
      } else {
        for (const event of decoder) {
          if (event.type === "head") this.#startBody(event.header, decoder.offset - this.#frameStart);
          else if (event.type === "data") this.#bodyData(event.chunk);
          else {
            this.#frameStart = decoder.offset;
            this.#endBody();
          }
        }
      }
    } catch (error) {
      if (!isSockframeError(error)) throw error;
      this.#onProtocolError(error);
    }
  }

  /** A whole frame; `headOctets`: its prefix and header, on the wire. */
  #deliver(frame: Frame<Header>, headOctets: number): void {
    this.#framesSeen++;
    if (frame.body.buffer === this.#chunkBuffer) this.#chunkKept = true;
    const pending = this.#takeRequest(frame.header);
    if (pending !== undefined) {
      if (frame.header.error !== undefined) pending.reject(new RemoteError(frame.header));
      else pending.resolve(frame);
      return;
    }
    this.#notePeerError(frame.header);
    if (this.#isLateReply(frame.header)) return;
    if (this.#stopped) {
      this.#refuse(frame.header);
      return;
    }
    if (this.#discarding) {
      this.discardedFrames++;
      return;
    }
    // Counted before the push: a waiting consumer takes the frame (and uncounts it) within push().
    const cost = queuedFrameCost(frame.body.length, headOctets);
    this.#queuedIncomingBytes += cost;
    this.#incoming.push(frame, cost);
    if (this.#incoming.size >= this.#maxQueued || this.#queuedIncomingBytes >= this.#maxQueuedBytes) {
      this.#setPaused(QUEUE_FULL, true);
    }
  }

  /** A consumer took a frame: read again once the queue is down to half its limits. */
  #took(bytes: number): void {
    this.#framesTaken++;
    this.#queuedIncomingBytes -= bytes;
    const size = (this.#streamed ?? this.#incoming).size;
    if (size <= this.#maxQueued >> 1 && this.#queuedIncomingBytes <= this.#maxQueuedBytes / 2) this.#setPaused(QUEUE_FULL, false);
  }

  /**
   * A frame that arrived after stopReceiving() is answered with an error frame rather than
   * dropped in silence: the peer learns it was not processed and may retry elsewhere.
   */
  #refuse(header: Header): void {
    // Error frames are never answered (SPEC 7.3); after our FIN nothing can be. A close refuses
    // what arrives while it flushes, up to lingerMs: a peer that keeps sending cannot hold it.
    const tooLate = this.#finStarted || this.#sendingStopped || this.#isClosed || (this.#closeStarted > 0 && Date.now() - this.#closeStarted > this.#lingerMs);
    if (header.error !== undefined || tooLate) {
      this.discardedFrames++;
      return;
    }
    this.refusedFrames++;
    const reply: OutgoingHeader = { error: { code: "SHUTTING_DOWN", message: "not processed: the server is shutting down" } };
    if (header.id !== undefined) reply.id = header.id;
    // Past send()'s check: a close under way still writes this, ahead of its FIN.
    void this.#sendInTurn(reply, EMPTY).catch(() => undefined);
  }

  /**
   * Drops the frames queued unread, the rest of a body being received, and every frame that
   * arrives from now on (counted in discardedFrames); iteration ends. For an owner done reading:
   * a close then reads on to the peer's FIN instead of pausing on a full queue until
   * closeTimeoutMs. The server calls it once a handler has returned. Replies still reach their
   * requests.
   */
  discardIncoming(): void {
    if (this.#discarding) return;
    this.#discarding = true;
    // Counted in two steps: dropping resumes reading, which may discard more frames at once.
    const dropped = (this.#streamed ?? this.#incoming).drop();
    this.discardedFrames += dropped;
    if (this.#currentBody !== null && !this.#currentIsReply) {
      this.#currentBody.error(new ConnectionClosedError("CLOSED", "sockframe: the body was discarded, unread"));
      this.#currentBody = null;
      this.#discardBody = true;
    }
    this.#finishIncoming(null);
    this.#setPaused(QUEUE_FULL | BODY_FULL, false);
  }

  /** Frames that arrived after stopReceiving() and were answered with a SHUTTING_DOWN error frame. */
  refusedFrames = 0;
  /** Frames that arrived after stopReceiving() and could not be answered: error frames, or after our FIN. */
  discardedFrames = 0;

  /** A streamed frame's header; `headOctets`: its prefix and header, on the wire. */
  #startBody(header: Header, headOctets: number): void {
    this.#framesSeen++;
    this.#unreadStreamed = null;
    // In #deliver's order: a reply goes to its request, a late reply nowhere, then the refusal.
    const pending = this.#takeRequest(header);
    if (pending === undefined) {
      this.#notePeerError(header);
      if (this.#isLateReply(header)) {
        this.#discardBody = true;
        return;
      }
      if (this.#stopped) {
        this.#refuse(header);
        this.#discardBody = true;
        return;
      }
      if (this.#discarding) {
        this.discardedFrames++;
        this.#discardBody = true;
        return;
      }
    } else if (header.error !== undefined) {
      pending.reject(new RemoteError(header));
      this.#discardBody = true;
      return;
    }
    this.#discardBody = false;
    let ours!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          ours = controller;
          this.#currentBody = controller;
        },
        pull: (controller) => {
          const failure = this.#bodyFailures.get(controller);
          // A body that failed ends once its reader has taken what arrived before the failure.
          if (failure !== undefined && (controller.desiredSize ?? 0) >= BODY_QUEUE_CHUNKS) {
            this.#bodyFailures.delete(controller);
            controller.error(failure);
          } else this.#setPaused(BODY_FULL, false);
        },
        cancel: () => {
          // The reader gave up on a body still arriving: the rest of it can only be discarded with
          // the connection. One that has all arrived costs nothing more.
          if (this.#currentBody === ours) this.destroy();
        },
      },
      { highWaterMark: BODY_QUEUE_CHUNKS, size: () => 1 },
    );
    this.#currentIsReply = pending !== undefined;
    if (pending !== undefined) {
      pending.resolve({ header, body });
      return;
    }
    // Its body is counted as it arrives (#bodyData), for as long as the frame waits unread.
    const cost = queuedFrameCost(0, headOctets);
    this.#queuedIncomingBytes += cost;
    const frame = { header, body };
    this.#unreadStreamed = frame;
    this.#streamed!.push(frame, cost);
    if (this.#streamed!.size >= this.#maxQueued || this.#queuedIncomingBytes >= this.#maxQueuedBytes) this.#setPaused(QUEUE_FULL, true);
  }

  #bodyData(chunk: Uint8Array): void {
    if (this.#discardBody) return;
    const controller = this.#currentBody;
    if (controller === null) return;
    // All of a read, into a buffer of ours or into memory of its own (a runtime's buffer per read,
    // a copy): nothing else refers to that memory, so release() may reuse or free it.
    const wholeRead = chunk.byteOffset === 0 && chunk.buffer === this.#chunkBuffer && chunk.length === this.#chunkLength;
    if (wholeRead && (this.#freshBuffers.has(chunk.buffer) || chunk.length === chunk.buffer.byteLength)) this.#wholeChunks.add(chunk);
    controller.enqueue(chunk);
    if ((controller.desiredSize ?? 1) <= 0) this.#setPaused(BODY_FULL, true);
    // Unread frames' bodies count too: many small bodies, each complete within its stream's
    // queue, would otherwise pile up past maxQueuedBytes.
    const unread = this.#unreadStreamed;
    if (unread !== null) {
      if (!this.#streamed!.addCost(unread, chunk.length)) this.#unreadStreamed = null; // taken: its reader has it
      else if ((this.#queuedIncomingBytes += chunk.length) >= this.#maxQueuedBytes) this.#setPaused(QUEUE_FULL, true);
    }
  }

  /**
   * Ends the body being received with `error`, after the chunks its reader has yet to take: they
   * arrived, and are not lost to a reader that is behind (SPEC 4.2: the error takes the place of
   * the end of the frame).
   */
  #failBody(error: unknown): void {
    const controller = this.#currentBody;
    if (controller === null) return;
    this.#currentBody = null;
    if ((controller.desiredSize ?? 0) >= BODY_QUEUE_CHUNKS) controller.error(error);
    else this.#bodyFailures.set(controller, error);
  }

  #endBody(): void {
    this.#currentBody?.close();
    this.#currentBody = null;
    this.#unreadStreamed = null;
    // The closed body's queue may still be full, and its pull() will not run again.
    this.#setPaused(BODY_FULL, false);
  }

  #setPaused(reason: number, paused: boolean): void {
    const before = this.#pauseReasons;
    const after = paused ? before | reason : before & ~reason;
    this.#pauseReasons = after;
    if (before === 0 && after !== 0) this.#stream.pause();
    else if (before !== 0 && after === 0) this.#stream.resume();
  }

  /**
   * After a decode error or a deadline (SPEC 7.2): nothing more is decoded, so a frame it cut off
   * is no TRUNCATED and no reply can reach a request still waiting.
   */
  get #decodingEnded(): boolean {
    return this.#protocolError !== null || this.#deadline !== null;
  }

  /** A header or body deadline passed: a TIMEOUT error frame, then close. */
  #failWith(stage: "header" | "body", message: string): void {
    this.#deadline = new DeadlineError("TIMEOUT", stage, message);
    this.#failIncoming(this.#deadline);
    this.#sendErrorAndClose("TIMEOUT", message);
  }

  #onProtocolError(error: SockframeError): void {
    this.#protocolError = error;
    this.#failIncoming(error);
    // SPEC 7.3: the replies to frames delivered before the error go out ahead of its error frame,
    // however the peer's octets were split into reads. It waits until the application has taken
    // them all and come back for more, as long as it keeps taking them: a grace that restarts
    // with each frame taken, so that a slow reader answers them all and nobody reading costs one.
    this.#errorOwed = error;
    this.#errorAt = Date.now();
    void this.#repliesOwed().then(() => this.#payErrorOwed());
  }

  /** Resolves once the application came back after the last frame, or took none for lingerMs. */
  async #repliesOwed(): Promise<void> {
    let handed = false;
    const end = (this.#streamed ?? this.#incoming).endHanded().then(() => void (handed = true));
    for (;;) {
      const taken = this.#framesTaken;
      await waitAtMost(this.#lingerMs, end, this.closed);
      if (handed || this.#isClosed || this.#framesTaken === taken) return;
    }
  }

  /** Sends the error frame a protocol error owes the peer, and closes; once. */
  #payErrorOwed(): void {
    const error = this.#errorOwed;
    if (error === null) return;
    this.#errorOwed = null;
    if (this.#isClosed || this.#sendingStopped) return;
    this.#sendErrorAndClose(error.code, error.message);
  }

  /** Ends what the peer was sending with `error`: the frames to come, the body under way, the requests waiting. */
  #failIncoming(error: Error): void {
    this.#finishIncoming(error);
    this.#failBody(error);
    for (const pending of this.#requests.values()) pending.reject(error);
    this.#requests.clear();
  }

  /** SPEC 7.3: one error frame, then close. Never answer an error frame with one. */
  #sendErrorAndClose(code: string, text: string): void {
    this.#closing = true;
    this.#stopSending();
    // Its flush is watched as close()'s is: a peer that reads nothing cannot hold it.
    if (this.#closeStarted === 0) this.#closeStarted = Date.now();
    if (this.#watchdog === null) this.#armWatchdog();
    // The default header limit, not ours: ours may be tiny, and the peer's is unknown. A short message keeps it small.
    // toWellFormed: the message may quote the peer's bad input, lone surrogates included.
    const message = (text.length > 200 ? `${text.slice(0, 197)}...` : text).toWellFormed();
    const frame = encodeErrorFrame({ code, message }, { profile: this.#options.profile });
    // Not inside a body we are streaming out: the peer would read the frame as body octets. It
    // learns of the end all the same, from a truncated frame.
    const midBody = this.#midBody;
    // After the frames already sent, including a batch whose flush is still to come.
    void (this.#batchDone ?? RESOLVED)
      .catch(() => undefined)
      .then(() => this.#writing)
      .then(() => (midBody ? undefined : this.#writeCounted(frame)))
      .then(() => this.#stream.closeWrite())
      .then(() => {
        this.#finSent = true;
      })
      .catch(() => undefined)
      .then(() => this.#lingerThenDestroy());
  }

  /** Writes `bytes` outside the batch, watched all the same: a peer that never reads them trips the write-stall deadline. */
  async #writeCounted(bytes: Uint8Array): Promise<void> {
    this.#lastWritten = Date.now();
    this.#unbatchedBytes += bytes.length;
    try {
      await this.#stream.write([bytes]);
    } finally {
      this.#unbatchedBytes -= bytes.length;
      this.#lastWritten = Date.now();
    }
  }

  /** How long an ending connection waits on its own terms: for the peer to close, for replies owed before an error frame. */
  get #lingerMs(): number {
    return Math.min(this.#options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS, 2000);
  }

  /**
   * Waits for the peer to close before releasing the socket: closing with unread input makes the
   * kernel send a reset, which can destroy the error frame before the peer reads it.
   */
  async #lingerThenDestroy(): Promise<void> {
    this.#setPaused(ALL_REASONS, false);
    if (this.#peerFinished) {
      this.#stream.destroy();
      return;
    }
    // After a protocol error, the grace its error frame waited (#onProtocolError) counts: the
    // connection ends within about lingerMs of the error, never twice that.
    const waited = this.#errorAt > 0 ? Date.now() - this.#errorAt : 0;
    await waitAtMost(Math.max(this.#lingerMs - waited, this.#lingerMs / 4), this.closed);
    this.#stream.destroy();
  }

  /**
   * Stops taking new frames (for a graceful server shutdown): frames already decoded are still
   * delivered, then iteration ends; frames that arrive afterwards are answered with a
   * `SHUTTING_DOWN` error frame (carrying their id), so none is dropped in silence.
   */
  stopReceiving(): void {
    if (this.#protocolError !== null || this.#isClosed) return;
    this.#stopped = true;
    this.#finishIncoming(null);
  }
}
