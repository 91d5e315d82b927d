import { concatBytes } from "@sockframe/codec";
import type { ByteStream, ByteStreamEvents } from "../src/index.ts";

/** Counters a test can inspect. */
export interface StreamSpy {
  writes: number;
  chunksWritten: number;
  pauses: number;
  resumes: number;
  finSent: boolean;
  destroyed: boolean;
}

class MemoryEnd implements ByteStream {
  peer!: MemoryEnd;
  events: ByteStreamEvents | null = null;
  readonly spy: StreamSpy = { writes: 0, chunksWritten: 0, pauses: 0, resumes: 0, finSent: false, destroyed: false };
  /** Unset: the connection flushes after a microtask. A test may set one to hold flushes. */
  afterTick?: (flush: () => void) => void;
  readonly localAddress = "memory";
  readonly remoteAddress = "memory";
  #inbox: Array<Uint8Array | "fin"> = [];
  #paused = false;
  #closed = false;

  start(events: ByteStreamEvents): void {
    this.events = events;
    this.#flushInbox();
  }

  deliver(item: Uint8Array | "fin"): void {
    this.#inbox.push(item);
    this.#flushInbox();
  }

  /**
   * Set: delivers in reads of at most this many octets, each read straight into the connection's
   * readTarget() when it offers one (as the Deno adapter reads), counting those octets in `direct`.
   */
  readSize = 0;
  direct = 0;
  /**
   * Set: a write completes this many ms after write(), and its octets are read only then, as a
   * kernel copies them from the caller's buffers: a buffer changed in between goes out changed.
   * Unset (-1): the octets are copied at write() and delivered after a macrotask.
   */
  writeDelayMs = -1;
  /**
   * Set: a read the connection says it kept nothing of (data() returned true) is overwritten with
   * 0xEE at once, as an adapter reusing or freeing it would; counted in `unusedReads`.
   */
  poisonUnused = false;
  unusedReads = 0;

  #flushInbox(): void {
    while (!this.#paused && this.events !== null && this.#inbox.length > 0 && !this.#closed) {
      const item = this.#inbox.shift()!;
      if (item === "fin") this.events.end();
      else if (this.readSize > 0) this.#read(item);
      else this.#data(item);
    }
  }

  #data(chunk: Uint8Array): void {
    if (this.events!.data(chunk) !== true) return;
    this.unusedReads++;
    if (this.poisonUnused) chunk.fill(0xee);
  }

  #read(item: Uint8Array): void {
    const events = this.events!;
    for (let at = 0; at < item.length && !this.#closed; ) {
      const target = events.readTarget?.() ?? null;
      const count = Math.min(this.readSize, item.length - at, target?.length ?? Infinity);
      if (target !== null) {
        target.set(item.subarray(at, at + count));
        this.direct += count;
        events.dataInTarget!(count);
      } else {
        this.#data(item.slice(at, at + count));
      }
      at += count;
    }
  }

  write(chunks: readonly Uint8Array[]): Promise<void> {
    if (this.#closed || this.spy.finSent) return Promise.reject(new Error("write after close"));
    this.spy.writes++;
    this.spy.chunksWritten += chunks.length;
    const late = this.writeDelayMs >= 0;
    const copy = late ? chunks : chunks.map((chunk) => chunk.slice());
    return new Promise((resolve) =>
      setTimeout(
        () => {
          for (const chunk of copy) this.peer.deliver(late ? chunk.slice() : chunk);
          resolve();
        },
        Math.max(this.writeDelayMs, 0),
      ),
    );
  }

  pause(): void {
    this.spy.pauses++;
    this.#paused = true;
  }

  resume(): void {
    this.spy.resumes++;
    this.#paused = false;
    this.#flushInbox();
  }

  closeWrite(): Promise<void> {
    this.spy.finSent = true;
    return new Promise((resolve) =>
      setTimeout(() => {
        this.peer.deliver("fin");
        resolve();
      }, 0),
    );
  }

  destroy(): void {
    if (this.#closed) return;
    this.spy.destroyed = true;
    this.close();
    this.peer.close();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    setTimeout(() => this.events?.close(), 0);
  }
}

/** Two connected in-memory byte streams, asynchronous like a socket. */
export function streamPair(): [MemoryEnd, MemoryEnd] {
  const a = new MemoryEnd();
  const b = new MemoryEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/** A raw peer: records what it receives, as octets. */
export function rawPeer(end: MemoryEnd): { received: () => Uint8Array; ended: Promise<void> } {
  const parts: Uint8Array[] = [];
  let resolveEnded!: () => void;
  const ended = new Promise<void>((resolve) => (resolveEnded = resolve));
  end.start({ data: (chunk) => void parts.push(chunk), end: () => resolveEnded(), close: () => resolveEnded() });
  return {
    received: () => concatBytes(parts),
    ended,
  };
}
