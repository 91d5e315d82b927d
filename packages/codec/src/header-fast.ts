/*
 * The fast path of header parsing: a flat object of ASCII members, read straight from the received
 * octets, without a copy, a string of the whole header or JSON.parse. That is what nearly every
 * header is (`{"total_size":64,"id":17}`), and it is read here at a fraction of the cost.
 *
 * It only ever accepts a strict subset of what the full path (header-text.ts) accepts, with the
 * same result: anything else (a nested value, an escape, a fraction or exponent, a non-ASCII
 * octet, a duplicate or inherited member name, a syntax error) returns undefined, and the caller
 * takes the full path, which also produces every error. So no error is ever raised here.
 */

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const COMMA = 0x2c;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const DEL = 0x7f;

/** 15 decimal digits are always exact in binary64 (below 2^53); longer numbers take the full path. */
const MAX_DIGITS = 15;

/** Member names common enough to be matched against their octets rather than built. */
const KNOWN_NAMES = ["total_size", "id", "filename", "md5", "sha256", "error", "code", "message", "op", "type", "name"];
const KNOWN_OCTETS = KNOWN_NAMES.map((name) => Uint8Array.from(name, (c) => c.charCodeAt(0)));

/** Strings up to this length are built a character at a time; longer ones in one call. */
const SHORT_STRING = 24;

/** Position after the last token read; module state rather than a result object per token. */
let at = 0;

function skipSpace(bytes: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const b = bytes[i]!;
    if (b !== SPACE && b !== TAB && b !== LF && b !== CR) break;
    i++;
  }
  return i;
}

/** The octets [start, end) as a string; they are known to be printable ASCII. */
function asciiString(bytes: Uint8Array, start: number, end: number): string {
  const length = end - start;
  for (let k = 0; k < KNOWN_OCTETS.length; k++) {
    const known = KNOWN_OCTETS[k]!;
    if (known.length !== length) continue;
    let same = true;
    for (let j = 0; j < length; j++) {
      if (bytes[start + j] !== known[j]) {
        same = false;
        break;
      }
    }
    if (same) return KNOWN_NAMES[k]!;
  }
  if (length <= SHORT_STRING) {
    let out = "";
    for (let j = start; j < end; j++) out += String.fromCharCode(bytes[j]!);
    return out;
  }
  return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
}

/** Ends a string that starts after the quote at `i`: the index of the closing quote, or -1. */
function stringEnd(bytes: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const b = bytes[i]!;
    if (b === QUOTE) return i;
    // Control characters are not JSON; an escape or non-ASCII text is for the full path.
    if (b < SPACE || b === BACKSLASH || b >= DEL) return -1;
    i++;
  }
  return -1;
}

/** Unsigned decimal digits at `i` (no sign, no leading zero, at most 15): the value, `at` past them; -1 if not. */
function readCount(bytes: Uint8Array, i: number, end: number): number {
  let j = i;
  let value = 0;
  while (j < end) {
    const d = bytes[j]!;
    if (d < ZERO || d > NINE) break;
    value = value * 10 + (d - ZERO);
    j++;
  }
  const digits = j - i;
  if (digits === 0 || digits > MAX_DIGITS || (digits > 1 && bytes[i] === ZERO)) return -1;
  at = j;
  return value;
}

/** A value at `i` (not whitespace); sets `at` past it. Undefined when it is not in the subset. */
function readValue(bytes: Uint8Array, i: number, end: number): string | number | boolean | null | undefined {
  const b = bytes[i];
  if (b === QUOTE) {
    const close = stringEnd(bytes, i + 1, end);
    if (close < 0) return undefined;
    at = close + 1;
    return asciiString(bytes, i + 1, close);
  }
  if (b === MINUS || (b !== undefined && b >= ZERO && b <= NINE)) {
    const negative = b === MINUS;
    const value = readCount(bytes, negative ? i + 1 : i, end);
    if (value < 0) return undefined;
    // A fraction or an exponent next: not an integer of the fast path.
    const next = at < end ? bytes[at] : -1;
    if (next === 0x2e || next === 0x65 || next === 0x45) return undefined;
    return negative ? -value : value;
  }
  if (b === 0x74 && end - i >= 4 && bytes[i + 1] === 0x72 && bytes[i + 2] === 0x75 && bytes[i + 3] === 0x65) {
    at = i + 4;
    return true;
  }
  if (b === 0x66 && end - i >= 5 && bytes[i + 1] === 0x61 && bytes[i + 2] === 0x6c && bytes[i + 3] === 0x73 && bytes[i + 4] === 0x65) {
    at = i + 5;
    return false;
  }
  if (b === 0x6e && end - i >= 4 && bytes[i + 1] === 0x75 && bytes[i + 2] === 0x6c && bytes[i + 3] === 0x6c) {
    at = i + 4;
    return null;
  }
  return undefined;
}

/**
 * `{"total_size":` (14 octets) at `i`, spelled out rather than compared with a table in a loop:
 * constants the compiler folds, one load each; 29 instead of 50 ns per canonical header (Node 20).
 */
const TOTAL_SIZE_OPEN_LENGTH = 14;
function totalSizeOpenAt(b: Uint8Array, i: number): boolean {
  return (
    b[i] === 0x7b && b[i + 1] === 0x22 && b[i + 2] === 0x74 && b[i + 3] === 0x6f && b[i + 4] === 0x74 && b[i + 5] === 0x61 && b[i + 6] === 0x6c &&
    b[i + 7] === 0x5f && b[i + 8] === 0x73 && b[i + 9] === 0x69 && b[i + 10] === 0x7a && b[i + 11] === 0x65 && b[i + 12] === 0x22 && b[i + 13] === 0x3a
  );
}

/** `,"id":` (6 octets) at `i`, spelled out likewise. */
const ID_MEMBER_LENGTH = 6;
function idMemberAt(b: Uint8Array, i: number): boolean {
  return b[i] === 0x2c && b[i + 1] === 0x22 && b[i + 2] === 0x69 && b[i + 3] === 0x64 && b[i + 4] === 0x22 && b[i + 5] === 0x3a;
}

/**
 * The header in `bytes[start, end)` if it is the canonical header of a plain frame or request, as
 * every sockframe encoder writes it: `{"total_size":N}` or `{"total_size":N,"id":M}` (M an integer
 * or a plain string), nothing else. It passes the checks of SPEC 3.4 by its shape (N a count below
 * 2^53, M an integer below 2^53 or a string, no digest asked for): the caller may skip them.
 */
export function parseCanonicalHeader(bytes: Uint8Array, start: number, end: number): Record<string, unknown> | undefined {
  // Every read is bounded by `end`: the octets after it are the body's.
  if (end - start <= TOTAL_SIZE_OPEN_LENGTH + 1 || !totalSizeOpenAt(bytes, start)) return undefined;
  const size = readCount(bytes, start + TOTAL_SIZE_OPEN_LENGTH, end);
  if (size < 0) return undefined;
  let i = at;
  if (i === end - 1 && bytes[i] === CLOSE_BRACE) return { total_size: size };
  if (end - i < ID_MEMBER_LENGTH + 2 || !idMemberAt(bytes, i)) return undefined;
  i += ID_MEMBER_LENGTH;
  let id: number | string;
  const b = bytes[i];
  if (b === QUOTE) {
    const close = stringEnd(bytes, i + 1, end);
    if (close < 0) return undefined;
    id = asciiString(bytes, i + 1, close);
    i = close + 1;
  } else {
    const negative = b === MINUS;
    const value = readCount(bytes, negative ? i + 1 : i, end);
    if (value < 0) return undefined;
    id = negative ? -value : value;
    i = at;
  }
  return i === end - 1 && bytes[i] === CLOSE_BRACE ? { total_size: size, id } : undefined;
}

/**
 * The header in `bytes[start, end)` if it is a flat object of printable-ASCII names and strings
 * without escapes, integers of at most 15 digits, booleans and nulls, each name once and none
 * an inherited one (`__proto__`, `toString`, ...). Else undefined: take the full path.
 */
export function parseFlatHeader(bytes: Uint8Array, start: number, end: number): Record<string, unknown> | undefined {
  // Every read is bounded by `end`: the octets after it are the body's.
  let i = skipSpace(bytes, start, end);
  if (i >= end || bytes[i] !== OPEN_BRACE) return undefined;
  i = skipSpace(bytes, i + 1, end);
  const header: Record<string, unknown> = {};
  if (i < end && bytes[i] === CLOSE_BRACE) {
    i++;
  } else {
    for (;;) {
      if (i >= end || bytes[i] !== QUOTE) return undefined;
      const close = stringEnd(bytes, i + 1, end);
      if (close < 0) return undefined;
      const name = asciiString(bytes, i + 1, close);
      i = skipSpace(bytes, close + 1, end);
      if (i >= end || bytes[i] !== COLON) return undefined;
      i = skipSpace(bytes, i + 1, end);
      if (i >= end) return undefined;
      const value = readValue(bytes, i, end);
      // Values are never undefined in JSON; a name already present (or inherited) is the full path's.
      if (value === undefined || header[name] !== undefined) return undefined;
      header[name] = value;
      i = skipSpace(bytes, at, end);
      if (i >= end) return undefined;
      const b = bytes[i];
      if (b === COMMA) {
        i = skipSpace(bytes, i + 1, end);
        continue;
      }
      if (b !== CLOSE_BRACE) return undefined;
      i++;
      break;
    }
  }
  return skipSpace(bytes, i, end) === end ? header : undefined;
}
