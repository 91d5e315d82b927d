import type { ByteStreamEvents } from "./byte-stream.ts";

/**
 * The V8 flag that gives Node 20 `ArrayBuffer.prototype.transfer` (ES2024; Node 21 and later have it
 * by default), for processes that start Node and want passOnRead() to free reads there too. Empty
 * where the runtime has it (a later Node rejects the flag).
 */
export function transferFlags(): string[] {
  return typeof ArrayBuffer.prototype.transfer === "function" ? [] : ["--harmony-rab-gsab-transfer"];
}

/**
 * For adapters whose runtime allocates a buffer per read (Bun's sockets, node:net's accepted
 * sockets): passes a read on, and frees it at once (detached by `transfer(0)`) when the connection
 * kept nothing of it (its octets parsed or copied into bodies), rather than at some later garbage
 * collection. Freed late, in batches, those buffers go back to the kernel and the next reads fault
 * their pages in again: a Node server echoing 1 MiB bodies ran at 190-800 MB/s that way, 1,050-1,560
 * freeing each read. A view of a larger buffer is left alone (the rest is not ours), and so is every
 * read where the runtime lacks `transfer` (Node 20 without the flag of transferFlags()).
 */
export function passOnRead(events: ByteStreamEvents, chunk: Uint8Array): void {
  if (events.data(chunk) === true) freeNow(chunk);
}

/** Frees the memory of a read the connection kept nothing of, as passOnRead() does. */
export function freeNow(chunk: Uint8Array): void {
  const buffer = chunk.buffer as ArrayBuffer;
  if (typeof buffer.transfer === "function" && chunk.byteOffset === 0 && chunk.byteLength === buffer.byteLength) buffer.transfer(0);
}
