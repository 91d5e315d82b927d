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

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * The canonical text of the commonest headers, `{}` and `{ id }` (a request, a reply), written
 * directly: no copy, no sorting, no generic checks, as the same text the full path would give.
 * Undefined for anything else (any other member, an inherited or invalid id): the full path's.
 */
function plainHeaderText(header: OutgoingHeader, bodySize: number): string | undefined {
  let id: unknown;
  for (const key in header) {
    if (key === "id") {
      if (!hasOwn.call(header, "id")) return undefined;
      id = header.id;
    } else if (key !== "total_size" || !hasOwn.call(header, key)) {
      return undefined;
    }
  }
  if (id === undefined) return `{"total_size":${bodySize}}`;
  if (typeof id === "number") {
    if (!Number.isSafeInteger(id)) return undefined;
    // String(-0) is "0", as SPEC 8.1.5 asks.
    return `{"total_size":${bodySize},"id":${String(id)}}`;
  }
  if (typeof id === "string" && id.isWellFormed()) return `{"total_size":${bodySize},"id":${JSON.stringify(id)}}`;
  return undefined;
}

/** The canonical header text, checked (SPEC 8.1, 8.2, 8.3); its length is checked by the caller. */
function headerText(header: OutgoingHeader, bodySize: number, options: EncoderOptions, body: readonly Uint8Array[]): string {
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    refuse("HEADER_INVALID", "header must be an object");
  }
  if (options.checksums === undefined || options.checksums.length === 0) {
    const text = plainHeaderText(header, bodySize);
    if (text !== undefined) return text;
  }
  // A copy made with spread: own data properties only, so `__proto__` stays an inert key (SPEC 3.4.8).
  const full: Record<string, unknown> = { ...header, total_size: bodySize };
  const checksums = options.checksums;
  if (checksums !== undefined) for (const name of checksums) full[name] = digestHex(name, body, options.hashes);
  const problem = checkBaseHeader(full);
  if (problem !== null) refuse("HEADER_INVALID", problem);
  try {
    return headerToJson(full);
  } catch (error) {
    if (error instanceof NotJsonError) refuse("HEADER_INVALID", error.message);
    throw error;
  }
}

function checkHeaderLength(length: number, options: CodecOptions): void {
  const max = options.maxHeaderBytes ?? DEFAULT_LIMITS.maxHeaderBytes;
  if (length > max) refuse("HEADER_TOO_LARGE", `header is ${length} octets, over maxHeaderBytes ${max}`);
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
  const bytes = utf8.encode(headerText(header, bodySize, options, body));
  checkHeaderLength(bytes.length, options);
  return bytes;
}

/** Writes the 4-octet prefix for a header of `length` octets (SPEC 2.2). */
export function writePrefix(target: Uint8Array, offset: number, length: number, profile: Profile = "be"): void {
  // By hand rather than through a DataView: this runs once per frame. Same octets as setUint32.
  if (profile === "le") {
    target[offset] = length & 0xff;
    target[offset + 1] = (length >>> 8) & 0xff;
    target[offset + 2] = (length >>> 16) & 0xff;
    target[offset + 3] = (length >>> 24) & 0xff;
  } else {
    target[offset] = (length >>> 24) & 0xff;
    target[offset + 1] = (length >>> 16) & 0xff;
    target[offset + 2] = (length >>> 8) & 0xff;
    target[offset + 3] = length & 0xff;
  }
}

/** Headers up to this many characters are checked for ASCII and copied by hand (no TextEncoder call). */
const ASCII_BY_HAND = 512;

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return false;
  return true;
}

/** Prefix, header text and `extra` octets of room in one new buffer; returns it and the body's offset. */
function headWithRoom(text: string, extra: number, options: CodecOptions): [Uint8Array, number] {
  let out: Uint8Array;
  let length = text.length;
  if (length <= ASCII_BY_HAND && isAscii(text)) {
    checkHeaderLength(length, options);
    out = new Uint8Array(4 + length + extra);
    for (let i = 0; i < length; i++) out[4 + i] = text.charCodeAt(i);
  } else {
    const headerBytes = utf8.encode(text);
    length = headerBytes.length;
    checkHeaderLength(length, options);
    out = new Uint8Array(4 + length + extra);
    out.set(headerBytes, 4);
  }
  writePrefix(out, 0, length, options.profile);
  return [out, 4 + length];
}

const NO_PARTS: readonly Uint8Array[] = [];

/** Prefix and header in one buffer, with `extra` octets of room after them. */
function encodeHead(header: OutgoingHeader, body: Uint8Array, extra: number, options: EncoderOptions): [Uint8Array, number] {
  const parts = options.checksums !== undefined && options.checksums.length > 0 ? [body] : NO_PARTS;
  return headWithRoom(headerText(header, body.length, options, parts), extra, options);
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
  return headWithRoom(headerText(header, bodySize, {}, NO_PARTS), 0, options)[0];
}

/** The error frame of SPEC 7.3 for a decode error (or any code and message of the application's). */
export function encodeErrorFrame(error: { code: string; message: string }, options: CodecOptions = {}): Uint8Array {
  return encodeFrame({ error: { code: error.code, message: error.message } }, EMPTY, options);
}
