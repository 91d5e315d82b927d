import { nextTick } from "node:process";
import { type ByteStream, type ByteStreamEvents, coalesce, ReadBuffers } from "@sockframe/connection";
import { describeAddr } from "./addresses.ts";
import { closeQuietly } from "./close-quietly.ts";
import { writeAll } from "./write-all.ts";

/** The parts of a Deno.Conn the stream uses (a narrow type, so tests can count system calls). */
export type DenoSocket = Pick<Deno.Conn, "read" | "write" | "closeWrite" | "close" | "localAddr" | "remoteAddr">;

interface WriteJob {
  buffers: Uint8Array[];
  resolve: () => void;
  reject: (error: Error) => void;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * A Deno.Conn (TCP or Unix) as a ByteStream. Reads with a conn.read() loop rather than
 * conn.readable, whose end of stream closes the whole connection (so no reply could follow the
 * peer's FIN); half-closes with conn.closeWrite(), not conn.writable.close(), for the same reason.
 */
export class DenoByteStream implements ByteStream {
  readonly #conn: DenoSocket;
  readonly localAddress: string;
  readonly remoteAddress: string;
  #events: ByteStreamEvents | null = null;
  #paused = false;
  #wake: (() => void) | null = null;
  #jobs: WriteJob[] = [];
  #writing: Promise<void> | null = null;
  #writeShut = false;
  #closingWrite: Promise<void> | null = null;
  #readEnded = false;
  #writeEnded = false;
  #closed = false;

  constructor(conn: DenoSocket) {
    this.#conn = conn;
    this.localAddress = describeAddr(conn.localAddr);
    this.remoteAddress = describeAddr(conn.remoteAddr);
  }

  start(events: ByteStreamEvents): void {
    if (this.#events !== null) throw new Error("sockframe: byte stream already started");
    this.#events = events;
    void this.#readLoop();
  }

  async #readLoop(): Promise<void> {
    const buffers = new ReadBuffers();
    const events = this.#events!;
    const data = (chunk: Uint8Array) => events.data(chunk);
    try {
      for (;;) {
        while (this.#paused && !this.#closed) await new Promise<void>((resolve) => (this.#wake = resolve));
        if (this.#closed) return;
        const buffer = buffers.next(events);
        const count = await this.#conn.read(buffer);
        if (this.#closed) return;
        if (count === null) {
          this.#readEnded = true;
          events.end();
          this.#finishIfDone();
          return;
        }
        if (count > 0) buffers.deliver(events, buffer, count, data);
      }
    } catch (error) {
      this.#fail(asError(error));
    }
  }

  write(chunks: readonly Uint8Array[]): Promise<void> {
    if (this.#closed || this.#writeShut) return Promise.reject(new Error("sockframe: socket is closed for writing"));
    // Deno has no writev: without merging, every small frame would cost a system call of its own.
    const buffers = coalesce(chunks);
    if (buffers.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#jobs.push({ buffers, resolve, reject });
      this.#writing ??= this.#writeLoop();
    });
  }

  async #writeLoop(): Promise<void> {
    try {
      for (let job = this.#jobs[0]; job !== undefined; job = this.#jobs[0]) {
        for (const buffer of job.buffers) await writeAll(this.#conn, buffer);
        this.#jobs.shift();
        job.resolve();
      }
    } catch (error) {
      this.#fail(asError(error));
    } finally {
      this.#writing = null;
    }
  }

  /** nextTick called from a microtask runs once the microtasks have drained: a whole tick's frames share a write. */
  afterTick(flush: () => void): void {
    nextTick(flush);
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#wakeReader();
  }

  #wakeReader(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  closeWrite(): Promise<void> {
    this.#writeShut = true;
    this.#closingWrite ??= this.#sendFin();
    return this.#closingWrite;
  }

  async #sendFin(): Promise<void> {
    await this.#writing;
    if (this.#closed) return;
    try {
      await this.#conn.closeWrite();
    } catch (error) {
      this.#fail(asError(error));
      throw error;
    }
    this.#writeEnded = true;
    this.#finishIfDone();
  }

  destroy(): void {
    this.#close(undefined, new Error("sockframe: socket destroyed"));
  }

  #finishIfDone(): void {
    if (this.#readEnded && this.#writeEnded) this.#close(undefined, new Error("sockframe: socket closed"));
  }

  #fail(error: Error): void {
    this.#close(error, error);
  }

  #close(error: Error | undefined, writeError: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#writeShut = true;
    closeQuietly(this.#conn);
    for (const job of this.#jobs.splice(0)) job.reject(writeError);
    this.#wakeReader();
    // Like a Node socket's "close" event, later than the call that caused it: callers may still be
    // in the middle of their own bookkeeping.
    queueMicrotask(() => this.#events?.close(error));
  }
}
