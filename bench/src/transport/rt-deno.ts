// Deno: @sockframe/deno, and Deno.listen/Deno.connect raw sockets.
import type { Address } from "@sockframe/connection";
import type { Adapter, Raw, RawConn, RawServer, RuntimeModule } from "./types.ts";

/** The few Deno APIs used here (the bench is type-checked against Node's types only). */
interface DenoConn {
  read(buffer: Uint8Array): Promise<number | null>;
  write(data: Uint8Array): Promise<number>;
  closeWrite(): Promise<void>;
  close(): void;
  setNoDelay?(noDelay?: boolean): void;
}
interface DenoListener extends AsyncIterable<DenoConn> {
  addr: { transport: string; hostname?: string; port?: number; path?: string };
  close(): void;
}
interface DenoApi {
  connect(options: { transport?: "tcp"; hostname: string; port: number } | { transport: "unix"; path: string }): Promise<DenoConn>;
  listen(options: { transport?: "tcp"; hostname: string; port: number } | { transport: "unix"; path: string }): DenoListener;
}
const Deno = (globalThis as unknown as { Deno: DenoApi }).Deno;

function where(address: Address) {
  if (address.transport === "unix") return { transport: "unix" as const, path: address.path };
  const tcp = address as { host: string; port: number };
  return { transport: "tcp" as const, hostname: tcp.host, port: tcp.port };
}

async function writeAll(conn: DenoConn, data: Uint8Array): Promise<void> {
  let at = 0;
  while (at < data.length) at += await conn.write(at === 0 ? data : data.subarray(at));
}

const DIRECT_BELOW = 64 * 1024;

class DenoRawConn implements RawConn {
  onData: (chunk: Uint8Array) => void = () => undefined;
  readonly #conn: DenoConn;
  #chain: Promise<void> = Promise.resolve();
  #queued = 0;
  /** Resolves once the peer finished sending (or the connection failed). */
  readonly done: Promise<void>;

  constructor(conn: DenoConn) {
    this.#conn = conn;
    this.done = this.#read();
  }

  async #read(): Promise<void> {
    const buffer = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const count = await this.#conn.read(buffer);
        if (count === null) return;
        this.onData(buffer.subarray(0, count));
      }
    } catch {
      // closed
    }
  }

  write(bytes: Uint8Array): void {
    if (bytes.length < DIRECT_BELOW && this.#queued === 0) {
      // A small write into a socket that is not backed up is taken whole: one op, no chaining.
      void this.#conn.write(bytes).then((count) => {
        if (count !== bytes.length) throw new Error(`short raw write: ${count} of ${bytes.length}`);
      });
      return;
    }
    this.#queued += bytes.length;
    this.#chain = this.#chain.then(() => writeAll(this.#conn, bytes)).then(() => {
      this.#queued -= bytes.length;
    });
  }

  drained(): Promise<void> {
    return this.#queued > 4 * 1024 * 1024 ? this.#chain : Promise.resolve();
  }

  end(): void {
    this.#chain = this.#chain.then(() => this.#conn.closeWrite()).catch(() => undefined);
  }

  close(): void {
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }
}

function serve(address: Address, onConn: (conn: DenoConn) => Promise<void>): RawServer {
  const listener = Deno.listen(where(address));
  void (async () => {
    for await (const conn of listener) {
      if (address.transport === "tcp") conn.setNoDelay?.(true);
      void onConn(conn)
        .catch(() => undefined)
        .finally(() => {
          try {
            conn.close();
          } catch {
            // already closed
          }
        });
    }
  })().catch(() => undefined);
  const addr = listener.addr;
  const bound: Address = address.transport === "unix" ? address : { transport: "tcp", host: addr.hostname!, port: addr.port! };
  return { address: bound, close: () => listener.close() };
}

const raw: Raw = {
  async connect(address) {
    const conn = await Deno.connect(where(address));
    if (address.transport === "tcp") conn.setNoDelay?.(true);
    return new DenoRawConn(conn);
  },
  async listenEcho(address) {
    return serve(address, async (conn) => {
      const buffer = new Uint8Array(64 * 1024);
      for (;;) {
        const count = await conn.read(buffer);
        if (count === null) break;
        await writeAll(conn, buffer.subarray(0, count));
      }
      await conn.closeWrite();
    });
  },
  async listenWith(address, onConn) {
    return serve(address, async (conn) => {
      const raw = new DenoRawConn(conn);
      onConn(raw);
      await raw.done;
    });
  },
  async listenSink(address) {
    return serve(address, async (conn) => {
      const buffer = new Uint8Array(256 * 1024);
      let total = 0;
      for (;;) {
        const count = await conn.read(buffer);
        if (count === null) break;
        total += count;
      }
      const answer = new Uint8Array(8);
      new DataView(answer.buffer).setBigUint64(0, BigInt(total));
      await writeAll(conn, answer);
      await conn.closeWrite();
    });
  },
};

export async function load(): Promise<RuntimeModule> {
  const specifier = "@sockframe/deno";
  return { adapter: (await import(specifier)) as Adapter, raw };
}
