import {
  concatBytes,
  decodeDatagram,
  encodeFrame,
  encodeHeadInto,
  type EncoderOptions,
  FrameDecoder,
  isSockframeError,
  StreamingFrameDecoder,
} from "@sockframe/codec";
import { bytesEqual, type DecodeOutcome, type EncodeOutcome, type Subject } from "./run.ts";
import type { VectorOptions } from "./vectors.ts";

function limits(options: VectorOptions) {
  return {
    profile: options.profile,
    maxHeaderBytes: options.maxHeaderBytes,
    maxBodyBytes: options.maxBodyBytes,
    maxStreamBodyBytes: options.maxStreamBodyBytes,
  };
}

type Frames = DecodeOutcome["frames"];

/** Decodes into `frames`, so that the frames before an error survive the throw. */
function decodeBuffered(chunks: Uint8Array[], options: VectorOptions, frames: Frames): void {
  const decoder = new FrameDecoder(limits(options));
  for (const chunk of chunks) {
    decoder.push(chunk);
    for (const frame of decoder) frames.push(frame);
  }
  decoder.end();
  for (const frame of decoder) frames.push(frame);
}

function decodeStreaming(chunks: Uint8Array[], options: VectorOptions, frames: Frames): void {
  const decoder = new StreamingFrameDecoder(limits(options));
  let parts: Uint8Array[] = [];
  const take = () => {
    for (const event of decoder) {
      if (event.type === "head") parts = [];
      // Copy: a data view is only valid until the source chunk is reused.
      else if (event.type === "data") parts.push(event.chunk.slice());
      else frames.push({ header: event.header, body: concatBytes(parts) });
    }
  };
  for (const chunk of chunks) {
    decoder.push(chunk);
    take();
  }
  decoder.end();
  take();
}

/** @sockframe/codec as a conformance subject, on whichever runtime imports this. */
export function codecSubject(name: string): Subject {
  return {
    name,
    decode(chunks, options) {
      const frames: Frames = [];
      try {
        (options.mode === "streaming" ? decodeStreaming : decodeBuffered)(chunks, options, frames);
        return { frames, error: null };
      } catch (error) {
        if (isSockframeError(error)) return { frames, error: { code: error.code, stage: error.stage } };
        throw error;
      }
    },
    decodeDatagram(datagram, options) {
      const { frame, error } = decodeDatagram(datagram, { ...limits(options), maxDatagramBytes: options.maxDatagramBytes });
      return error === null ? { frames: [frame], error: null } : { frames: [], error: { code: error.code, stage: error.stage } };
    },
    encode(header, body, options): EncodeOutcome {
      const encoderOptions = { profile: options.profile, maxHeaderBytes: options.maxHeaderBytes, checksums: options.checksums };
      const whole = encodeOutcome(() => encodeFrame(header, body, encoderOptions));
      // Every encode vector also runs through encodeHeadInto, which connections encode with.
      const inPlace = encodeOutcome(() => encodeInPlace(header, body, encoderOptions));
      if (!sameOutcome(inPlace, whole)) throw new Error(`encodeHeadInto gave ${describe(inPlace)}, encodeFrame ${describe(whole)}`);
      return whole;
    },
  };
}

function encodeOutcome(encode: () => Uint8Array): EncodeOutcome {
  try {
    return { bytes: encode() };
  } catch (error) {
    if (isSockframeError(error)) return { error: { code: error.code, stage: error.stage } };
    throw error;
  }
}

function sameOutcome(a: EncodeOutcome, b: EncodeOutcome): boolean {
  if (!("bytes" in a) || !("bytes" in b)) return !("bytes" in a) && !("bytes" in b) && a.error.code === b.error.code && a.error.stage === b.error.stage;
  return bytesEqual(a.bytes, b.bytes);
}

/** An outcome short enough for a failure message: the error, or the length and first 64 octets in hex. */
function describe(outcome: EncodeOutcome): string {
  if (!("bytes" in outcome)) return `${outcome.error.code} (${outcome.error.stage})`;
  const hex = Array.from(outcome.bytes.subarray(0, 64), (octet) => octet.toString(16).padStart(2, "0")).join("");
  return `${outcome.bytes.length} octets ${hex}${outcome.bytes.length > 64 ? "..." : ""}`;
}

/** The frame as encodeHeadInto writes its head into a larger buffer (at an odd offset, amid junk), the body after it. */
function encodeInPlace(header: Record<string, unknown>, body: Uint8Array, options: EncoderOptions): Uint8Array {
  const offset = 7;
  for (let size = 64; size <= 2 ** 24; size *= 2) {
    const target = new Uint8Array(size).fill(0xee);
    const end = encodeHeadInto(target, offset, header, body.length, options, [body]);
    if (end >= 0) return concatBytes([target.subarray(offset, end), body]);
  }
  throw new Error("encodeHeadInto found no room in 16 MiB");
}
