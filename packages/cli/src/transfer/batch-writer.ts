import type { FileHandle } from "node:fs/promises";

/**
 * Octets gathered before one write: fewer system calls than one per socket read. Two such buffers
 * hold as much as the one 1 MiB buffer before them: 1 MiB each cost Bun's receiver 5-9 MiB more
 * peak memory (1 GiB transfers, 92.5-94.6 MiB against 86.5-90.5), for no gain in speed there.
 */
export const WRITE_BATCH = 512 * 1024;
/** The smallest batch buffer, however small the file is said to be. */
const MIN_BATCH = 4096;

export interface BatchWriterOptions {
  /**
   * The file's size where known: the buffers are no larger than it (4 KiB at least). Two fresh
   * WRITE_BATCH buffers per file are 1 MiB of garbage for each small file received.
   */
  expectedSize?: number;
  /** Called after each batch is written, with its length. */
  onWritten?: (octets: number) => void;
  /** Test hook: writes fail with ENOSPC once this many octets were written (see ReceiveTarget). */
  failWriteAfter?: number;
}

async function writeFully(handle: FileHandle, data: Uint8Array): Promise<void> {
  let at = 0;
  while (at < data.length) {
    const { bytesWritten } = await handle.write(data, at, data.length - at);
    if (bytesWritten <= 0) throw Object.assign(new Error("write made no progress"), { code: "EIO" });
    at += bytesWritten;
  }
}

/**
 * Appends chunks to a file in batches of WRITE_BATCH octets (or the expected size, if smaller), in two reused buffers: one batch is
 * written (on the runtime's I/O threads) while the next one fills. Awaiting each write before taking
 * more octets left the receiver's main thread idle for the length of every write, while the file
 * system thread sat idle during the digesting of the next batch: put to recv of 1 GiB ran at about
 * 160 MiB/s that way. Writes are in order, at most one at a time; a failed write is reported by the
 * next add() or finish().
 */
export class BatchWriter {
  readonly #handle: FileHandle;
  readonly #options: BatchWriterOptions;
  readonly #batch: number;
  #filling: Uint8Array;
  #spare: Uint8Array;
  #filled = 0;
  #writing: Promise<void> = Promise.resolve();
  #failure: { error: unknown } | null = null;
  #written = 0;

  constructor(handle: FileHandle, options: BatchWriterOptions = {}) {
    this.#handle = handle;
    this.#options = options;
    this.#batch = Math.min(WRITE_BATCH, Math.max(MIN_BATCH, options.expectedSize ?? WRITE_BATCH));
    this.#filling = new Uint8Array(this.#batch);
    this.#spare = new Uint8Array(this.#batch);
  }

  /** Octets written to the file so far (not counting those still gathered or being written). */
  get written(): number {
    return this.#written;
  }

  /** Takes `data` (copied: the caller may reuse it once this resolves); rejects with a failed write's error. */
  async add(data: Uint8Array): Promise<void> {
    for (let at = 0; at < data.length;) {
      const part = Math.min(data.length - at, this.#batch - this.#filled);
      this.#filling.set(data.subarray(at, at + part), this.#filled);
      this.#filled += part;
      at += part;
      if (this.#filled === this.#batch) await this.#startWrite();
    }
  }

  /** Writes what is gathered and waits for every write; rejects with a failed write's error. */
  async finish(): Promise<void> {
    if (this.#filled > 0) await this.#startWrite();
    await this.#writing;
    this.#throwIfFailed();
  }

  /** Waits for the write in flight, whatever its outcome: the handle may be closed after this. */
  settle(): Promise<void> {
    return this.#writing;
  }

  async #startWrite(): Promise<void> {
    // The spare buffer is the one the previous write is reading from.
    await this.#writing;
    this.#throwIfFailed();
    const data = this.#filling.subarray(0, this.#filled);
    [this.#filling, this.#spare] = [this.#spare, this.#filling];
    this.#filled = 0;
    this.#writing = this.#write(data).catch((error: unknown) => {
      this.#failure = { error };
    });
  }

  async #write(data: Uint8Array): Promise<void> {
    const limit = this.#options.failWriteAfter;
    if (limit !== undefined && this.#written + data.length > limit) {
      throw Object.assign(new Error("ENOSPC: no space left on device (simulated: SOCKFRAME_TEST_FAIL_WRITE_AFTER)"), { code: "ENOSPC" });
    }
    await writeFully(this.#handle, data);
    this.#written += data.length;
    this.#options.onWritten?.(data.length);
  }

  #throwIfFailed(): void {
    if (this.#failure !== null) throw this.#failure.error;
  }
}
