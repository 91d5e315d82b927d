import type { Socket } from "node:net";
import { nextTick } from "node:process";
import { type ByteStream, type ByteStreamEvents, coalesce, passOnRead, READ_SIZE, ReadBuffers } from "@sockframe/connection";

/** One promise's settle functions, called at most once (a socket may report a write twice: callback and close). */
class Settle {
  #done = false;
  readonly #resolve: () => void;
  readonly #reject: (error: Error) => void;

  constructor(resolve: () => void, reject: (error: Error) => void) {
    this.#resolve = resolve;
    this.#reject = reject;
  }

  resolve(): void {
    if (this.#done) return;
    this.#done = true;
    this.#resolve();
  }

  reject(error: Error): void {
    if (this.#done) return;
    this.#done = true;
    this.#reject(error);
  }
}

/** The read buffer of every node:net socket with onread in this thread (see ReadBuffers). */
const sharedReadBuffer = new Uint8Array(READ_SIZE);

/**
 * node:net's `onread` option, for the sockets connect() creates and those listen() rewraps
 * (withOnread): each read fills a buffer ReadBuffers chooses, so the rest of a large body is read
 * straight into place. Pass `option` to node:net's Socket.
 */
export class OnreadBuffers {
  readonly #buffers = new ReadBuffers({ shared: sharedReadBuffer });
  #events: ByteStreamEvents | null = null;
  #held: Uint8Array[] = [];
  #deliver: (event: () => void) => void = (event) => event();
  readonly #data = (chunk: Uint8Array): boolean | void => {
    if (this.#events !== null) return this.#events.data(chunk);
    this.#held.push(chunk);
  };
  readonly option = {
    buffer: (): Uint8Array => this.#buffers.next(this.#events),
    // true: keep reading (the connection pauses the socket itself when it must).
    callback: (count: number, buffer: Uint8Array): boolean => {
      this.#deliver(() => this.#buffers.deliver(this.#events, buffer, count, this.#data));
      return true;
    },
  };

  /** Reads from now on go to `events`, through `deliver` (which catches what they throw). */
  start(events: ByteStreamEvents, deliver: (event: () => void) => void): void {
    this.#events = events;
    this.#deliver = deliver;
    for (const chunk of this.#held.splice(0)) deliver(() => events.data(chunk));
  }
}

type Job = { kind: "write"; chunks: readonly Uint8Array[]; settle: Settle } | { kind: "fin"; settle: Settle };

/** Text forms of a socket's two ends, taken while it is open (node:net forgets them once closed). */
export interface SocketLabels {
  localAddress: string;
  remoteAddress: string;
}

/**
 * A node:net socket (TCP or Unix) as a ByteStream. The chunks of one write() leave in one system
 * call: runs of small chunks merged into one buffer, large chunks uncopied (cork/uncork). A write resolves only once its octets
 * are handed to the OS (the socket's write callback), and while the socket's buffer is above its
 * high-water mark (write() returned false) later writes wait in our queue for 'drain': node:net
 * would otherwise accept any amount and hold it all in memory. Reads through 'data' (sockets without
 * onread) that the connection kept nothing of are freed at once (transfer(0), where the runtime has
 * it), unless the socket has other 'data' listeners.
 */
export class NetByteStream implements ByteStream {
  readonly #socket: Socket;
  readonly localAddress: string;
  readonly remoteAddress: string;
  readonly #queue: Job[] = [];
  /** Writes and the FIN handed to the socket, not yet reported done. */
  readonly #handedOver = new Set<Settle>();
  #events: ByteStreamEvents | null = null;
  #waitingForDrain = false;
  #fin: Promise<void> | null = null;
  #error: Error | undefined;
  #closed = false;
  /** The peer's FIN came before start(): a socket with onread reads (and may end) from the outset. */
  #endedEarly = false;

  readonly #onread: OnreadBuffers | null;

  /**
   * The socket must be connected, and created with `allowHalfOpen: true`; and with
   * `onread: onread.option` when `onread` is given.
   */
  constructor(socket: Socket, labels: SocketLabels, onread: OnreadBuffers | null = null) {
    this.#socket = socket;
    this.#onread = onread;
    this.localAddress = labels.localAddress;
    this.remoteAddress = labels.remoteAddress;
    // Listening from the start: an 'error' without a listener would crash the process.
    socket.on("error", (error) => {
      this.#error ??= error;
    });
    socket.on("drain", () => {
      this.#waitingForDrain = false;
      this.#pump();
    });
    socket.on("close", () => this.#onClose());
    socket.on("end", () => {
      const events = this.#events;
      if (events === null) this.#endedEarly = true;
      else this.#deliver(() => events.end());
    });
  }

  start(events: ByteStreamEvents): void {
    if (this.#events !== null) throw new Error("sockframe: byte stream already started");
    this.#events = events;
    if (this.#closed) {
      events.close(this.#error);
      return;
    }
    if (this.#onread !== null) this.#onread.start(events, (event) => this.#deliver(event));
    else {
      this.#socket.on("data", (chunk: Buffer) => this.#deliver(() => this.#passOn(events, chunk)));
      // A listener alone does not start a socket paused before (a server's pauseOnConnect).
      this.#socket.resume();
    }
    if (this.#endedEarly) this.#deliver(() => events.end());
  }

  /** Without onread, node:net allocates a new Buffer per read: passed on as it is, freed once unused. */
  #passOn(events: ByteStreamEvents, chunk: Buffer): void {
    // Another 'data' listener (of whoever made the socket) may be holding it: not ours to free then.
    if (this.#socket.listenerCount("data") === 1) passOnRead(events, chunk);
    else events.data(chunk);
  }

  /**
   * An exception thrown back into a socket callback would be uncaught and end the process, and
   * every other connection with it: it fails this connection only.
   */
  #deliver(event: () => void): void {
    try {
      event();
    } catch (error) {
      this.#socket.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  }

  write(chunks: readonly Uint8Array[]): Promise<void> {
    if (this.#closed || this.#socket.destroyed) return Promise.reject(this.#error ?? new Error("sockframe: socket is closed"));
    if (this.#fin !== null) return Promise.reject(new Error("sockframe: socket's write side is closed"));
    return new Promise((resolve, reject) => {
      this.#queue.push({ kind: "write", chunks, settle: new Settle(resolve, reject) });
      this.#pump();
    });
  }

  closeWrite(): Promise<void> {
    if (this.#fin !== null) return this.#fin;
    if (this.#closed) return Promise.resolve();
    this.#fin = new Promise((resolve, reject) => {
      this.#queue.push({ kind: "fin", settle: new Settle(resolve, reject) });
      this.#pump();
    });
    return this.#fin;
  }

  /** nextTick called from a microtask runs once the microtasks have drained: a whole tick's frames share a write. */
  afterTick(flush: () => void): void {
    nextTick(flush);
  }

  pause(): void {
    if (this.#events !== null) this.#socket.pause();
  }

  resume(): void {
    // Before start() there is no 'data' listener: resuming then would throw octets away.
    if (this.#events !== null) this.#socket.resume();
  }

  destroy(): void {
    this.#socket.destroy();
  }

  #pump(): void {
    while (!this.#waitingForDrain && !this.#closed && this.#queue.length > 0) {
      const job = this.#queue.shift()!;
      if (job.kind === "fin") this.#sendFin(job.settle);
      else this.#writeNow(job.chunks, job.settle);
    }
  }

  #writeNow(chunks: readonly Uint8Array[], settle: Settle): void {
    const socket = this.#socket;
    const parts = coalesce(chunks);
    if (parts.length === 0) {
      settle.resolve();
      return;
    }
    this.#handedOver.add(settle);
    // Small chunks merged: node:net makes a Buffer and an iovec of each chunk of a writev, which
    // costs more than the copy (unmerged, the bench's 64-octet echo ran at half the rate). Corked,
    // the parts collect in the socket's buffer and uncork() sends them in one write or writev.
    socket.cork();
    for (let i = 0; i < parts.length - 1; i++) socket.write(parts[i]!);
    const belowHighWater = socket.write(parts[parts.length - 1]!, (error) => this.#settleWrite(settle, error));
    socket.uncork();
    if (!belowHighWater) this.#waitingForDrain = true;
  }

  #sendFin(settle: Settle): void {
    const socket = this.#socket;
    if (socket.writableEnded) {
      settle.resolve();
      return;
    }
    this.#handedOver.add(settle);
    // end() flushes what the socket still holds, then shuts down the write side; the callback
    // comes on 'finish', once the FIN is sent (or with the error if the socket failed first).
    const done = (error?: Error | null) => this.#settle(settle, error);
    socket.end(done as () => void);
  }

  /**
   * node:net calls back a write that the socket was destroyed under with null, as if it had
   * completed (Node 20's onWriteComplete: `if (stream.destroyed) callback(null)`), on destroy() and
   * on a reset alike. Resolving then would tell the sender its frame went out: it fails, with the
   * socket's error if it had one. (A write that did complete but whose callback was still pending
   * fails too: the socket is gone either way, and a resolved write must mean handed to the OS.)
   */
  #settleWrite(settle: Settle, error: Error | null | undefined): void {
    const socket = this.#socket;
    if (!error && (socket.destroyed || socket.errored !== null)) {
      error = socket.errored ?? this.#error ?? new Error("sockframe: socket closed before the write completed");
    }
    this.#settle(settle, error);
  }

  #settle(settle: Settle, error: Error | null | undefined): void {
    this.#handedOver.delete(settle);
    if (error) settle.reject(error);
    else settle.resolve();
  }

  #onClose(): void {
    this.#closed = true;
    const failure = this.#error ?? new Error("sockframe: socket closed before the write completed");
    for (const job of this.#queue.splice(0)) job.settle.reject(failure);
    for (const settle of this.#handedOver) settle.reject(failure);
    this.#handedOver.clear();
    this.#events?.close(this.#error);
  }
}
