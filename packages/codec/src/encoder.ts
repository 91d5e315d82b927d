import { NotJsonError, headerToJson, isPlainObject } from "./canonical-json.ts";
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

const NOT_PLAIN: unique symbol = Symbol("not plain");

/** The id of a header with no member but `id` (and a `total_size`, which is replaced); NOT_PLAIN for any other. */
function plainId(header: OutgoingHeader): unknown {
  let id: unknown;
  for (const key in header) {
    if (key === "id") {
      if (!hasOwn.call(header, "id")) return NOT_PLAIN;
      id = header.id;
    } else if (key !== "total_size" || !hasOwn.call(header, key)) {
      return NOT_PLAIN;
    }
  }
  return id;
}

/**
 * The canonical text of the commonest headers, `{}` and `{ id }` (a request, a reply), written
 * directly: no copy, no sorting, no generic checks, as the same text the full path would give.
 * Undefined for anything else (any other member, an inherited or invalid id): the full path's.
 */
function plainHeaderText(header: OutgoingHeader, bodySize: number): string | undefined {
  const id = plainId(header);
  if (id === NOT_PLAIN) return undefined;
  if (id === undefined) return `{"total_size":${bodySize}}`;
  if (typeof id === "number") {
    if (!Number.isSafeInteger(id)) return undefined;
    // String(-0) is "0", as SPEC 8.1.5 asks.
    return `{"total_size":${bodySize},"id":${String(id)}}`;
  }
  if (typeof id === "string" && id.isWellFormed()) return `{"total_size":${bodySize},"id":${JSON.stringify(id)}}`;
  return undefined;
}

/** Whether the options name checksums to add: without any, the plain headers are written directly. */
function namesChecksums(options: EncoderOptions): boolean {
  return options.checksums !== undefined && options.checksums.length > 0;
}

/**
 * A plain object (or one without a prototype), as JSON.parse makes: a class instance (a Date, a
 * Map, a user class) has no JSON form and is refused (SPEC 8.2), not sent as its own properties.
 */
function isHeaderObject(header: unknown): header is OutgoingHeader {
  return typeof header === "object" && header !== null && isPlainObject(header);
}

/** The canonical header text, checked (SPEC 8.1, 8.2, 8.3); its length is checked by the caller. */
function headerText(header: OutgoingHeader, bodySize: number, options: EncoderOptions, body: readonly Uint8Array[]): string {
  if (!isHeaderObject(header)) refuse("HEADER_INVALID", "header must be a plain object");
  if (!namesChecksums(options)) {
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

/** A body size the caller gives (a streamed body's): one a `total_size` can carry (SPEC 3.4.1). */
function checkBodySize(bodySize: number): void {
  if (!Number.isSafeInteger(bodySize) || bodySize < 0) {
    refuse("HEADER_INVALID", `body size ${bodySize} is not an integer in 0..2^53-1`);
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
  const parts = namesChecksums(options) ? [body] : NO_PARTS;
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
  checkBodySize(bodySize);
  return headWithRoom(headerText(header, bodySize, {}, NO_PARTS), 0, options)[0];
}

const PLAIN_START = [...'{"total_size":'].map((c) => c.charCodeAt(0));
const PLAIN_ID = [...',"id":'].map((c) => c.charCodeAt(0));

/**
 * Room a prefix and plain header always fit in: `{"total_size":` and `,"id":`, a 16-digit size,
 * a 17-character id (sign and 16 digits) and the closing brace.
 */
export const PLAIN_HEAD_ROOM: number = 4 + PLAIN_START.length + 16 + PLAIN_ID.length + 17 + 1;

/** Writes a safe integer's decimal digits (String(n)'s octets; -0 as 0) at `at`; returns where they end. */
function writeDecimal(target: Uint8Array, at: number, n: number): number {
  if (n < 0) {
    target[at++] = 0x2d;
    n = -n;
  }
  let end = at + 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) end++;
  for (let i = end - 1; i >= at; i--) {
    target[i] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  return end;
}

/**
 * The headers plainHeaderText writes as text, `{}` and `{ id }` with a safe integer id, written
 * as octets in place: the commonest frames build no string. Undefined for any other header.
 */
function plainHeadInto(target: Uint8Array, offset: number, header: OutgoingHeader, bodySize: number, options: CodecOptions): number | undefined {
  const id = plainId(header);
  if (id === NOT_PLAIN || (id !== undefined && !Number.isSafeInteger(id))) return undefined;
  if (target.length - offset < PLAIN_HEAD_ROOM) return -1;
  let at = offset + 4;
  for (let i = 0; i < PLAIN_START.length; i++) target[at++] = PLAIN_START[i]!;
  at = writeDecimal(target, at, bodySize);
  if (id !== undefined) {
    for (let i = 0; i < PLAIN_ID.length; i++) target[at++] = PLAIN_ID[i]!;
    at = writeDecimal(target, at, id as number);
  }
  target[at++] = 0x7d;
  checkHeaderLength(at - offset - 4, options);
  writePrefix(target, offset, at - offset - 4, options.profile);
  return at;
}

/**
 * Writes the prefix and canonical header of a frame with a `bodySize`-octet body (the octets
 * encodeFrame would begin with) into `target` at `offset`, and returns the offset after them; -1
 * when they do not fit there. Nothing before `offset` is touched; after it, only octets up to the
 * returned offset mean anything. For encoding many frames into one buffer without a buffer per
 * header. `body` is what digests are computed from when `options.checksums` names any.
 */
export function encodeHeadInto(
  target: Uint8Array,
  offset: number,
  header: OutgoingHeader,
  bodySize: number,
  options: EncoderOptions = {},
  body: readonly Uint8Array[] = NO_PARTS,
): number {
  checkBodySize(bodySize);
  // The plain path comes before headerText's checks: a non-object must still get its error there.
  if (!namesChecksums(options) && isHeaderObject(header)) {
    const end = plainHeadInto(target, offset, header, bodySize, options);
    if (end !== undefined) return end;
  }
  const text = headerText(header, bodySize, options, body);
  // A header's UTF-8 form has at least as many octets as its text has UTF-16 code units.
  if (text.length > (options.maxHeaderBytes ?? DEFAULT_LIMITS.maxHeaderBytes)) checkHeaderLength(utf8.encode(text).length, options);
  if (target.length - offset - 4 < text.length) return -1;
  const { read, written } = utf8.encodeInto(text, target.subarray(offset + 4));
  if (read < text.length) return -1;
  checkHeaderLength(written, options);
  writePrefix(target, offset, written, options.profile);
  return offset + 4 + written;
}

/** The error frame of SPEC 7.3 for a decode error (or any code and message of the application's). */
export function encodeErrorFrame(error: { code: string; message: string }, options: CodecOptions = {}): Uint8Array {
  return encodeFrame({ error: { code: error.code, message: error.message } }, EMPTY, options);
}
