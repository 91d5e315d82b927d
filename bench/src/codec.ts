import { Buffer } from "node:buffer";
import { concatBytes, FrameDecoder, StreamingFrameDecoder } from "@sockframe/codec";
import { decode as itlpDecode, encode as itlpEncode } from "it-length-prefixed";
import { chunked, sockframeStream } from "./inputs.ts";
import { compare, pairedRatio, type Sample } from "./measure.ts";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Our buffered decoder over `chunks`, as an adapter drives it: push, then take every frame.
 * `release`: each body is handed back once taken (FrameDecoder.release), as a consumer that is done
 * with it does, so a body that spans chunks reuses the memory of the one before.
 */
export function decodeBuffered(
  chunks: Uint8Array[],
  options: ConstructorParameters<typeof FrameDecoder>[0] = {},
  { release = false }: { release?: boolean } = {},
): () => number {
  return () => {
    const decoder = new FrameDecoder(options);
    let frames = 0;
    for (const chunk of chunks) {
      decoder.push(chunk);
      for (let frame = decoder.next(); frame !== undefined; frame = decoder.next()) {
        frames++;
        if (release) decoder.release(frame.body);
      }
    }
    return frames;
  };
}

export function decodeStreaming(chunks: Uint8Array[]): () => number {
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
export function naive(chunks: Uint8Array[]): () => number {
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
  return concatBytes(Array.from({ length: count }, () => itlpEncode.single(body).subarray()));
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

/**
 * The copy limit, hot: Uint8Array#set of every body of the input into one reused 1 MiB buffer,
 * which stays in cache (for information; the baseline is the streaming variant below).
 */
export function memcpyHot(bytes: Uint8Array, bodySize: number, count = Math.floor(bytes.length / bodySize)): () => number {
  const target = new Uint8Array(bodySize);
  return () => {
    let copies = 0;
    for (let i = 0, at = 0; i < count; i++, at = at + 2 * bodySize <= bytes.length ? at + bodySize : 0) {
      target.set(bytes.subarray(at, at + bodySize));
      copies++;
    }
    return copies;
  };
}

/** Destinations of the streaming copy: 64 MiB, more than a core's share of the last-level cache. */
const RING_BYTES = 64 * 1024 * 1024;

/**
 * The copy limit, streaming working set (the baseline): Uint8Array#set of every body into
 * the next buffer of a ring of 64 MiB, touched beforehand, so that source and destination both
 * stream through memory as a decoder's do, without the cost of fresh pages.
 */
export function memcpyStreaming(bytes: Uint8Array, bodySize: number, count = Math.floor(bytes.length / bodySize)): () => number {
  // As large as the input (a stream), at most 64 MiB: a tiny smoke input needs no large ring.
  const ringBytes = Math.min(RING_BYTES, bytes.length);
  const buffers = Math.max(2, Math.min(65_536, Math.ceil(ringBytes / Math.max(bodySize, 1))));
  const ring = Array.from({ length: buffers }, () => new Uint8Array(bodySize).fill(1));
  let next = 0;
  return () => {
    let copies = 0;
    for (let i = 0, at = 0; i < count; i++, at = at + 2 * bodySize <= bytes.length ? at + bodySize : 0) {
      ring[next]!.set(bytes.subarray(at, at + bodySize));
      next = next + 1 === ring.length ? 0 : next + 1;
      copies++;
    }
    return copies;
  };
}

/**
 * What any decoder that hands out each body as a fresh contiguous Uint8Array pays at least:
 * a new zero-filled buffer per body, and one copy into it. (For information: the floor of buffered
 * decoding, above which sockframe's own work is measured.)
 */
export function allocAndCopy(bytes: Uint8Array, bodySize: number, count = Math.floor(bytes.length / bodySize)): () => number {
  return () => {
    let copies = 0;
    for (let i = 0, at = 0; i < count; i++, at = at + 2 * bodySize <= bytes.length ? at + bodySize : 0) {
      const body = new Uint8Array(bodySize);
      body.set(bytes.subarray(at, at + bodySize));
      if (body.length === bodySize) copies++;
    }
    return copies;
  };
}

export interface CodecResults {
  small: Record<string, Sample>;
  large: Record<string, Sample>;
  ratios: Record<string, number>;
  /** Ratios without a target, for the notes on the targets. */
  context: Record<string, number>;
  spread: Record<string, [number, number]>;
}

/** The figures behind the codec ratios of the performance issue. */
export async function runCodecBench(scale: { smallFrames: number; largeFrames: number; rounds: number; minMs: number }): Promise<CodecResults> {
  const opts = { rounds: scale.rounds, minMs: scale.minMs };
  const small = sockframeStream(scale.smallFrames, 64);
  const smallChunks = chunked(small.bytes, 64 * 1024);
  const itlpSmall = chunked(itlpInput(scale.smallFrames, 64), 64 * 1024);
  const smallResults = await compare(
    {
      sockframe: decodeBuffered(smallChunks),
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
      "sockframe (buffered, bodies released)": decodeBuffered(largeChunks, {}, { release: true }),
      "sockframe (buffered, fresh bodies)": decodeBuffered(largeChunks),
      "sockframe (streaming)": decodeStreaming(largeChunks),
      "it-length-prefixed": itlp(itlpLarge, 2 << 20),
      "it-length-prefixed (list)": itlpList(itlpLarge, 2 << 20),
      "naive (Buffer.concat)": naive(largeChunks),
      "new Uint8Array + set (floor of fresh bodies)": allocAndCopy(large.bytes, bodySize, scale.largeFrames),
      "Uint8Array#set, streaming": memcpyStreaming(large.bytes, bodySize, scale.largeFrames),
      "Uint8Array#set, hot": memcpyHot(large.bytes, bodySize, scale.largeFrames),
    },
    large.bytes.length,
    scale.largeFrames,
    opts,
  );
  // Paired per-round ratios: frames/s and MB/s ratios are the same thing for one input.
  const ratio = (r: Record<string, Sample>, ours: string, theirs: string) => pairedRatio(r[ours]!.rounds!, r[theirs]!.rounds!);
  const found = {
    "codec.small.vs_json_parse": ratio(smallResults, "sockframe", "json-parse-only"),
    "codec.small.vs_itlp": ratio(smallResults, "sockframe", "it-length-prefixed"),
    "codec.large.buffered.vs_memcpy": ratio(largeResults, "sockframe (buffered, bodies released)", "Uint8Array#set, streaming"),
    "codec.large.streaming.vs_itlp_list": ratio(largeResults, "sockframe (streaming)", "it-length-prefixed (list)"),
  };
  // For the notes: the same decoder when the consumer keeps every body (each one fresh memory), what
  // a decoder that hands out fresh bodies can reach at best, and how far above that floor
  // sockframe's own work puts it.
  const context = {
    "codec.large.buffered_fresh.vs_memcpy": ratio(largeResults, "sockframe (buffered, fresh bodies)", "Uint8Array#set, streaming"),
    "codec.large.fresh_bodies_vs_memcpy": ratio(largeResults, "new Uint8Array + set (floor of fresh bodies)", "Uint8Array#set, streaming"),
    "codec.large.buffered_fresh.vs_fresh_bodies": ratio(largeResults, "sockframe (buffered, fresh bodies)", "new Uint8Array + set (floor of fresh bodies)"),
    "codec.small.itlp_vs_json_parse": ratio(smallResults, "it-length-prefixed", "json-parse-only"),
  };
  const all = { ...found, ...context };
  return {
    small: smallResults,
    large: largeResults,
    ratios: Object.fromEntries(Object.entries(found).map(([k, v]) => [k, v.value])),
    context: Object.fromEntries(Object.entries(context).map(([k, v]) => [k, v.value])),
    spread: Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.spread])),
  };
}
