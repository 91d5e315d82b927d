import type { ByteStream, ByteStreamEvents } from "../src/index.ts";

/**
 * A socket that reads nothing and is closed (events.close) a macrotask after destroy(). Subclasses
 * say what becomes of writes.
 */
abstract class StubStream implements ByteStream {
  readonly localAddress = "x";
  readonly remoteAddress = "y";
  events: ByteStreamEvents | null = null;
  start(events: ByteStreamEvents): void {
    this.events = events;
  }
  abstract write(chunks: readonly Uint8Array[]): Promise<void>;
  pause(): void {}
  resume(): void {}
  closeWrite(): Promise<void> {
    return Promise.resolve();
  }
  destroy(): void {
    setTimeout(() => this.events?.close(), 0);
  }
}

/** Writes succeed, 5 ms each, until the `failFrom`-th, which rejects as a reset does and closes the socket. */
export class ResettingStream extends StubStream {
  writes = 0;
  constructor(readonly failFrom: number) {
    super();
  }
  write(): Promise<void> {
    const n = ++this.writes;
    return new Promise((resolve, reject) =>
      setTimeout(() => {
        if (n < this.failFrom) return resolve();
        const error = Object.assign(new Error("write ECONNRESET"), { code: "ECONNRESET" });
        reject(error);
        setTimeout(() => this.events?.close(error), 0);
      }, 5),
    );
  }
}

/** A peer that reads nothing: every write waits until the socket is destroyed, and then fails. */
export class UnreadStream extends StubStream {
  #failWrites: Array<(error: Error) => void> = [];
  write(): Promise<void> {
    return new Promise((_resolve, reject) => this.#failWrites.push(reject));
  }
  override closeWrite(): Promise<void> {
    return new Promise(() => undefined); // after the writes, which never finish
  }
  override destroy(): void {
    for (const fail of this.#failWrites.splice(0)) fail(new Error("destroyed"));
    super.destroy();
  }
}

/** Writes never settle, not even once the socket is destroyed: a ByteStream short of its contract. */
export class NeverWrites extends StubStream {
  write(): Promise<void> {
    return new Promise(() => undefined);
  }
}

/** Every write completes at once, like a socket that always has room. */
export class TakesAll extends StubStream {
  write(): Promise<void> {
    return Promise.resolve();
  }
}
