import { FrameDecoder, type Frame } from "./decoder.ts";
import { encodeFrameParts, type EncoderOptions, type OutgoingHeader } from "./encoder.ts";
import { SockframeError } from "./errors.ts";
import type { Header } from "./header.ts";
import { checkLimit, type DecoderOptions, MAX_SAFE_SIZE } from "./options.ts";

/** The largest UDP payload over IPv4 (65535 - 8 - 20): the default `maxDatagramBytes` (SPEC 9). */
export const MAX_DATAGRAM_BYTES = 65507;

/** The datagram limit of SPEC 9, beside the limits of a decoder or an encoder. */
export interface DatagramLimit {
  /** The longest datagram accepted or sent, in octets (SPEC 9). Default 65507. */
  maxDatagramBytes?: number;
}

/** What one datagram gave (SPEC 9): its frame, or the error it is dropped for. */
export type DatagramResult<H> = { frame: Frame<H>; error: null } | { frame: null; error: SockframeError };

function datagramLimit(options: DatagramLimit): number {
  return checkLimit("maxDatagramBytes", options.maxDatagramBytes ?? MAX_DATAGRAM_BYTES, MAX_SAFE_SIZE);
}

/**
 * Decodes one datagram (SPEC 9): exactly one frame, in buffered mode. Never throws a
 * SockframeError: a datagram that is not one valid frame gives the error it is dropped for. The
 * frame's body may be a view into `datagram`.
 */
export function decodeDatagram<H = Header>(datagram: Uint8Array, options: DecoderOptions<H> & DatagramLimit = {}): DatagramResult<H> {
  const limit = datagramLimit(options);
  const decoder = new FrameDecoder<H>(options); // checks the other options, whatever the datagram
  if (datagram.length > limit) {
    return dropped("DATAGRAM_TOO_LARGE", "prefix", `a datagram of ${datagram.length} octets, over maxDatagramBytes ${limit}`, 0, 0);
  }
  if (datagram.length === 0) return dropped("TRUNCATED", "end", "an empty datagram holds no frame", 0, 0);
  try {
    decoder.push(datagram);
    let frame = decoder.next();
    if (frame === undefined) {
      decoder.end();
      frame = decoder.next(); // throws TRUNCATED: the datagram is not empty, so it ended inside its frame
      if (frame === undefined) throw new Error("sockframe: a non-empty datagram decoded to nothing");
    }
    if (decoder.offset < datagram.length) {
      const extra = datagram.length - decoder.offset;
      return dropped("DATAGRAM_TRAILING_OCTETS", "end", `${extra} octets after the datagram's frame`, decoder.offset, 1);
    }
    return { frame, error: null };
  } catch (error) {
    if (error instanceof SockframeError) return { frame: null, error };
    throw error;
  }
}

function dropped<H>(code: "DATAGRAM_TOO_LARGE" | "DATAGRAM_TRAILING_OCTETS" | "TRUNCATED", stage: "prefix" | "end", message: string, offset: number, frame: number): DatagramResult<H> {
  return { frame: null, error: new SockframeError(code, stage, message, { offset, frame }) };
}

/**
 * One frame as one datagram (SPEC 9). Throws `DATAGRAM_TOO_LARGE` (stage `encode`) for a frame
 * longer than `maxDatagramBytes`, before copying the body, and the encoder's errors of SPEC 8.2.
 */
export function encodeDatagram(header: OutgoingHeader, body?: Uint8Array, options: EncoderOptions & DatagramLimit = {}): Uint8Array {
  const limit = datagramLimit(options);
  const [head, content] = encodeFrameParts(header, body, options);
  const length = head.length + content.length;
  if (length > limit) {
    throw new SockframeError("DATAGRAM_TOO_LARGE", "encode", `a frame of ${length} octets, over maxDatagramBytes ${limit}`);
  }
  const datagram = new Uint8Array(length);
  datagram.set(head);
  datagram.set(content, head.length);
  return datagram;
}
