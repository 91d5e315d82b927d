import { encodeErrorFrame } from "@sockframe/codec";
import type { Address } from "./address.ts";
import { formatAddress } from "./address.ts";
import type { ByteStream } from "./byte-stream.ts";
import { Connection, ConnectionClosedError, type ConnectionOptions, DeadlineError, DEFAULT_CLOSE_TIMEOUT_MS } from "./connection.ts";
import { checkServerOptions } from "./options.ts";
import { waitAtMost } from "./wait-at-most.ts";

/** Handles one accepted connection; the server closes the connection when it returns. */
export type ConnectionHandler = (connection: Connection) => unknown;

/** What a runtime adapter's listener provides. */
export interface Listener {
  /** The address actually bound (the real port when 0 was asked for). */
  readonly address: Address;
  /** Stops accepting new connections and releases the listening socket. */
  close(): Promise<void>;
}

/** Options of a server: those of its connections, and shutdown. */
export interface ServerOptions extends ConnectionOptions {
  /** How long close() lets handlers run before closing their connections, in ms. Default 10000. */
  shutdownTimeoutMs?: number;
  /**
   * Called with what a handler throws; the connection is closed either way. Default: reported with
   * console.error, so that a handler's bug does not pass unseen.
   */
  onHandlerError?: (error: unknown, connection: Connection) => void;
  /**
   * Connections served at once. Further ones are told why, with a `TOO_MANY_CONNECTIONS` error
   * frame, and closed. Default 10000.
   */
  maxConnections?: number;
  /** Called for each connection refused because maxConnections were being served (for a log). */
  onConnectionRefused?: (remoteAddress: string) => void;
}

/** Deadlines a server applies unless told otherwise (a client connection has none by default). */
export const SERVER_DEFAULTS: Readonly<Pick<ServerOptions, "headerTimeoutMs" | "bodyTimeoutMs" | "idleTimeoutMs" | "maxConnections">> = Object.freeze({
  headerTimeoutMs: 30_000,
  bodyTimeoutMs: 30_000,
  idleTimeoutMs: 300_000,
  maxConnections: 10_000,
});

/**
 * The default onHandlerError. What the peer caused and the connection already reports (a decode
 * error or deadline it ended with, its reset, a send refused as it closed), rethrown by a handler
 * iterating it, is no bug of the handler's: not logged, or any peer could write lines to stderr.
 */
function reportHandlerError(error: unknown, connection: Connection): void {
  if (error === connection.protocolError || error === connection.socketError || error instanceof DeadlineError || error instanceof ConnectionClosedError) return;
  console.error(`sockframe: a connection handler threw (peer ${connection.remoteAddress}); the connection is closed:`, error);
}

/**
 * Refused connections told why at once, each for at most REFUSAL_LINGER_MS: beyond that, a flood of
 * connections is cut off without a word rather than holding more descriptors.
 */
const MAX_REFUSING = 64;
const REFUSAL_LINGER_MS = 1000;

/**
 * The runtime-neutral half of a server: runs a handler per connection, tracks them, and shuts down
 * gracefully. Adapters own the listening socket and hand each accepted socket to accept().
 */
export class Server {
  readonly #listener: Listener;
  readonly #handler: ConnectionHandler;
  readonly #options: ServerOptions;
  readonly #live = new Map<Connection, Promise<void>>();
  #closing: Promise<void> | null = null;
  /** Refused connections being told why (#refuse), each by its release. */
  readonly #refusing = new Set<() => void>();

  constructor(listener: Listener, handler: ConnectionHandler, options: ServerOptions = {}) {
    this.#listener = listener;
    this.#handler = handler;
    this.#options = { ...SERVER_DEFAULTS, ...options };
    checkServerOptions(this.#options);
  }

  /** Connections refused because maxConnections were being served. */
  rejectedConnections = 0;

  get address(): Address {
    return this.#listener.address;
  }

  /** The bound address as text, e.g. `tcp://127.0.0.1:54321`. */
  get url(): string {
    return formatAddress(this.#listener.address);
  }

  /** Connections being served. */
  get connections(): number {
    return this.#live.size;
  }

  /** Wraps an accepted socket and runs the handler on it (called by adapters). */
  accept(stream: ByteStream, streamOptions: { streamBodies?: boolean } = {}): Connection | null {
    if (this.#closing !== null) {
      stream.destroy();
      return null;
    }
    if (this.#live.size >= this.#options.maxConnections!) {
      this.rejectedConnections++;
      this.#refuse(stream);
      try {
        this.#options.onConnectionRefused?.(stream.remoteAddress);
      } catch (error) {
        console.error("sockframe: onConnectionRefused threw:", error);
      }
      return null;
    }
    const connection = new Connection(stream, { ...this.#options, ...streamOptions, accepted: true });
    const run = (async () => {
      try {
        await this.#handler(connection);
      } catch (error) {
        const report = this.#options.onHandlerError ?? reportHandlerError;
        report(error, connection);
      } finally {
        // What the handler left unread is never read: the close reads on to the peer's FIN.
        connection.discardIncoming();
        await connection.close();
        this.#live.delete(connection);
      }
    })();
    this.#live.set(connection, run);
    return connection;
  }

  /**
   * An error frame saying why, then FIN; what the peer sends meanwhile is read and dropped, and the
   * socket is released once the peer closes too (so that unread input does not make the kernel
   * reset the connection before the peer reads the frame), or after REFUSAL_LINGER_MS.
   */
  #refuse(stream: ByteStream): void {
    if (this.#refusing.size >= MAX_REFUSING) {
      stream.destroy();
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const release = (): void => {
      if (!this.#refusing.delete(release)) return;
      clearTimeout(timer);
      stream.destroy();
    };
    this.#refusing.add(release);
    timer = setTimeout(release, REFUSAL_LINGER_MS);
    stream.start({ data: () => true, end: release, close: release });
    const max = this.#options.maxConnections!;
    const frame = encodeErrorFrame({ code: "TOO_MANY_CONNECTIONS", message: `the server is serving its maximum of ${max} connections; try again later` }, { profile: this.#options.profile });
    stream.write([frame]).then(() => stream.closeWrite()).catch(release);
  }

  /**
   * Graceful shutdown: stop accepting; stop reading new frames; let handlers answer the frames they
   * have (up to shutdownTimeoutMs); flush and close every connection.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#listener.close();
      // Refused connections had their word: none outlives the server.
      for (const release of [...this.#refusing]) release();
      for (const connection of this.#live.keys()) connection.stopReceiving();
      await waitAtMost(this.#options.shutdownTimeoutMs ?? 10_000, Promise.all(this.#live.values()));
      for (const connection of this.#live.keys()) connection.destroy();
      // A handler stuck on something else than its connection must not keep close() pending forever.
      await waitAtMost(this.#options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS, Promise.all(this.#live.values()));
    })();
    return this.#closing;
  }
}
