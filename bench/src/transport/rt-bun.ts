// Bun: @sockframe/bun, and Bun.listen/Bun.connect raw sockets.
import type { Address } from "@sockframe/connection";
import type { Adapter, Raw, RawConn, RawServer, RuntimeModule } from "./types.ts";

/** The few Bun socket APIs used here (the bench is type-checked against Node's types only). */
interface BunSocket<T> {
  data: T;
  write(data: Uint8Array): number;
  end(): void;
  shutdown(): void;
  terminate(): void;
  setNoDelay?(noDelay?: boolean): void;
}
interface Handlers<T> {
  binaryType?: "uint8array";
  open?(socket: BunSocket<T>): void;
  data?(socket: BunSocket<T>, chunk: Uint8Array): void;
  drain?(socket: BunSocket<T>): void;
  end?(socket: BunSocket<T>): void;
  close?(socket: BunSocket<T>): void;
  error?(socket: BunSocket<T>, error: Error): void;
}
type Where = { hostname: string; port: number } | { unix: string };
interface BunApi {
  connect<T>(options: Where & { socket: Handlers<T>; data: T; allowHalfOpen?: boolean }): Promise<BunSocket<T>>;
  listen<T>(options: Where & { socket: Handlers<T>; allowHalfOpen?: boolean }): { port?: number; stop(force?: boolean): void };
}
const Bun = (globalThis as unknown as { Bun: BunApi }).Bun;

function where(address: Address): Where {
  if (address.transport === "unix") return { unix: address.path };
  const tcp = address as { host: string; port: number };
  return { hostname: tcp.host, port: tcp.port };
}

/** Bun's write() takes what fits and buffers nothing: the rest waits here for `drain`. */
class Outbox {
  readonly #chunks: Uint8Array[] = [];
  #bytes = 0;
  #waiters: Array<() => void> = [];
  #finAfter = false;

  get bytes(): number {
    return this.#bytes;
  }

  write(socket: BunSocket<unknown>, data: Uint8Array): void {
    if (this.#chunks.length === 0) {
      const written = socket.write(data);
      if (written >= data.length) return;
      data = data.subarray(Math.max(0, written));
    }
    this.#chunks.push(data);
    this.#bytes += data.length;
  }

  flush(socket: BunSocket<unknown>): void {
    while (this.#chunks.length > 0) {
      const data = this.#chunks[0]!;
      const written = socket.write(data);
      if (written < data.length) {
        this.#chunks[0] = data.subarray(Math.max(0, written));
        this.#bytes -= Math.max(0, written);
        return;
      }
      this.#chunks.shift();
      this.#bytes -= data.length;
    }
    if (this.#finAfter) socket.shutdown();
    for (const wake of this.#waiters.splice(0)) wake();
  }

  drained(): Promise<void> {
    if (this.#bytes <= 4 * 1024 * 1024) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  end(socket: BunSocket<unknown>): void {
    if (this.#chunks.length === 0) socket.shutdown();
    else this.#finAfter = true;
  }
}

class BunRawConn implements RawConn {
  onData: (chunk: Uint8Array) => void = () => undefined;
  socket!: BunSocket<BunRawConn>;
  readonly outbox = new Outbox();

  write(bytes: Uint8Array): void {
    this.outbox.write(this.socket, bytes);
  }

  drained(): Promise<void> {
    return this.outbox.drained();
  }

  end(): void {
    this.outbox.end(this.socket);
  }

  close(): void {
    this.socket.terminate();
  }
}

type ServerState = { outbox: Outbox; count: number };
const newServerState = (): ServerState => ({ outbox: new Outbox(), count: 0 });

/** A raw server whose per-socket state (`create`) holds the socket's outbox. */
function serve<T extends { outbox: Outbox }>(address: Address, create: (socket: BunSocket<T>) => T, handlers: Handlers<T>): RawServer {
  const listener = Bun.listen<T>({
    ...where(address),
    allowHalfOpen: true,
    socket: {
      binaryType: "uint8array",
      open(socket) {
        socket.data = create(socket);
        if (address.transport === "tcp") socket.setNoDelay?.(true);
      },
      drain(socket) {
        socket.data.outbox.flush(socket);
      },
      error() {},
      ...handlers,
    },
  });
  const bound: Address = address.transport === "unix" ? address : { transport: "tcp", host: (address as { host: string }).host, port: listener.port! };
  return { address: bound, close: () => listener.stop(true) };
}

const raw: Raw = {
  async connect(address) {
    const conn = new BunRawConn();
    const socket = await Bun.connect<BunRawConn>({
      ...where(address),
      allowHalfOpen: true,
      data: conn,
      socket: {
        binaryType: "uint8array",
        data(socket, chunk) {
          socket.data.onData(chunk);
        },
        drain(socket) {
          socket.data.outbox.flush(socket);
        },
        error() {},
      },
    });
    conn.socket = socket;
    if (address.transport === "tcp") socket.setNoDelay?.(true);
    return conn;
  },
  async listenEcho(address) {
    return serve(address, newServerState, {
      data(socket, chunk) {
        socket.data.outbox.write(socket, chunk);
      },
      end(socket) {
        socket.data.outbox.end(socket);
      },
    });
  },
  async listenWith(address, onConn) {
    const create = (socket: BunSocket<BunRawConn>) => {
      const conn = new BunRawConn();
      conn.socket = socket;
      onConn(conn);
      return conn;
    };
    return serve(address, create, {
      data(socket, chunk) {
        socket.data.onData(chunk);
      },
      end(socket) {
        socket.data.end();
      },
    });
  },
  async listenSink(address) {
    return serve(address, newServerState, {
      data(socket, chunk) {
        socket.data.count += chunk.length;
      },
      end(socket) {
        const answer = new Uint8Array(8);
        new DataView(answer.buffer).setBigUint64(0, BigInt(socket.data.count));
        socket.data.outbox.write(socket, answer);
        socket.data.outbox.end(socket);
      },
    });
  },
};

export async function load(): Promise<RuntimeModule> {
  const specifier = "@sockframe/bun";
  return { adapter: (await import(specifier)) as Adapter, raw };
}
