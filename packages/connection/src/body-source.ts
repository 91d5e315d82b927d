import type { ByteSource } from "@sockframe/codec";

const noop = (): void => undefined;

/**
 * The source of a body being streamed out, read one chunk at a time, that the connection can stop
 * at any moment: a read still waiting then rejects at once (a source that gives nothing more would
 * otherwise hold sendStream() forever), and the source is cancelled, so that what feeds it (a file
 * handle, a pipe) is let go.
 */
export class BodySource {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array> | null;
  readonly #iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array> | null;
  #interrupt: ((reason: unknown) => void) | null = null;
  #stopped = false;

  constructor(source: ByteSource) {
    // getReader() rather than async iteration, which not every runtime's ReadableStream has.
    if (typeof ReadableStream !== "undefined" && source instanceof ReadableStream) {
      this.#reader = source.getReader();
      this.#iterator = null;
    } else {
      this.#reader = null;
      const iterable = source as Partial<AsyncIterable<Uint8Array>> & Partial<Iterable<Uint8Array>>;
      const iterator = iterable[Symbol.asyncIterator]?.() ?? iterable[Symbol.iterator]?.();
      if (iterator === undefined) throw new TypeError("sockframe: a body source is a ReadableStream, an async iterable or an iterable of Uint8Array");
      this.#iterator = iterator;
    }
  }

  /** The next chunk, or null at the end of the source. */
  next(): Promise<Uint8Array | null> {
    return new Promise((resolve, reject) => {
      if (this.#stopped) throw new Error("sockframe: body source read after it was stopped");
      this.#interrupt = reject;
      const read = this.#reader !== null ? this.#reader.read() : (async () => await this.#iterator!.next())();
      read.then(
        (result) => {
          this.#interrupt = null;
          if (result.done) {
            this.#stopped = true;
            this.#reader?.releaseLock();
            resolve(null);
          } else if (result.value instanceof Uint8Array) resolve(result.value);
          else reject(new TypeError(`sockframe: a body source gave ${Object.prototype.toString.call(result.value)}, not a Uint8Array`));
        },
        (error: unknown) => {
          this.#interrupt = null;
          reject(error);
        },
      );
    });
  }

  /** Gives up on the source: a read waiting rejects with `reason`, and the source is cancelled. Once. */
  stop(reason: unknown): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#interrupt?.(reason);
    this.#interrupt = null;
    if (this.#reader !== null) void this.#reader.cancel(reason).catch(noop);
    // An async generator suspended in a read runs its return() once that read is over.
    else void (async () => await this.#iterator!.return?.())().catch(noop);
  }
}
