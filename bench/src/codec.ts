import { Buffer } from "node:buffer";
import { FrameDecoder, StreamingFrameDecoder } from "@sockframe/codec";
import { decode as itlpDecode, encode as itlpEncode } from "it-length-prefixed";
import { chunked, concat, sockframeStream } from "./inputs.ts";
import { compare, type Sample } from "./measure.ts";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function ours(chunks: Uint8Array[]): () => number {
  return () => {
    const decoder = new FrameDecoder();
    let frames = 0;
    for (const chunk of chunks) {
      decoder.push(chunk);
      for (let frame = decoder.next(); frame !== undefined; frame = decoder.next()) frames++;
    }
    return frames;
  };
}

function oursStreaming(chunks: Uint8Array[]): () => number {
  return () => {
    const decoder = new StreamingFrameDecoder();
    let frames = 0;
    for (const chunk of chunks) {
      decoder.push(chunk);
      for (let event = decoder.next(); event !== undefined; event = decoder.next()) if (event.type === "end") frames++;
    }
    return frames;
  };
}

/** The floor: strict UTF-8 decoding and JSON.parse of each header, already cut out, nothing else. */
function jsonParseOnly(headers: Uint8Array[]): () => number {
  return () => {
    let frames = 0;
    for (const header of headers) if (JSON.parse(strictUtf8.decode(header)) !== null) frames++;
    return frames;
  };
}

/** What a tutorial reader writes: Buffer.concat on every chunk, toString + JSON.parse per frame. */
function naive(chunks: Uint8Array[]): () => number {
  return () => {
    let buffer = Buffer.alloc(0);
    let frames = 0;
    for (const chunk of chunks) {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (buffer.length < 4) break;
        const headerLength = buffer.readUInt32BE(0);
        if (buffer.length < 4 + headerLength) break;
        const header = JSON.parse(buffer.toString("utf8", 4, 4 + headerLength)) as { total_size: number };
        const end = 4 + headerLength + header.total_size;
        if (buffer.length < end) break;
        buffer.subarray(4 + headerLength, end);
        buffer = buffer.subarray(end);
        frames++;
      }
    }
    return frames;
  };
}

function itlpInput(count: number, bodySize: number): Uint8Array {
  const body = new Uint8Array(bodySize).fill(7);
  return concat(Array.from({ length: count }, () => itlpEncode.single(body).subarray()));
}

/** it-length-prefixed, each message taken as a Uint8Array (copied when it spans chunks). */
function itlp(chunks: Uint8Array[], maxDataLength: number): () => number {
  return () => {
    let frames = 0;
    for (const message of itlpDecode(chunks, { maxDataLength })) if (message.subarray().length >= 0) frames++;
    return frames;
  };
}

/** it-length-prefixed, messages left as Uint8ArrayLists (no copy). */
function itlpList(chunks: Uint8Array[], maxDataLength: number): () => number {
  return () => {
    let frames = 0;
    for (const message of itlpDecode(chunks, { maxDataLength })) if (message.byteLength >= 0) frames++;
    return frames;
  };
}

/** The copy limit: Uint8Array#set of every 1 MiB body of the input into one reused buffer. */
function memcpy(bytes: Uint8Array, bodySize: number): () => number {
  const target = new Uint8Array(bodySize);
  return () => {
    let copies = 0;
    for (let at = 0; at + bodySize <= bytes.length; at += bodySize) {
      target.set(bytes.subarray(at, at + bodySize));
      copies++;
    }
    return copies;
  };
}

export interface CodecResults {
  small: Record<string, Sample>;
  large: Record<string, Sample>;
  ratios: Record<string, number>;
}

/** The figures behind the codec ratios of the performance issue. */
export async function runCodecBench(scale: { smallFrames: number; largeFrames: number; rounds: number; minMs: number }): Promise<CodecResults> {
  const opts = { rounds: scale.rounds, minMs: scale.minMs };
  const small = sockframeStream(scale.smallFrames, 64);
  const smallChunks = chunked(small.bytes, 64 * 1024);
  const itlpSmall = chunked(itlpInput(scale.smallFrames, 64), 64 * 1024);
  const smallResults = await compare(
    {
      sockframe: ours(smallChunks),
      "json-parse-only": jsonParseOnly(small.headerViews),
      "it-length-prefixed": itlp(itlpSmall, 1 << 20),
      "it-length-prefixed (list)": itlpList(itlpSmall, 1 << 20),
      "naive (Buffer.concat)": naive(smallChunks),
    },
    small.bytes.length,
    scale.smallFrames,
    opts,
  );

  const bodySize = 1 << 20;
  const large = sockframeStream(scale.largeFrames, bodySize);
  const largeChunks = chunked(large.bytes, 64 * 1024);
  const itlpLarge = chunked(itlpInput(scale.largeFrames, bodySize), 64 * 1024);
  const largeResults = await compare(
    {
      "sockframe (buffered)": ours(largeChunks),
      "sockframe (streaming)": oursStreaming(largeChunks),
      "it-length-prefixed": itlp(itlpLarge, 2 << 20),
      "it-length-prefixed (list)": itlpList(itlpLarge, 2 << 20),
      "naive (Buffer.concat)": naive(largeChunks),
      "Uint8Array#set": memcpy(large.bytes, bodySize),
    },
    large.bytes.length,
    scale.largeFrames,
    opts,
  );
  const fps = (r: Record<string, Sample>, k: string) => r[k]!.framesPerSec;
  const mbps = (r: Record<string, Sample>, k: string) => r[k]!.mbPerSec;
  return {
    small: smallResults,
    large: largeResults,
    ratios: {
      "codec.small.vs_json_parse": fps(smallResults, "sockframe") / fps(smallResults, "json-parse-only"),
      "codec.small.vs_itlp": fps(smallResults, "sockframe") / fps(smallResults, "it-length-prefixed"),
      "codec.large.buffered.vs_memcpy": mbps(largeResults, "sockframe (buffered)") / mbps(largeResults, "Uint8Array#set"),
      "codec.large.streaming.vs_itlp_list": mbps(largeResults, "sockframe (streaming)") / mbps(largeResults, "it-length-prefixed (list)"),
    },
  };
}
