import { open } from "node:fs/promises";

export const FILE_CHUNK = 1024 * 1024;
/** Buffers kept for reuse: a sendStream() source has at most about two 1 MiB chunks queued (its high-water mark is 1 MiB). */
const MAX_FREE = 4;

/**
 * A file's content in chunks of up to 1 MiB, read into a few reused buffers: hand each chunk back
 * with recycle() once nothing refers to it any more (right after use, or from sendStream()'s
 * onWritten), and the next reads fill it again. A fresh buffer per read (createReadStream) is
 * garbage a moment later that the engine collects only now and then: Bun's `put` of 1 GiB sat 20-45
 * MiB above its working set that way.
 */
export class FileChunks implements AsyncIterable<Uint8Array> {
  readonly #path: string;
  readonly #free: Uint8Array[] = [];

  constructor(path: string) {
    this.#path = path;
  }

  /** Takes back a chunk this reader gave out; its contents change with a later read. */
  recycle(chunk: Uint8Array): void {
    if (this.#free.length < MAX_FREE) this.#free.push(new Uint8Array(chunk.buffer, 0, FILE_CHUNK));
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    const handle = await open(this.#path, "r");
    try {
      for (;;) {
        const buffer = this.#free.pop() ?? new Uint8Array(FILE_CHUNK);
        const { bytesRead } = await handle.read(buffer, 0, FILE_CHUNK, null);
        if (bytesRead === 0) {
          this.#free.push(buffer);
          return;
        }
        yield buffer.subarray(0, bytesRead);
      }
    } finally {
      await handle.close();
    }
  }
}
