import { SockframeError } from "./errors.ts";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const LOWER_U = 0x75;

/*
 * What one pass over the header octets learns, to decide which (rare) extra checks the parsed value
 * needs. Colons outside strings are exactly the object members of a valid JSON text. Module-level
 * state rather than a result object: this runs once per frame.
 */
let scannedNonAscii = false;
let scannedMembers = 0;
let scannedObjects = 0;
let scannedSurrogateEscape = false;

function scan(bytes: Uint8Array): void {
  let nonAscii = false;
  let members = 0;
  let objects = 0;
  let surrogateEscape = false;
  let inString = false;
  const length = bytes.length;
  for (let i = 0; i < length; i++) {
    const b = bytes[i]!;
    if (b >= 0x80) {
      nonAscii = true;
    } else if (inString) {
      if (b === QUOTE) {
        inString = false;
      } else if (b === BACKSLASH) {
        i++;
        // \uD800..\uDFFF: only then can a string hold a lone surrogate (SPEC 3.3.2).
        if (bytes[i] === LOWER_U && (bytes[i + 1]! | 0x20) === 0x64 && bytes[i + 2]! >= 0x38) surrogateEscape = true;
      }
    } else if (b === QUOTE) {
      inString = true;
    } else if (b === COLON) {
      members++;
    } else if (b === OPEN_BRACE) {
      objects++;
    }
  }
  scannedNonAscii = nonAscii;
  scannedMembers = members;
  scannedObjects = objects;
  scannedSurrogateEscape = surrogateEscape;
}

/** Positions are built only on failure: parsing runs once per frame. */
function headerError(code: "HEADER_INVALID_JSON" | "HEADER_INVALID", message: string, offset: number, frame: number): SockframeError {
  return new SockframeError(code, "header", message, { offset, frame });
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Counts object members and finds lone surrogates in one walk (iterative: depth is unbounded). */
function walk(root: Json, wantSurrogates: boolean): { members: number; loneSurrogate: boolean } {
  let members = 0;
  const stack: Json[] = [root];
  while (stack.length > 0) {
    const value = stack.pop()!;
    if (typeof value === "string") {
      if (wantSurrogates && !value.isWellFormed()) return { members, loneSurrogate: true };
    } else if (Array.isArray(value)) {
      for (const item of value) stack.push(item);
    } else if (value !== null && typeof value === "object") {
      for (const key of Object.keys(value)) {
        members++;
        if (wantSurrogates && !key.isWellFormed()) return { members, loneSurrogate: true };
        stack.push(value[key]!);
      }
    }
  }
  return { members, loneSurrogate: false };
}

/**
 * Decodes header octets per SPEC 3.1-3.3: strict UTF-8 without BOM, strict JSON, an object without
 * duplicate names or lone surrogates. Field checks (3.4) are the caller's.
 */
export function parseHeaderText(bytes: Uint8Array, offset: number, frame: number): Record<string, unknown> {
  scan(bytes);
  const nonAscii = scannedNonAscii;
  const members = scannedMembers;
  const objects = scannedObjects;
  const surrogateEscape = scannedSurrogateEscape;
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw headerError("HEADER_INVALID_JSON", "header is not well-formed UTF-8", offset, frame);
  }
  if (nonAscii && text.charCodeAt(0) === 0xfeff) {
    throw headerError("HEADER_INVALID_JSON", "header starts with a byte order mark", offset, frame);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw headerError("HEADER_INVALID_JSON", `header is not JSON: ${reason}`, offset, frame);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const kind = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
    throw headerError("HEADER_INVALID", `header must be a JSON object, got ${kind}`, offset, frame);
  }
  const header = value as Record<string, unknown>;
  if (objects === 1 && !surrogateEscape) {
    if (Object.keys(header).length !== members) {
      throw headerError("HEADER_INVALID", "header has duplicate member names", offset, frame);
    }
  } else {
    const found = walk(header as Json, surrogateEscape);
    if (found.loneSurrogate) {
      throw headerError("HEADER_INVALID", "header has a string with a lone surrogate", offset, frame);
    }
    if (found.members !== members) {
      throw headerError("HEADER_INVALID", "header has duplicate member names", offset, frame);
    }
  }
  return header;
}
