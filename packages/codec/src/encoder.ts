import { NotJsonError, headerToJson } from "./canonical-json.ts";
import { type ChecksumName, digestHex } from "./checksum.ts";
import { type ErrorCode, SockframeError } from "./errors.ts";
import { checkBaseHeader, type Header } from "./header.ts";
import { type CodecOptions, DEFAULT_LIMITS, type HashFactories, type Profile } from "./options.ts";

/** Options of the encoder. */
export interface EncoderOptions extends CodecOptions {
  /** Digests to compute from the body and put in the header (SPEC 8.3). */
  checksums?: readonly ChecksumName[];
  /** Digest implementations (see DecoderOptions.hashes). */
  hashes?: HashFactories;
}

/** What a sender supplies: any header fields; `total_size` is computed and may be left out. */
export type OutgoingHeader = Omit<Header, "total_size"> & { total_size?: number };

const utf8 = new TextEncoder();
const EMPTY = new Uint8Array(0);

function refuse(code: ErrorCode, message: string): never {
  throw new SockframeError(code, "encode", message);
}

/**
 * The canonical header octets (SPEC 8.1) for a body of `bodySize` octets: the caller's
 * `total_size` is replaced, and the digests named in `options.checksums` are computed over `body`.
 */
export function encodeHeader(
  header: OutgoingHeader,
  bodySize: number,
  options: EncoderOptions = {},
  body: readonly Uint8Array[] = [],
): Uint8Array {
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    refuse("HEADER_INVALID", "header must be an object");
  }
  // A copy made with spread: own data properties only, so `__proto__` stays an inert key (SPEC 3.4.8).
  const full: Record<string, unknown> = { ...header, total_size: bodySize };
  for (const name of options.checksums ?? []) full[name] = digestHex(name, body, options.hashes);
  const problem = checkBaseHeader(full);
  if (problem !== null) refuse("HEADER_INVALID", problem);
  let text: string;
  try {
    text = headerToJson(full);
  } catch (error) {
    if (error instanceof NotJsonError) refuse("HEADER_INVALID", error.message);
    throw error;
  }
  const bytes = utf8.encode(text);
  const max = options.maxHeaderBytes ?? DEFAULT_LIMITS.maxHeaderBytes;
  if (bytes.length > max) refuse("HEADER_TOO_LARGE", `header is ${bytes.length} octets, over maxHeaderBytes ${max}`);
  return bytes;
}

/** Writes the 4-octet prefix for a header of `length` octets (SPEC 2.2). */
export function writePrefix(target: Uint8Array, offset: number, length: number, profile: Profile = "be"): void {
  new DataView(target.buffer, target.byteOffset + offset, 4).setUint32(0, length, profile === "le");
}

/** Prefix and header in one buffer, with `extra` octets of room after them. */
function encodeHead(header: OutgoingHeader, body: Uint8Array, extra: number, options: EncoderOptions): [Uint8Array, number] {
  const headerBytes = encodeHeader(header, body.length, options, [body]);
  const out = new Uint8Array(4 + headerBytes.length + extra);
  writePrefix(out, 0, headerBytes.length, options.profile);
  out.set(headerBytes, 4);
  return [out, 4 + headerBytes.length];
}

/** One frame as one buffer: prefix, header and a copy of the body. */
export function encodeFrame(header: OutgoingHeader, body: Uint8Array = EMPTY, options: EncoderOptions = {}): Uint8Array {
  const [frame, headLength] = encodeHead(header, body, body.length, options);
  frame.set(body, headLength);
  return frame;
}

/**
 * One frame as `[prefix + header, body]`, the body not copied: for writev/cork, or for sending a
 * large body from where it already lies.
 */
export function encodeFrameParts(header: OutgoingHeader, body: Uint8Array = EMPTY, options: EncoderOptions = {}): [Uint8Array, Uint8Array] {
  return [encodeHead(header, body, 0, options)[0], body];
}

/**
 * Prefix and header of a frame whose `bodySize`-octet body the caller streams after it. Digests of
 * a streamed body cannot be computed here: put them in the header when known.
 */
export function encodeStreamHead(header: OutgoingHeader, bodySize: number, options: CodecOptions = {}): Uint8Array {
  if (!Number.isSafeInteger(bodySize) || bodySize < 0) {
    refuse("HEADER_INVALID", `body size ${bodySize} is not an integer in 0..2^53-1`);
  }
  const headerBytes = encodeHeader(header, bodySize, { profile: options.profile, maxHeaderBytes: options.maxHeaderBytes });
  const out = new Uint8Array(4 + headerBytes.length);
  writePrefix(out, 0, headerBytes.length, options.profile);
  out.set(headerBytes, 4);
  return out;
}

/** The error frame of SPEC 7.3 for a decode error (or any code and message of the application's). */
export function encodeErrorFrame(error: { code: string; message: string }, options: CodecOptions = {}): Uint8Array {
  return encodeFrame({ error: { code: error.code, message: error.message } }, EMPTY, options);
}
