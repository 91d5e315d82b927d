import type { Socket, SocketHandler } from "bun";
import { type ByteStream, type ByteStreamEvents, coalesce, formatAddress, passOnRead } from "@sockframe/connection";
import { WriteQueue } from "./write-queue.ts";

/** A Bun socket whose per-socket state is its stream: Bun's handlers are shared by a whole listener. */
export type StreamSocket = Socket<BunSocketStream | undefined>;

function describe(socket: StreamSocket, side: "local" | "remote", unixPath: string | null): string {
  if (unixPath !== null) return formatAddress({ transport: "unix", path: unixPath });
  const host = side === "local" ? socket.localAddress : socket.remoteAddress;
  const port = side === "local" ? socket.localPort : socket.remotePort;
  return host === undefined ? "unknown" : formatAddress({ transport: "tcp", host, port });
}

/**
 * A Bun TCP or Unix socket as a ByteStream. Bun's write() takes what fits and buffers nothing, so
 * the rest is queued and resumed on `drain`; its end() closes the whole socket, so a half-close is
 * shutdown(), sent only once the queue is empty.
 */
export class BunSocketStream implements ByteStream {
  readonly #socket: StreamSocket;
  readonly #queue = new WriteQueue();
  readonly localAddress: string;
  readonly remoteAddress: string;
  #events: ByteStreamEvents | null = null;
  /** Events that came before start(): a client socket can read before connect() returns. */
  #early: Array<(events: ByteStreamEvents) => void> = [];
  #fin: { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } | null = null;
  #writeShut = false;
  #ended = false;
  #closed = false;
  #destroyed = false;
  #failure: Error | null = null;

  private constructor(socket: StreamSocket, unixPath: string | null) {
    this.#socket = socket;
    // Read now: Bun clears a socket's addresses once it is closed.
    this.localAddress = describe(socket, "local", unixPath);
    this.remoteAddress = describe(socket, "remote", unixPath);
  }

  /** Wraps a socket that just opened and stores the stream in socket.data for the shared handlers. */
  static attach(socket: StreamSocket, unixPath: string | null): BunSocketStream {
    const stream = new BunSocketStream(socket, unixPath);
    socket.data = stream;
    if (unixPath === null) socket.setNoDelay(true);
    return stream;
  }

  start(events: ByteStreamEvents): void {
    if (this.#events !== null) throw new Error("sockframe: ByteStream.start() called twice");
    this.#events = events;
    const early = this.#early;
    this.#early = [];
    for (const deliver of early) deliver(events);
  }

  #emit(deliver: (events: ByteStreamEvents) => void): void {
    if (this.#events === null) this.#early.push(deliver);
    else deliver(this.#events);
  }

  write(chunks: readonly Uint8Array[]): Promise<void> {
    if (this.#closed || this.#fin !== null) return Promise.reject(new Error("sockframe: write after the socket was closed for writing"));
    // Bun has no writev: many small chunks become one buffer, one system call.
    const done = this.#queue.push(coalesce(chunks));
    this.#flush();
    return done;
  }

  #flush(): void {
    const empty = this.#queue.flush((bytes) => {
      try {
        return this.#socket.write(bytes);
      } catch {
        return -1;
      }
    });
    if (empty && this.#fin !== null && !this.#writeShut) {
      this.#writeShut = true;
      this.#socket.shutdown();
      this.#fin.resolve();
    }
  }

  /**
   * After the tick's microtasks: Bun runs process.nextTick callbacks before pending microtasks, so
   * setImmediate is what lets a handler's replies to a whole chunk share one write.
   */
  afterTick(flush: () => void): void {
    setImmediate(flush);
  }

  pause(): void {
    if (!this.#closed) this.#socket.pause();
  }

  resume(): void {
    if (!this.#closed) this.#socket.resume();
  }

  closeWrite(): Promise<void> {
    if (this.#fin === null) {
      let resolve!: () => void;
      let reject!: (error: Error) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.#fin = { promise, resolve, reject };
      if (this.#closed) {
        if (this.#queue.pending === 0) resolve();
        else reject(new Error("sockframe: the socket closed before all octets were written"));
      } else {
        this.#flush();
      }
    }
    return this.#fin.promise;
  }

  destroy(): void {
    if (this.#closed) return;
    this.#destroyed = true;
    // close(2), not terminate(): a peer that read everything sees a FIN rather than a reset.
    this.#socket.close();
    // Bun calls the close handler synchronously; this covers a socket it had already detached.
    this.onClose();
  }

  /** A handler threw or the socket failed: close it, reporting `error`. */
  fail(error: Error): void {
    this.#failure ??= error;
    this.destroy();
  }

  /** @internal Called by the shared socket handlers. */
  onData(chunk: Uint8Array): void {
    if (this.#closed) return;
    // Bun hands each read a fresh buffer (its own ArrayBuffer): no copy needed to keep views of it.
    if (this.#events === null) this.#early.push((events) => events.data(chunk));
    else passOnRead(this.#events, chunk);
  }

  /** @internal */
  onEnd(): void {
    if (this.#closed || this.#ended) return;
    this.#ended = true;
    this.#emit((events) => events.end());
  }

  /** @internal */
  onDrain(): void {
    if (!this.#closed) this.#flush();
  }

  /** @internal */
  onClose(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    const failure = this.#failure ?? error;
    this.#queue.fail(failure ?? new Error("sockframe: the socket closed before all octets were written"));
    if (this.#fin !== null && !this.#writeShut) this.#fin.reject(failure ?? new Error("sockframe: socket closed"));
    // When both sides shut down, Bun reports close without an end for the peer's FIN.
    if (failure === undefined && !this.#ended && !this.#destroyed) {
      this.#ended = true;
      this.#emit((events) => events.end());
    }
    this.#emit((events) => events.close(failure));
  }
}

/** The handlers shared by every stream socket (of a listener, or of connect()). */
export const streamHandlers: SocketHandler<BunSocketStream | undefined> = {
  binaryType: "uint8array",
  data(socket, chunk) {
    socket.data?.onData(chunk);
  },
  end(socket) {
    socket.data?.onEnd();
  },
  drain(socket) {
    socket.data?.onDrain();
  },
  close(socket, error) {
    socket.data?.onClose(error);
  },
  error(socket, error) {
    socket.data?.fail(error);
  },
};
