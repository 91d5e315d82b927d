import type { ZodType } from "zod";
import { FrameDecoder, type Frame, StreamingFrameDecoder } from "./decoder.ts";
import { encodeFrame, encodeFrameParts, type EncoderOptions, type OutgoingHeader } from "./encoder.ts";
import { SockframeError } from "./errors.ts";
import type { Header } from "./header.ts";
import type { DecoderOptions } from "./options.ts";
import type { ByteSource } from "./bytes.ts";
import { decodeFrames, FrameDecoderStream, FrameEncoderStream } from "./streams.ts";

/** Options of a codec: decoder and encoder options in one place. */
export interface CodecConfig<H> extends DecoderOptions<H>, Omit<EncoderOptions, keyof DecoderOptions<H>> {
  /** Application header schema, usually `HeaderSchema.extend({...})`. */
  header?: ZodType<H>;
}

/** Encoders and decoders that share one configuration and one header type. */
export interface Codec<H> {
  readonly options: Readonly<CodecConfig<H>>;
  decoder(): FrameDecoder<H>;
  streamingDecoder(): StreamingFrameDecoder<H>;
  encode(header: OutgoingHeader, body?: Uint8Array): Uint8Array;
  encodeParts(header: OutgoingHeader, body?: Uint8Array): [Uint8Array, Uint8Array];
  decode(source: ByteSource): AsyncGenerator<Frame<H>, void, undefined>;
  decoderStream(): FrameDecoderStream<H>;
  encoderStream(): FrameEncoderStream;
}

/**
 * A codec bound to one configuration. With a `header` schema, decoded headers are checked by it
 * and typed by it:
 *
 * ```ts
 * const Job = HeaderSchema.extend({ job: z.string() });
 * const codec = createCodec({ header: Job });
 * for (const frame of decoder) frame.header.job; // string
 * ```
 */
export function createCodec<H = Header>(config: CodecConfig<H> = {}): Codec<H> {
  const options = Object.freeze({ ...config });
  new FrameDecoder<H>(options); // validates the limits now rather than on first use
  return {
    options,
    decoder: () => new FrameDecoder<H>(options),
    streamingDecoder: () => new StreamingFrameDecoder<H>(options),
    encode: (header, body) => encodeFrame(header, body, options),
    encodeParts: (header, body) => encodeFrameParts(header, body, options),
    decode: (source) => decodeFrames<H>(source, options),
    decoderStream: () => new FrameDecoderStream<H>(options),
    encoderStream: () => new FrameEncoderStream(options),
  };
}

/** The outcome of decoding a complete input: the frames, and the error that stopped it, if any. */
export interface DecodeResult<H> {
  frames: Frame<H>[];
  error: SockframeError | null;
}

/**
 * Decodes an input that is complete (a file, a datagram): every frame, then the error if the
 * input is not a whole number of valid frames. Never throws a SockframeError.
 */
export function decodeAll<H = Header>(input: Uint8Array | Iterable<Uint8Array>, options: DecoderOptions<H> = {}): DecodeResult<H> {
  const decoder = new FrameDecoder<H>(options);
  const frames: Frame<H>[] = [];
  try {
    for (const chunk of input instanceof Uint8Array ? [input] : input) {
      decoder.push(chunk);
      for (const frame of decoder) frames.push(frame);
    }
    decoder.end();
    for (const frame of decoder) frames.push(frame);
    return { frames, error: null };
  } catch (error) {
    if (error instanceof SockframeError) return { frames, error };
    throw error;
  }
}
