/**
 * What every adapter's streamed-body tests share (the Node, Deno and Bun packages import it): a
 * large body made 1 MiB at a time, its digest, a server that hashes bodies as they arrive, and a
 * source that refills the buffers sendStream() hands back. node:crypto is native on all three.
 */
import { createHash } from "node:crypto";
import type { Connection } from "../src/index.ts";

export const MiB = 1024 * 1024;

/** Makes `chunk` (1 MiB) chunk `i` of the body: the same octets every time, distinct per chunk. */
export function fillChunk(chunk: Uint8Array, i: number): Uint8Array {
  chunk.fill(0);
  for (let at = 0; at < MiB; at += 4096) chunk[at] = (i * 31 + at / 4096) & 0xff;
  chunk.fill(i & 0xff, 1, 64);
  return chunk;
}

/** Chunk `i` of the body, a fresh buffer each time, as a file read would give. */
export function bodyChunk(i: number): Uint8Array {
  return fillChunk(new Uint8Array(MiB), i);
}

/** A body of `chunks` MiB, made 1 MiB at a time: a test never holds the whole of it. */
export async function* body(chunks: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < chunks; i++) yield bodyChunk(i);
}

/** The sha256 of what body(chunks) yields. */
export function digestOf(chunks: number): string {
  const hash = createHash("sha256");
  for (let i = 0; i < chunks; i++) hash.update(bodyChunk(i));
  return hash.digest("hex");
}

/** What hashingHandler() answers each streamed body with. */
export interface HashedReply {
  received_bytes: number;
  received_sha256: string;
  /** Chunks that came in memory an earlier chunk of the same body came in. */
  reused: number;
}

/**
 * A server handler that hashes each streamed body as it arrives and answers (with the body's id)
 * with a HashedReply. `release`: hands each chunk back once hashed. `slowMs`: waits this long after
 * each MiB, a reader slower than the network, which without read backpressure piles the body up.
 */
export function hashingHandler(options: { release?: boolean; slowMs?: number } = {}): (connection: Connection) => Promise<void> {
  const { release = false, slowMs = 0 } = options;
  return async (connection) => {
    for await (const { header, body } of connection.receiveStreams()) {
      const hash = createHash("sha256");
      // Weak: holding every chunk's memory would defeat the memory bounds the tests measure.
      const seen = new WeakSet<ArrayBufferLike>();
      let received = 0;
      let reused = 0;
      for await (const part of body) {
        hash.update(part);
        received += part.length;
        if (seen.has(part.buffer)) reused++;
        seen.add(part.buffer);
        if (release) connection.release(part);
        if (slowMs > 0 && received % MiB < part.length) await new Promise((resolve) => setTimeout(resolve, slowMs));
      }
      // Not `sha256`: that field would announce the digest of this reply's own (empty) body.
      const reply: HashedReply = { received_bytes: received, received_sha256: hash.digest("hex"), reused };
      await connection.send({ id: header.id, ...reply });
    }
  };
}

/**
 * The body of body(chunks), read into a few reused buffers: give `onWritten` to sendStream() and
 * each buffer is refilled only once the socket is done with its octets. `made` counts the buffers.
 */
export class RefilledBody {
  readonly #free: Uint8Array[] = [];
  made = 0;

  readonly onWritten = (chunk: Uint8Array): void => {
    this.#free.push(chunk);
  };

  async *chunks(chunks: number): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < chunks; i++) {
      let buffer = this.#free.pop();
      if (buffer === undefined) {
        buffer = new Uint8Array(MiB);
        this.made++;
      }
      yield fillChunk(buffer, i);
    }
  }
}
