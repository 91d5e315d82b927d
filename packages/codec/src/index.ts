/**
 * @module
 * The sockframe v1 codec: a sans-I/O encoder and decoder for
 * `4-octet length | JSON header | body` frames (see SPEC.md). Pure: Uint8Array, DataView,
 * TextEncoder/TextDecoder and Web Streams only, so it runs on Node, Deno, Bun and browsers.
 */
export { type Codec, type CodecConfig, createCodec, decodeAll, type DecodeResult } from "./codec.ts";
export { type DatagramLimit, type DatagramResult, decodeDatagram, encodeDatagram, MAX_DATAGRAM_BYTES } from "./datagram.ts";
export { type ChecksumName, digestHex, PURE_HASHES } from "./checksum.ts";
export { type Frame, FrameDecoder, type FrameEvent, StreamingFrameDecoder } from "./decoder.ts";
export {
  encodeErrorFrame,
  encodeFrame,
  encodeFrameParts,
  encodeHeader,
  encodeHeadInto,
  type EncoderOptions,
  encodeStreamHead,
  type OutgoingHeader,
  PLAIN_HEAD_ROOM,
  writePrefix,
} from "./encoder.ts";
export { ERROR_STAGES, type ErrorCode, type ErrorPosition, type ErrorStage, isSockframeError, SockframeError } from "./errors.ts";
export { checkBaseHeader, type ErrorInfo, type Header, HeaderSchema } from "./header.ts";
export {
  type CodecOptions,
  DEFAULT_LIMITS,
  type DecoderOptions,
  type HashFactories,
  type Hasher,
  MAX_SAFE_SIZE,
  type Profile,
} from "./options.ts";
export { type ByteSource, concatBytes, iterateBytes } from "./bytes.ts";
export {
  decodeFrameEvents,
  decodeFrames,
  FrameDecoderStream,
  FrameEncoderStream,
  type OutgoingFrame,
} from "./streams.ts";
