import { concatBytes, encodeFrame } from "@sockframe/codec";

export const utf8 = new TextEncoder();

/** A stream of `count` sockframe frames with `bodySize`-octet bodies, and its header views. */
export function sockframeStream(count: number, bodySize: number, checksums: Array<"md5" | "sha256"> = []) {
  const body = new Uint8Array(bodySize);
  for (let i = 0; i < bodySize; i++) body[i] = (i * 7) & 0xff;
  const frames: Uint8Array[] = [];
  const headers: Array<[number, number]> = [];
  let total = 0;
  for (let i = 0; i < count; i++) {
    // Fixed-width ids keep every frame the same size, like a real request stream.
    const frame = encodeFrame({ id: 1_000_000 + i }, body, { checksums });
    const headerLength = new DataView(frame.buffer, frame.byteOffset).getUint32(0);
    headers.push([total + 4, headerLength]);
    frames.push(frame);
    total += frame.length;
  }
  const bytes = concatBytes(frames);
  return { bytes, headerViews: headers.map(([at, length]) => bytes.subarray(at, at + length)) };
}

/** The input cut into chunks of `size` octets, each in its own buffer, as a socket delivers them. */
export function chunked(bytes: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.slice(at, Math.min(at + size, bytes.length)));
  return chunks;
}
