import { concatBytes } from "../src/index.ts";
/**
 * Fuzzing support shared by test/fuzz-properties.test.ts (fast-check) and the soak in fuzz/
 * (a seeded PRNG): valid streams with their layout, mutations described as plain data (so both
 * generators can build them and a failure can be printed and replayed), chunkings, and an
 * instrumented decoder run that checks the decoder's invariants after every push.
 *
 * Nothing here imports vitest: the soak runs it under plain Node.
 */
import { createHash } from "node:crypto";
import type { ZodType } from "zod";
import {
  encodeFrame,
  type EncoderOptions,
  FrameDecoder,
  type HashFactories,
  type Header,
  isSockframeError,
  type OutgoingHeader,
  type Profile,
  SockframeError,
  StreamingFrameDecoder,
} from "../src/index.ts";
import { canonical } from "./reference-decoder.ts";

const utf8 = new TextEncoder();
const latin = new TextDecoder("latin1");

// ---------------------------------------------------------------------------------------------
// Modes

/** One decoder configuration. `bodyLimit` is the limit in force in this mode (5.2 or 5.3). */
export interface Mode {
  streaming: boolean;
  profile: Profile;
  maxHeaderBytes: number;
  maxBodyBytes: number;
  maxStreamBodyBytes: number;
  /** Checksums the encoder computes for the valid frames the inputs start from. */
  checksums: ReadonlyArray<"md5" | "sha256">;
  schema?: ZodType<Header> | undefined;
  hashes?: HashFactories | undefined;
}

export function bodyLimit(mode: Mode): number {
  return mode.streaming ? mode.maxStreamBodyBytes : mode.maxBodyBytes;
}

export function describeMode(mode: Mode): string {
  return `${mode.streaming ? "streaming" : "buffered"} ${mode.profile} checksums=[${mode.checksums.join(",")}] ` +
    `maxHeaderBytes=${mode.maxHeaderBytes} maxBodyBytes=${mode.maxBodyBytes} maxStreamBodyBytes=${mode.maxStreamBodyBytes}` +
    `${mode.schema ? " schema" : ""}${mode.hashes ? " native-hashes" : ""}`;
}

/** node:crypto digests, to vary the codec's pure-JS defaults. */
export const NODE_HASHES: HashFactories = {
  md5: () => nodeHasher("md5"),
  sha256: () => nodeHasher("sha256"),
};

function nodeHasher(name: "md5" | "sha256") {
  const hash = createHash(name);
  return { update: (data: Uint8Array) => void hash.update(data), hexDigest: () => hash.digest("hex") };
}

// ---------------------------------------------------------------------------------------------
// Valid streams

export interface FrameSpec {
  header: OutgoingHeader;
  body: Uint8Array;
}

/** A stream as its frames' parts, so that mutations can address a frame's prefix or header. */
export interface Parts {
  frames: Array<{ prefix: Uint8Array; header: Uint8Array; body: Uint8Array }>;
}

export function encodeParts(specs: readonly FrameSpec[], mode: Pick<Mode, "profile" | "checksums">): Parts {
  const options: EncoderOptions = { profile: mode.profile, checksums: mode.checksums, maxHeaderBytes: 0xffffff };
  return {
    frames: specs.map(({ header, body }) => {
      const bytes = encodeFrame(header, body, options);
      const headerLength = bytes.length - 4 - body.length;
      return { prefix: bytes.slice(0, 4), header: bytes.slice(4, 4 + headerLength), body: bytes.slice(4 + headerLength) };
    }),
  };
}

export function joinParts(parts: Parts): Uint8Array {
  const pieces = parts.frames.flatMap((f) => [f.prefix, f.header, f.body]);
  return concat(pieces);
}

export const concat: (parts: readonly Uint8Array[]) => Uint8Array = concatBytes;

function prefixFor(length: number, profile: Profile): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, length >>> 0, profile === "le");
  return out;
}

// ---------------------------------------------------------------------------------------------
// Mutations, as data

export const PREFIX_TAMPERS = [
  "zero", "one", "minus1", "plus1", "plusK", "maxHeader", "maxHeaderPlus1", "int32max", "int32min", "all1", "swapped", "random",
] as const;
export type PrefixTamper = (typeof PREFIX_TAMPERS)[number];

export const SIZE_TAMPERS = [
  "plus1", "minus1", "zero", "plusK", "limit", "limitPlus1", "maxSafe", "maxSafePlus1", "negative", "huge", "minusZero",
  "fraction", "string", "null", "true", "exponent", "decimal", "tiny", "random",
] as const;
export type SizeTamper = (typeof SIZE_TAMPERS)[number];

export const HEADER_EDITS = [
  "bom", "dupKey", "dupEscapedKey", "loneSurrogate", "pairedSurrogate", "upperMd5", "zeroMd5", "flipDigest", "overlong",
  "surrogateUtf8", "aboveMax", "strayContinuation", "truncatedUtf8", "whitespace", "array", "protoKey", "constructorKey", "deep",
  "nullField", "errorString", "errorEmptyCode", "trailingGarbage", "comment", "singleQuotes", "trailingComma", "idFloat",
  "idHuge", "nested", "controlChar", "number1e400",
] as const;
export type HeaderEdit = (typeof HEADER_EDITS)[number];

/** Positions and lengths are naturals taken modulo what fits, so any mutation applies to any stream. */
export type Mutation =
  | { kind: "flip"; at: number; bit: number }
  | { kind: "set"; at: number; value: number }
  | { kind: "cut"; at: number }
  | { kind: "delete"; at: number; length: number }
  | { kind: "insert"; at: number; bytes: number[] }
  | { kind: "duplicate"; at: number; length: number }
  | { kind: "splice"; at: number; otherAt: number }
  | { kind: "prefix"; frame: number; how: PrefixTamper; random: number }
  | { kind: "totalSize"; frame: number; how: SizeTamper; random: number; fixPrefix: boolean }
  | { kind: "header"; frame: number; edit: HeaderEdit; fixPrefix: boolean };

const FRAME_KINDS = new Set(["prefix", "totalSize", "header"]);

/** Frame-level mutations first (they need the layout), then byte-level ones in order. */
export function applyMutations(parts: Parts, other: Uint8Array, mutations: readonly Mutation[], mode: Mode): Uint8Array {
  const copy: Parts = { frames: parts.frames.map((f) => ({ ...f })) };
  for (const m of mutations) if (FRAME_KINDS.has(m.kind)) mutateFrame(copy, m, mode);
  let bytes = joinParts(copy);
  for (const m of mutations) if (!FRAME_KINDS.has(m.kind)) bytes = mutateBytes(bytes, other, m);
  return bytes;
}

function mutateBytes(bytes: Uint8Array, other: Uint8Array, m: Mutation): Uint8Array {
  const n = bytes.length;
  switch (m.kind) {
    case "flip": {
      if (n === 0) return bytes;
      const out = bytes.slice();
      out[m.at % n]! ^= 1 << (m.bit % 8);
      return out;
    }
    case "set": {
      if (n === 0) return bytes;
      const out = bytes.slice();
      out[m.at % n] = m.value & 0xff;
      return out;
    }
    case "cut":
      return bytes.slice(0, m.at % (n + 1));
    case "delete": {
      const at = m.at % (n + 1);
      return concat([bytes.subarray(0, at), bytes.subarray(Math.min(n, at + m.length))]);
    }
    case "insert": {
      const at = m.at % (n + 1);
      return concat([bytes.subarray(0, at), Uint8Array.from(m.bytes), bytes.subarray(at)]);
    }
    case "duplicate": {
      // A chunk delivered twice: bytes[at, at+length) repeated in place.
      const at = m.at % (n + 1);
      const end = Math.min(n, at + m.length);
      return concat([bytes.subarray(0, end), bytes.subarray(at, end), bytes.subarray(end)]);
    }
    case "splice": {
      // The start of this stream, then the rest of another (a stream switched mid-way).
      const at = m.at % (n + 1);
      return concat([bytes.subarray(0, at), other.subarray(m.otherAt % (other.length + 1))]);
    }
    default:
      return bytes;
  }
}

function mutateFrame(parts: Parts, m: Mutation, mode: Mode): void {
  const count = parts.frames.length;
  if (count === 0 || !("frame" in m)) return;
  const frame = parts.frames[m.frame % count]!;
  const littleEndian = mode.profile === "le";
  const length = frame.header.length;
  if (m.kind === "prefix") {
    const view = new DataView(new ArrayBuffer(4));
    const values: Record<PrefixTamper, number> = {
      zero: 0,
      one: 1,
      minus1: length - 1,
      plus1: length + 1,
      plusK: length + 1 + (m.random % 4096),
      maxHeader: mode.maxHeaderBytes,
      maxHeaderPlus1: mode.maxHeaderBytes + 1,
      int32max: 0x7fffffff,
      int32min: 0x80000000,
      all1: 0xffffffff,
      swapped: 0,
      random: m.random >>> 0,
    };
    if (m.how === "swapped") {
      // The prefix written in the other profile.
      view.setUint32(0, length, !littleEndian);
    } else {
      view.setUint32(0, values[m.how] >>> 0, littleEndian);
    }
    frame.prefix = new Uint8Array(view.buffer);
    return;
  }
  const text = latin.decode(frame.header); // octet-preserving: edits below touch ASCII only
  if (m.kind === "totalSize") {
    const match = /"total_size":(-?[0-9.eE+-]+)/.exec(text);
    if (match === null) return;
    const n = Number(match[1]);
    const limit = bodyLimit(mode);
    const values: Record<SizeTamper, string> = {
      plus1: String(n + 1),
      minus1: String(n - 1),
      zero: "0",
      plusK: String(n + 1 + (m.random % 1000)),
      limit: String(limit),
      limitPlus1: String(limit + 1),
      maxSafe: "9007199254740991",
      maxSafePlus1: "9007199254740992",
      negative: "-1",
      huge: "1e400",
      minusZero: "-0",
      fraction: `${n}.5`,
      string: `"${n}"`,
      null: "null",
      true: "true",
      exponent: `${n}e0`,
      decimal: `${n}.000`,
      tiny: "1e-400",
      random: String(m.random % 100000),
    };
    const edited = text.replace(match[0], `"total_size":${values[m.how]}`);
    setHeader(frame, edited, m.fixPrefix, mode.profile);
    return;
  }
  if (m.kind === "header") {
    setHeader(frame, editHeader(text, m.edit), m.fixPrefix, mode.profile);
  }
}

function setHeader(frame: Parts["frames"][number], latinText: string, fixPrefix: boolean, profile: Profile): void {
  const bytes = new Uint8Array(latinText.length);
  for (let i = 0; i < latinText.length; i++) bytes[i] = latinText.charCodeAt(i) & 0xff;
  frame.header = bytes;
  if (fixPrefix) frame.prefix = prefixFor(bytes.length, profile);
}

/** Octets as a latin1 string (one char per octet), to splice raw bytes into a header text. */
function octets(...values: number[]): string {
  return String.fromCharCode(...values);
}

/** Text-level damage to a header (most keep it the same length or fix the prefix). */
export function editHeader(text: string, edit: HeaderEdit): string {
  const inner = (member: string) => (text === "{}" ? `{${member}}` : `{${member},${text.slice(1)}`);
  switch (edit) {
    case "bom":
      return octets(0xef, 0xbb, 0xbf) + text;
    case "dupKey": {
      const match = /"total_size":[^,}]*/.exec(text);
      return match ? inner(match[0]) : text;
    }
    case "dupEscapedKey":
      return inner(`"k":1,"\\u006b":2`);
    case "loneSurrogate":
      return inner(`"s":"a\\ud800b"`);
    case "pairedSurrogate":
      return inner(`"s":"\\ud83d\\ude00"`);
    case "upperMd5":
      return inner(`"md5":"${"ABCDEF0123456789".repeat(2)}"`).replace(/,"md5":"[0-9a-f]{32}"/, "");
    case "zeroMd5":
      return /"md5":"[0-9a-f]{32}"/.test(text) ? text.replace(/"md5":"[0-9a-f]{32}"/, `"md5":"${"0".repeat(32)}"`) : inner(`"md5":"${"0".repeat(32)}"`);
    case "flipDigest":
      return text.replace(/("(?:md5|sha256)":")([0-9a-f])/, (_all, start: string, c: string) => start + (c === "0" ? "1" : "0"));
    case "overlong":
      return inner(`"s":"${octets(0xc0, 0xaf)}"`);
    case "surrogateUtf8":
      return inner(`"s":"${octets(0xed, 0xa0, 0x80)}"`);
    case "aboveMax":
      return inner(`"s":"${octets(0xf4, 0x90, 0x80, 0x80)}"`);
    case "strayContinuation":
      return inner(`"s":"${octets(0x80)}"`);
    case "truncatedUtf8":
      return inner(`"s":"${octets(0xe2, 0x82)}"`);
    case "whitespace":
      return ` \t\r\n${text.replace(/([{,:])/g, "$1 \n\t\r")} \n`;
    case "array":
      return `[${text}]`;
    case "protoKey":
      return inner(`"__proto__":{"total_size":1,"polluted":true}`);
    case "constructorKey":
      return inner(`"constructor":{"prototype":{"polluted":true}}`);
    case "deep":
      return inner(`"deep":${"[".repeat(3000)}${"]".repeat(3000)}`);
    case "nullField":
      return inner(`"filename":null`);
    case "errorString":
      return inner(`"error":"oops"`);
    case "errorEmptyCode":
      return inner(`"error":{"code":"","message":"m"}`);
    case "trailingGarbage":
      return `${text}x`;
    case "comment":
      return inner(`/*c*/"c":1`);
    case "singleQuotes":
      return inner(`'q':1`);
    case "trailingComma":
      return text.endsWith("}") ? `${text.slice(0, -1)},}` : text;
    case "idFloat":
      return inner(`"id":1.5`).replace(/,"id":(?:"(?:[^"\\]|\\.)*"|[^,}"]*)/, "");
    case "idHuge":
      return inner(`"id":9007199254740992`).replace(/,"id":(?:"(?:[^"\\]|\\.)*"|[^,}"]*)/, "");
    case "nested":
      return inner(`"n":{"a":{"a":{"a":1,"b":[1,{"a":2}]}}}`);
    case "controlChar":
      return inner(`"s":"${octets(0x01)}"`);
    case "number1e400":
      return inner(`"x":1e400`);
  }
}

// ---------------------------------------------------------------------------------------------
// Chunkings

export interface Chunking {
  /** Cut points (taken modulo the length); none means one chunk; `drip` means one octet per chunk. */
  cuts: number[];
  drip: boolean;
  /** Each chunk copied into a larger buffer at an offset (exercises the copy-instead-of-pin path). */
  views: boolean;
  /** Node Buffers rather than plain Uint8Arrays (Buffer#slice returns a view). */
  buffers: boolean;
  /** Empty chunks between the others. */
  empties: boolean;
}

export const WHOLE: Chunking = { cuts: [], drip: false, views: false, buffers: false, empties: false };
export const DRIP: Chunking = { cuts: [], drip: true, views: false, buffers: false, empties: false };

export function chunk(bytes: Uint8Array, chunking: Chunking): Uint8Array[] {
  const n = bytes.length;
  let pieces: Uint8Array[];
  if (chunking.drip) {
    pieces = [];
    for (let i = 0; i < n; i++) pieces.push(bytes.subarray(i, i + 1));
  } else {
    const cuts = [...new Set(chunking.cuts.map((c) => (n === 0 ? 0 : c % n)).filter((c) => c > 0))].sort((a, b) => a - b);
    pieces = [];
    let at = 0;
    for (const c of [...cuts, n]) {
      if (c > at) pieces.push(bytes.subarray(at, c));
      at = c;
    }
  }
  return pieces.flatMap((piece, i) => {
    let out: Uint8Array = piece;
    if (chunking.views) {
      const pad = 1 + ((i * 7919) % 97);
      // Backing buffers 1 to 9 times the piece (either side of the queue's 4x pin ratio), at most 1 MiB extra.
      const big = new Uint8Array(piece.length + Math.min(piece.length * (i % 9), 1 << 20) + pad * 2);
      big.set(piece, pad);
      out = big.subarray(pad, pad + piece.length);
    }
    if (chunking.buffers) out = Buffer.from(out.buffer, out.byteOffset, out.length);
    return chunking.empties ? [out, new Uint8Array(0)] : [out];
  });
}

// ---------------------------------------------------------------------------------------------
// An instrumented decoder run

export interface Outcome {
  frames: Array<{ header: string; body: string }>;
  error: { code: string; stage: string; offset: number | undefined; frame: number | undefined; message: string } | null;
  /** Largest `buffered` seen after a drain, and largest internal chunk count. */
  maxBuffered: number;
  maxChunks: number;
  events: number;
}

/** Broken invariant of the decoder (not a SockframeError: the fuzzers report it as a bug). */
export class InvariantError extends Error {
  override name = "InvariantError";
}

/** A body as its length and digest: outcomes stay small however large the bodies. */
export function bodyKey(bytes: Uint8Array): string {
  return `${bytes.length}:${createHash("sha1").update(bytes).digest("hex")}`;
}

function check(condition: boolean, message: () => string): void {
  if (!condition) throw new InvariantError(message());
}

interface DecoderLike {
  push(chunk: Uint8Array): void;
  end(): void;
  next(): unknown;
  readonly buffered: number;
  readonly offset: number;
  readonly stage: "idle" | "prefix" | "header" | "body";
  readonly done: boolean;
  readonly error: SockframeError | null;
}

/**
 * Which buffered bodies runDecoder hands back with release() as soon as it has read them: none,
 * each, or every other one (the ones kept must not change while later bodies reuse released memory).
 */
export type ReleaseMode = "none" | "each" | "alternate";

/**
 * Feeds `chunks` to a decoder of `mode` (draining after every push, or after all of them when
 * `drainEach` is false), then end() if `end`. Returns what came out. Throws InvariantError when an
 * invariant breaks, and rethrows any exception that is not the codec's own SockframeError.
 *
 * Invariants checked after every drain:
 * - accounting: offset + buffered = octets pushed (until the error, after which pushes are ignored);
 * - retention (SPEC 5.4, 12): idle holds 0 octets; a prefix at most 3; a header fewer than
 *   maxHeaderBytes; a buffered body fewer than its total_size; a streaming body 0; after an error 0;
 *   the internal chunk count at most 6 + buffered / 2048;
 * - progress: at most 3 * octets + 8 results in all (a decoder that returned results forever
 *   without consuming would be a hang);
 * - fused errors (SPEC 7.2): next() throws the very same error again; push() after it is ignored;
 * - events: head, data (non-empty, not past total_size), end with the head's header object;
 *   a buffered frame's body length is its total_size; done after a clean end.
 */
export function runDecoder(
  chunks: readonly Uint8Array[],
  mode: Mode,
  options: { end?: boolean; drainEach?: boolean; release?: ReleaseMode } = {},
): Outcome {
  const end = options.end ?? true;
  const release = options.release ?? "none";
  const kept: Array<{ body: Uint8Array; key: string }> = [];
  const drainEach = options.drainEach ?? true;
  const decoderOptions = {
    profile: mode.profile,
    maxHeaderBytes: mode.maxHeaderBytes,
    maxBodyBytes: mode.maxBodyBytes,
    maxStreamBodyBytes: mode.maxStreamBodyBytes,
    header: mode.schema,
    hashes: mode.hashes,
  };
  const decoder: DecoderLike = mode.streaming ? new StreamingFrameDecoder(decoderOptions) : new FrameDecoder(decoderOptions);
  const queue = (decoder as unknown as { queue: { chunkCount: number } }).queue;
  let total = 0;
  for (const c of chunks) total += c.length;
  const maxEvents = 3 * total + 8;
  const outcome: Outcome = { frames: [], error: null, maxBuffered: 0, maxChunks: 0, events: 0 };
  let pushed = 0;
  let head: Header | null = null;
  let bodyParts: Uint8Array[] = [];
  let bodyReceived = 0;

  const take = (event: unknown): void => {
    outcome.events++;
    check(outcome.events <= maxEvents, () => `more than ${maxEvents} results for ${total} octets: the decoder does not progress`);
    if (!mode.streaming) {
      const frame = event as { header: Header; body: Uint8Array };
      check(frame.body.length === frame.header.total_size, () => `buffered frame body ${frame.body.length} != total_size ${frame.header.total_size}`);
      const key = bodyKey(frame.body);
      outcome.frames.push({ header: canonical(frame.header), body: key });
      if (release === "each" || (release === "alternate" && outcome.frames.length % 2 === 1)) {
        (decoder as unknown as FrameDecoder).release(frame.body);
      } else {
        kept.push({ body: frame.body, key });
      }
      return;
    }
    const e = event as { type: string; header?: Header; chunk?: Uint8Array };
    if (e.type === "head") {
      check(head === null, () => "head event inside a frame");
      head = e.header!;
      bodyParts = [];
      bodyReceived = 0;
    } else if (e.type === "data") {
      check(head !== null, () => "data event outside a frame");
      check(e.chunk!.length > 0, () => "empty data event");
      bodyReceived += e.chunk!.length;
      check(bodyReceived <= head!.total_size, () => `data past total_size ${head!.total_size}`);
      bodyParts.push(e.chunk!.slice()); // views are only valid until the next push
    } else if (e.type === "end") {
      check(head !== null && e.header === head, () => "end event without its head");
      check(bodyReceived === head!.total_size, () => `end after ${bodyReceived} of ${head!.total_size} body octets`);
      outcome.frames.push({ header: canonical(head!), body: bodyKey(concat(bodyParts)) });
      head = null;
    } else {
      check(false, () => `unknown event ${String(e.type)}`);
    }
  };

  const bounds = (): void => {
    const buffered = decoder.buffered;
    const stage = decoder.stage;
    outcome.maxBuffered = Math.max(outcome.maxBuffered, buffered);
    outcome.maxChunks = Math.max(outcome.maxChunks, queue.chunkCount);
    check(queue.chunkCount <= 6 + buffered / 2048, () => `${queue.chunkCount} chunks retained for ${buffered} octets`);
    if (outcome.error !== null) {
      check(buffered === 0, () => `${buffered} octets retained after the error`);
      return;
    }
    check(decoder.offset + buffered === pushed, () => `offset ${decoder.offset} + buffered ${buffered} != pushed ${pushed}`);
    if (stage === "idle") check(buffered === 0, () => `idle with ${buffered} octets`);
    else if (stage === "prefix") check(buffered < 4, () => `${buffered} octets held waiting for a prefix`);
    else if (stage === "header") check(buffered < mode.maxHeaderBytes, () => `${buffered} octets held for a header, maxHeaderBytes ${mode.maxHeaderBytes}`);
    else if (mode.streaming) check(buffered === 0, () => `streaming decoder holds ${buffered} body octets`);
    else check(buffered < mode.maxBodyBytes, () => `${buffered} body octets held, maxBodyBytes ${mode.maxBodyBytes}`);
    // Sharper, from the decoder's internals: never more than the part it is reading needs, minus one.
    const needed = (decoder as unknown as { bodyRemaining: number }).bodyRemaining;
    if (stage === "header" || (stage === "body" && !mode.streaming)) {
      check(buffered < needed, () => `${buffered} octets held while the ${stage} needs ${needed}`);
    }
  };

  const drain = (): boolean => {
    try {
      for (let r = decoder.next(); r !== undefined; r = decoder.next()) take(r);
    } catch (error) {
      if (error instanceof InvariantError) throw error;
      if (!(error instanceof SockframeError) || !isSockframeError(error)) throw error;
      const again = (() => {
        try {
          decoder.next();
          return null;
        } catch (second) {
          return second;
        }
      })();
      check(again === error, () => "next() after the error did not throw the same error");
      check(decoder.error === error, () => "decoder.error is not the error thrown");
      outcome.error = { code: error.code, stage: error.stage, offset: error.offset, frame: error.frame, message: error.message };
      return false;
    }
    return true;
  };

  let alive = true;
  for (const c of chunks) {
    decoder.push(c);
    if (alive) pushed += c.length;
    if (drainEach && alive) alive = drain();
    if (drainEach || !alive) bounds();
  }
  if (!drainEach && alive) {
    alive = drain();
    bounds();
  }
  if (end) {
    decoder.end();
    if (alive) alive = drain();
    bounds();
    if (alive) {
      check(decoder.done, () => "stream ended cleanly but decoder.done is false");
      check(head === null, () => "stream ended cleanly inside a streamed frame");
    }
  }
  for (const { body, key } of kept) {
    check(bodyKey(body) === key, () => "a body that was not released changed: its memory was given to a later body");
  }
  if (outcome.error !== null && !end) {
    // Fused: more input changes nothing.
    decoder.push(new Uint8Array([0, 0, 0, 2, 0x7b, 0x7d]));
    check(decoder.buffered === 0, () => "push() after the error was retained");
  }
  return outcome;
}

/** The first difference between two outcomes (frames, then error code, stage, offset, frame), or null. */
export function diffOutcomes(a: Outcome, b: Outcome, compareMessages = true): string | null {
  if (a.frames.length !== b.frames.length) return `${a.frames.length} frames vs ${b.frames.length}`;
  for (let i = 0; i < a.frames.length; i++) {
    if (a.frames[i]!.header !== b.frames[i]!.header) return `frame ${i} header ${a.frames[i]!.header} vs ${b.frames[i]!.header}`;
    if (a.frames[i]!.body !== b.frames[i]!.body) return `frame ${i} body differs`;
  }
  const ea = a.error;
  const eb = b.error;
  if ((ea === null) !== (eb === null)) return `error ${ea?.code ?? "none"} vs ${eb?.code ?? "none"}`;
  if (ea !== null && eb !== null) {
    const keys: Array<keyof NonNullable<Outcome["error"]>> = ["code", "stage", "offset", "frame"];
    if (compareMessages) keys.push("message");
    for (const key of keys) {
      if (ea[key] !== eb[key]) return `error ${key} ${String(ea[key])} vs ${String(eb[key])}`;
    }
  }
  return null;
}

/** The reference decoder's result in Outcome form (no message). */
export function referenceOutcome(result: { frames: Array<{ header: Record<string, unknown>; body: Uint8Array }>; error: { code: string; stage: string; offset: number; frame: number } | null }): Outcome {
  return {
    frames: result.frames.map((f) => ({ header: canonical(f.header), body: bodyKey(f.body) })),
    error: result.error === null ? null : { ...result.error, message: "" },
    maxBuffered: 0,
    maxChunks: 0,
    events: 0,
  };
}

export { utf8 };
