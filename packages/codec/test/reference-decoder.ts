/**
 * A reference decoder for differential fuzzing: SPEC sections 2-7 written out a second time, as
 * plainly as possible, for a complete input held in one buffer. It shares no code with src/: its
 * own UTF-8 validator (RFC 3629 table), its own strict JSON grammar check with duplicate-name and
 * lone-surrogate detection (iterative, so any depth), its own field checks, node:crypto digests.
 * JSON.parse is used only to build the value once the grammar check has passed, and the two must
 * agree on what is JSON (a disagreement throws ReferenceDisagreement).
 *
 * Slow and simple on purpose; used by test/fuzz-properties.test.ts and by the soak in fuzz/.
 * Error offsets follow the codec's documented convention (ErrorPosition): the stream offset of
 * the part that failed (prefix start, header start, body start), or the end of the stream for
 * TRUNCATED; `frame` is the number of frames completed before the error.
 */
import { createHash } from "node:crypto";

export type RefProfile = "be" | "le";

export interface RefOptions {
  profile?: RefProfile;
  maxHeaderBytes?: number;
  /** The body limit in force: maxBodyBytes in buffered mode, maxStreamBodyBytes in streaming mode. */
  bodyLimit?: number;
  /** True when the stream has ended (decoder.end() was called). */
  ended?: boolean;
}

export interface RefError {
  code: string;
  stage: string;
  offset: number;
  frame: number;
}

export interface RefResult {
  frames: Array<{ header: Record<string, unknown>; body: Uint8Array }>;
  error: RefError | null;
  /** Where an unended stream stopped: the part it waits for, and the octets held for it. */
  waiting: { part: "idle" | "prefix" | "header" | "body"; buffered: number };
}

/** The reference and JSON.parse disagree on whether a text is JSON: a bug in one of them. */
export class ReferenceDisagreement extends Error {}

const MAX_SAFE = 9007199254740991;

/** Strict UTF-8 per RFC 3629 section 4: no overlongs, no surrogates, nothing above U+10FFFF. */
export function isStrictUtf8(bytes: Uint8Array): boolean {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b0 = bytes[i]!;
    if (b0 <= 0x7f) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b0 >= 0xc2 && b0 <= 0xdf) need = 1;
    else if (b0 === 0xe0) [need, lo] = [2, 0xa0];
    else if ((b0 >= 0xe1 && b0 <= 0xec) || b0 === 0xee || b0 === 0xef) need = 2;
    else if (b0 === 0xed) [need, hi] = [2, 0x9f];
    else if (b0 === 0xf0) [need, lo] = [3, 0x90];
    else if (b0 >= 0xf1 && b0 <= 0xf3) need = 3;
    else if (b0 === 0xf4) [need, hi] = [3, 0x8f];
    else return false;
    const b1 = bytes[i + 1];
    if (b1 === undefined || b1 < lo || b1 > hi) return false;
    for (let k = 2; k <= need; k++) {
      const b = bytes[i + k];
      if (b === undefined || b < 0x80 || b > 0xbf) return false;
    }
    i += need + 1;
  }
  return true;
}

function wellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return false;
    }
  }
  return true;
}

type JsonVerdict = { json: false } | { json: true; object: boolean; duplicate: boolean; loneSurrogate: boolean };

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;

/** RFC 8259 grammar, plus the two rules of SPEC 3.3; iterative (unbounded depth). */
export function checkJson(text: string): JsonVerdict {
  let i = 0;
  const n = text.length;
  let duplicate = false;
  let loneSurrogate = false;
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
  };
  const string = (): string | null => {
    if (text.charCodeAt(i) !== 0x22) return null;
    i++;
    let out = "";
    for (;;) {
      if (i >= n) return null;
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        if (!wellFormed(out)) loneSurrogate = true;
        return out;
      }
      if (c < 0x20) return null;
      if (c !== 0x5c) {
        out += text[i];
        i++;
        continue;
      }
      const e = text[i + 1];
      i += 2;
      switch (e) {
        case '"': out += '"'; break;
        case "\\": out += "\\"; break;
        case "/": out += "/"; break;
        case "b": out += "\b"; break;
        case "f": out += "\f"; break;
        case "n": out += "\n"; break;
        case "r": out += "\r"; break;
        case "t": out += "\t"; break;
        case "u": {
          const hex = text.slice(i, i + 4);
          if (!HEX4.test(hex)) return null;
          out += String.fromCharCode(parseInt(hex, 16));
          i += 4;
          break;
        }
        default:
          return null;
      }
    }
  };
  type Container = { keys: Set<string> } | null; // null: an array
  const stack: Container[] = [];
  /** Reads `"key" :` into the open object; false on a syntax error. */
  const member = (): boolean => {
    ws();
    const key = string();
    if (key === null) return false;
    const keys = stack[stack.length - 1]!.keys;
    if (keys.has(key)) duplicate = true;
    keys.add(key);
    ws();
    if (text[i] !== ":") return false;
    i++;
    return true;
  };
  ws();
  const object = text[i] === "{";
  for (;;) {
    // A value.
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") i++;
      else {
        stack.push({ keys: new Set() });
        if (!member()) return { json: false };
        continue;
      }
    } else if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") i++;
      else {
        stack.push(null);
        continue;
      }
    } else if (c === '"') {
      if (string() === null) return { json: false };
    } else if (text.startsWith("true", i)) i += 4;
    else if (text.startsWith("false", i)) i += 5;
    else if (text.startsWith("null", i)) i += 4;
    else {
      NUMBER.lastIndex = i;
      if (!NUMBER.test(text)) return { json: false };
      i = NUMBER.lastIndex;
    }
    // After a value: close containers, or a comma and the next value.
    let next = false;
    while (!next) {
      ws();
      if (stack.length === 0) {
        return i === n ? { json: true, object, duplicate, loneSurrogate } : { json: false };
      }
      const top = stack[stack.length - 1]!;
      const d = text[i];
      if (d === ",") {
        i++;
        if (top !== null && !member()) return { json: false };
        next = true;
      } else if ((top !== null && d === "}") || (top === null && d === "]")) {
        i++;
        stack.pop();
      } else {
        return { json: false };
      }
    }
  }
}

function own(o: object, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

function intIn(v: unknown, min: number, max: number): boolean {
  return typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;
}

/** SPEC 3.4: true when every defined field present has its type. */
export function fieldsValid(h: Record<string, unknown>): boolean {
  if (!own(h, "total_size") || !intIn(h.total_size, 0, MAX_SAFE)) return false;
  if (own(h, "filename") && typeof h.filename !== "string") return false;
  if (own(h, "md5") && !(typeof h.md5 === "string" && /^[0-9a-f]{32}$/.test(h.md5))) return false;
  if (own(h, "sha256") && !(typeof h.sha256 === "string" && /^[0-9a-f]{64}$/.test(h.sha256))) return false;
  if (own(h, "id") && typeof h.id !== "string" && !intIn(h.id, -MAX_SAFE, MAX_SAFE)) return false;
  if (own(h, "error")) {
    const e = h.error;
    if (typeof e !== "object" || e === null || Array.isArray(e)) return false;
    const { code, message } = e as Record<string, unknown>;
    if (!(own(e, "code") && typeof code === "string" && code.length > 0)) return false;
    if (!(own(e, "message") && typeof message === "string")) return false;
  }
  return true;
}

const lenient = new TextDecoder("utf-8", { ignoreBOM: true });

/** Decodes a complete input held in one buffer, per SPEC 2-7. */
export function referenceDecode(bytes: Uint8Array, options: RefOptions = {}): RefResult {
  const profile = options.profile ?? "be";
  const maxHeader = options.maxHeaderBytes ?? 65536;
  const bodyLimit = options.bodyLimit ?? 16 * 1024 * 1024;
  const ended = options.ended ?? true;
  const frames: RefResult["frames"] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  let at = 0;
  const result = (error: RefError | null, part: RefResult["waiting"]["part"] = "idle", buffered = 0): RefResult => ({
    frames,
    error,
    waiting: { part, buffered },
  });
  const fail = (code: string, stage: string, offset: number) => result({ code, stage, offset, frame: frames.length });
  for (;;) {
    const left = n - at;
    if (left === 0) return result(null);
    if (left < 4) return ended ? fail("TRUNCATED", "end", n) : result(null, "prefix", left);
    const length = profile === "be" ? view.getUint32(at, false) : view.getInt32(at, true);
    if (length <= 0) return fail("HEADER_LENGTH_INVALID", "prefix", at);
    if (length > maxHeader) return fail("HEADER_TOO_LARGE", "prefix", at);
    const headerAt = at + 4;
    if (n - headerAt < length) return ended ? fail("TRUNCATED", "end", n) : result(null, "header", n - headerAt);
    const headerBytes = bytes.subarray(headerAt, headerAt + length);
    if (!isStrictUtf8(headerBytes)) return fail("HEADER_INVALID_JSON", "header", headerAt);
    if (headerBytes[0] === 0xef && headerBytes[1] === 0xbb && headerBytes[2] === 0xbf) {
      return fail("HEADER_INVALID_JSON", "header", headerAt);
    }
    const text = lenient.decode(headerBytes);
    const verdict = checkJson(text);
    let value: unknown;
    try {
      value = JSON.parse(text);
      if (!verdict.json) throw new ReferenceDisagreement(`JSON.parse accepts what the reference grammar refuses: ${JSON.stringify(text)}`);
    } catch (error) {
      if (error instanceof ReferenceDisagreement) throw error;
      if (verdict.json) throw new ReferenceDisagreement(`JSON.parse refuses what the reference grammar accepts: ${JSON.stringify(text)}`);
      return fail("HEADER_INVALID_JSON", "header", headerAt);
    }
    if (!verdict.object || verdict.duplicate || verdict.loneSurrogate) return fail("HEADER_INVALID", "header", headerAt);
    const header = value as Record<string, unknown>;
    if (!fieldsValid(header)) return fail("HEADER_INVALID", "header", headerAt);
    if (Object.is(header.total_size, -0)) header.total_size = 0;
    const size = header.total_size as number;
    if (size > bodyLimit) return fail("BODY_TOO_LARGE", "header", headerAt);
    const bodyAt = headerAt + length;
    if (n - bodyAt < size) return ended ? fail("TRUNCATED", "end", n) : result(null, "body", n - bodyAt);
    const body = bytes.subarray(bodyAt, bodyAt + size);
    for (const name of ["md5", "sha256"] as const) {
      if (typeof header[name] === "string" && createHash(name).update(body).digest("hex") !== header[name]) {
        return fail("CHECKSUM_MISMATCH", "body", bodyAt);
      }
    }
    frames.push({ header, body });
    at = bodyAt + size;
  }
}

/**
 * A canonical text of a decoded value for comparisons: object keys sorted (own enumerable keys
 * only, so an own `__proto__` member counts and a prototype does not), -0 and non-finite numbers
 * spelled out, the prototype of every object named when it is not Object.prototype.
 */
export function canonical(value: unknown): string {
  const out: string[] = [];
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v instanceof Token) {
      out.push(v.text);
    } else if (typeof v === "number") {
      out.push(Object.is(v, -0) ? "-0" : Number.isFinite(v) ? String(v) : `#${v}`);
    } else if (v === null || typeof v !== "object") {
      out.push(JSON.stringify(v) ?? `#${typeof v}`);
    } else if (Array.isArray(v)) {
      stack.push(new Token("]"));
      for (let i = v.length - 1; i >= 0; i--) stack.push(v[i], new Token(i === 0 ? "" : ","));
      out.push("[");
    } else {
      const proto = Object.getPrototypeOf(v);
      const keys = Object.keys(v).sort();
      stack.push(new Token("}"));
      for (let i = keys.length - 1; i >= 0; i--) {
        stack.push((v as Record<string, unknown>)[keys[i]!], new Token(`${i === 0 ? "" : ","}${JSON.stringify(keys[i])}:`));
      }
      out.push(proto === Object.prototype ? "{" : proto === null ? "{<null>" : "{<other prototype>");
    }
  }
  return out.join("");
}

class Token {
  constructor(readonly text: string) {}
}
