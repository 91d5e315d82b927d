import { type Frame, FrameDecoder, type Header, isSockframeError, type SockframeError, type StreamingFrameDecoder } from "../src/index.ts";
import type { DecoderOptions } from "../src/options.ts";

export const utf8 = new TextEncoder();
export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** Octet-wise equality: vitest's toEqual walks a 1 MiB array for seconds. */
export function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && a.length === b.length && a.every((value, i) => value === b[i]);
}

/** A frame with an arbitrary (possibly invalid) header text, for inputs the encoder refuses to make. */
export function rawFrame(header: string | Uint8Array, body: Uint8Array = new Uint8Array(0), littleEndian = false): Uint8Array {
  const head = typeof header === "string" ? utf8.encode(header) : header;
  const out = new Uint8Array(4 + head.length + body.length);
  new DataView(out.buffer).setUint32(0, head.length, littleEndian);
  out.set(head, 4);
  out.set(body, 4 + head.length);
  return out;
}

/**
 * Pushes frames with 1 MiB bodies (one chunk, pushed again and again), taking every frame or event,
 * until the stream is past `offset` octets (2^31 by default); returns the stream offset reached.
 */
export function decodePast(decoder: FrameDecoder | StreamingFrameDecoder, offset: number = 2 ** 31): number {
  const frame = rawFrame(`{"total_size":${1024 * 1024}}`, new Uint8Array(1024 * 1024));
  let at = 0;
  while (at <= offset) {
    decoder.push(frame);
    for (const _ of decoder);
    at += frame.length;
  }
  return at;
}

export { concatBytes as concat } from "../src/index.ts";

/** Feeds chunks and collects frames and the error, like a transport would. */
export function feed(chunks: Uint8Array[], options: DecoderOptions<Header> = {}): { frames: Frame[]; error: SockframeError | null } {
  const decoder = new FrameDecoder<Header>(options);
  const frames: Frame[] = [];
  try {
    for (const chunk of chunks) {
      decoder.push(chunk);
      for (const frame of decoder) frames.push(frame);
    }
    decoder.end();
    for (const frame of decoder) frames.push(frame);
    return { frames, error: null };
  } catch (error) {
    if (isSockframeError(error)) return { frames, error };
    throw error;
  }
}

/** Cuts bytes at the given offsets. */
export function cut(bytes: Uint8Array, offsets: number[]): Uint8Array[] {
  const sorted = [...new Set(offsets.filter((o) => o > 0 && o < bytes.length))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const offset of [...sorted, bytes.length]) {
    chunks.push(bytes.subarray(at, offset));
    at = offset;
  }
  return chunks.filter((c) => c.length > 0);
}
