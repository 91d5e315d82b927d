// The full codec matrix of the performance issue, run in whichever runtime imports it (Node in
// process; Deno and Bun through codec-peer.ts): encode and decode, bodies of 0 B to 16 MiB, fed
// whole, in 64 KiB and in 1 KiB chunks, buffered and streaming bodies, with and without a zod
// schema and checksums, side by side with it-length-prefixed, length-prefixed-stream, a naive
// decoder, JSON.parse alone and Uint8Array#set.
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import {
  concatBytes,
  encodeFrame,
  encodeFrameParts,
  type HashFactories,
  HeaderSchema,
} from "@sockframe/codec";
import { decode as itlpDecode, encode as itlpEncode } from "it-length-prefixed";
import lps from "length-prefixed-stream";
import * as z from "zod";
import { decodeBuffered, decodeStreaming, memcpyStreaming, naive } from "./codec.ts";
import { chunked, sockframeStream } from "./inputs.ts";
import { compare, type Run, type Sample } from "./measure.ts";

export interface MatrixGroup {
  title: string;
  unit: "frames/s" | "MB/s";
  samples: Sample[];
}

export interface MatrixOptions {
  /** Body sizes to run, in octets. */
  sizes: number[];
  /** Chunk sizes; 0 is the whole input in one chunk. */
  chunkings: number[];
  rounds: number;
  minMs: number;
  /** Octets of input per size (frames = max(minFrames, inputBytes / frame size)). */
  inputBytes: number;
  minFrames: number;
  maxFrames: number;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** node:crypto's digests: what the adapters pass to the codec on every runtime. */
function nodeHasher(algorithm: "md5" | "sha256") {
  return () => {
    const hash = createHash(algorithm);
    return { update: (data: Uint8Array) => void hash.update(data), hexDigest: () => hash.digest("hex") };
  };
}
const NATIVE: HashFactories = { md5: nodeHasher("md5"), sha256: nodeHasher("sha256") };

/** An application schema: the base header plus a typed `id`. */
const Schema = HeaderSchema.extend({ id: z.number().int() });

function sizeName(size: number): string {
  return size >= 2 ** 20 ? `${size / 2 ** 20} MiB` : size >= 1024 ? `${size / 1024} KiB` : `${size} B`;
}

function chunkName(chunk: number): string {
  return chunk === 0 ? "fed whole" : `${sizeName(chunk)} chunks`;
}

function itlp(chunks: Uint8Array[], maxDataLength: number, list: boolean): Run {
  return () => {
    let frames = 0;
    for (const message of itlpDecode(chunks, { maxDataLength })) if ((list ? message.byteLength : message.subarray().length) >= 0) frames++;
    return frames;
  };
}

/** length-prefixed-stream's decoder, a Node Transform: every chunk written, messages counted. */
function lpsDecode(chunks: Uint8Array[], expected: number): Run {
  return () =>
    new Promise<number>((resolve, reject) => {
      const decoder = lps.decode({ allowEmpty: true, limit: 64 * 2 ** 20 });
      let frames = 0;
      decoder.on("data", () => {
        if (++frames === expected) resolve(frames);
      });
      decoder.on("error", reject);
      for (const chunk of chunks) decoder.write(chunk);
      decoder.end();
      decoder.on("end", () => resolve(frames));
    });
}

function jsonParseOnly(headers: Uint8Array[]): Run {
  return () => {
    let frames = 0;
    for (const header of headers) if (JSON.parse(strictUtf8.decode(header)) !== null) frames++;
    return frames;
  };
}

function bodyOf(size: number): Uint8Array {
  const body = new Uint8Array(size);
  for (let i = 0; i < size; i++) body[i] = (i * 7) & 0xff;
  return body;
}

function frameCount(size: number, o: MatrixOptions): number {
  return Math.max(o.minFrames, Math.min(o.maxFrames, Math.floor(o.inputBytes / (size + 32))));
}

async function decodeGroups(size: number, o: MatrixOptions, log: (line: string) => void): Promise<MatrixGroup[]> {
  const count = frameCount(size, o);
  const plain = sockframeStream(count, size);
  const summed = sockframeStream(count, size, ["sha256"]);
  const body = bodyOf(size);
  const itlpBytes = concatBytes(Array.from({ length: count }, () => itlpEncode.single(body, { maxDataLength: 64 * 2 ** 20 }).subarray()));
  const groups: MatrixGroup[] = [];
  for (const chunk of o.chunkings) {
    log(`codec matrix: decode ${sizeName(size)} bodies, ${chunkName(chunk)}`);
    const cut = (bytes: Uint8Array) => (chunk === 0 ? [bytes] : chunked(bytes, chunk));
    const ours = cut(plain.bytes);
    const theirs = cut(itlpBytes);
    const contenders: Record<string, Run> = {
      "sockframe (buffered)": decodeBuffered(ours),
      "sockframe (buffered, bodies released)": decodeBuffered(ours, {}, { release: true }),
      "sockframe (streaming)": decodeStreaming(ours),
      "sockframe + zod schema": decodeBuffered(ours, { header: Schema, maxBodyBytes: 64 * 2 ** 20 }),
      "sockframe + sha256 check": decodeBuffered(cut(summed.bytes), { hashes: NATIVE, maxBodyBytes: 64 * 2 ** 20 }),
      "it-length-prefixed": itlp(theirs, 64 * 2 ** 20, false),
      "it-length-prefixed (list)": itlp(theirs, 64 * 2 ** 20, true),
      "length-prefixed-stream": lpsDecode(theirs, count),
    };
    // Buffer.concat per chunk copies the buffered part again each time: quadratic past a few chunks per body.
    if (chunk === 0 || size / chunk <= 64) contenders["naive (Buffer.concat)"] = naive(ours);
    contenders["JSON.parse of the headers alone"] = jsonParseOnly(plain.headerViews);
    if (size > 0) contenders["Uint8Array#set of the bodies, streaming"] = memcpyStreaming(plain.bytes, size, count);
    // Buffered decoding of bodies past the default 16 MiB limit needs the limit raised.
    if (size > 16 * 2 ** 20) contenders["sockframe (buffered)"] = decodeBuffered(ours, { maxBodyBytes: 64 * 2 ** 20 });
    const results = await compare(contenders, plain.bytes.length, count, { rounds: o.rounds, minMs: o.minMs });
    const samples = Object.values(results);
    // memcpy counts bodies, not frames: its frames/s is bodies/s over the same input.
    groups.push({ title: `Decode, ${count} frames with ${sizeName(size)} bodies, ${chunkName(chunk)}`, unit: size >= 64 * 1024 ? "MB/s" : "frames/s", samples });
  }
  return groups;
}

async function encodeGroup(size: number, o: MatrixOptions, log: (line: string) => void): Promise<MatrixGroup> {
  log(`codec matrix: encode ${sizeName(size)} bodies`);
  const count = frameCount(size, o);
  const body = bodyOf(size);
  const frameBytes = encodeFrame({ id: 1_000_000 }, body).length;
  const each = (encode: (i: number) => number): Run => () => {
    let frames = 0;
    for (let i = 0; i < count; i++) if (encode(i) > 0) frames++;
    return frames;
  };
  const contenders: Record<string, Run> = {
    "sockframe encodeFrame (one buffer)": each((i) => encodeFrame({ id: 1_000_000 + i }, body).length),
    "sockframe encodeFrameParts (body not copied)": each((i) => encodeFrameParts({ id: 1_000_000 + i }, body)[0].length),
    "sockframe + sha256": each((i) => encodeFrameParts({ id: 1_000_000 + i }, body, { checksums: ["sha256"], hashes: NATIVE })[0].length),
    "it-length-prefixed encode.single": each(() => itlpEncode.single(body, { maxDataLength: 64 * 2 ** 20 }).byteLength),
    "length-prefixed-stream encode": () =>
      new Promise<number>((resolve, reject) => {
        const encoder = lps.encode();
        // Every message's prefix and body read out (an empty body is no 'data' event), then the end.
        encoder.on("data", () => undefined);
        encoder.on("end", () => resolve(count));
        encoder.on("error", reject);
        for (let i = 0; i < count; i++) encoder.write(body);
        encoder.end();
      }),
    "naive (JSON.stringify + Buffer.concat)": each((i) => {
      const header = Buffer.from(JSON.stringify({ total_size: size, id: 1_000_000 + i }));
      const prefix = Buffer.alloc(4);
      prefix.writeUInt32BE(header.length);
      return Buffer.concat([prefix, header, body]).length;
    }),
  };
  const results = await compare(contenders, count * frameBytes, count, { rounds: o.rounds, minMs: o.minMs });
  return { title: `Encode, ${count} frames with ${sizeName(size)} bodies`, unit: size >= 64 * 1024 ? "MB/s" : "frames/s", samples: Object.values(results) };
}

export async function runCodecMatrix(o: MatrixOptions, log: (line: string) => void = () => undefined): Promise<MatrixGroup[]> {
  const groups: MatrixGroup[] = [];
  for (const size of o.sizes) {
    groups.push(...(await decodeGroups(size, o, log)));
    groups.push(await encodeGroup(size, o, log));
  }
  return groups;
}
