import {
  concatBytes,
  encodeFrame,
  FrameDecoder,
  isSockframeError,
  StreamingFrameDecoder,
} from "@sockframe/codec";
import type { DecodeOutcome, EncodeOutcome, Subject } from "./run.ts";
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
    encode(header, body, options): EncodeOutcome {
      try {
        return { bytes: encodeFrame(header, body, { profile: options.profile, maxHeaderBytes: options.maxHeaderBytes, checksums: options.checksums }) };
      } catch (error) {
        if (isSockframeError(error)) return { error: { code: error.code, stage: error.stage } };
        throw error;
      }
    },
  };
}
