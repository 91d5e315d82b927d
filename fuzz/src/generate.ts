/**
 * Inputs, generated from (seed, stream, index) alone: valid frame streams, then mutations of them
 * (the mutation vocabulary and the decoder harness are the codec's own fuzz support, shared with
 * its property tests: packages/codec/test/fuzz-support.ts).
 */
import type { OutgoingHeader, Profile } from "@sockframe/codec";
import {
  type Chunking,
  encodeParts,
  type FrameSpec,
  HEADER_EDITS,
  type Mutation,
  PREFIX_TAMPERS,
  SIZE_TAMPERS,
} from "../../packages/codec/test/fuzz-support.ts";
import { Rng } from "./prng.ts";

export const DEFAULT_HEADER = 65536;
export const DEFAULT_BODY = 16 * 1024 * 1024;

/** Streams of the PRNG, so that codec inputs, live inputs and live chunk plans never share numbers. */
export const STREAM_CODEC = 1;
export const STREAM_LIVE = 2;

// ---------------------------------------------------------------------------------------------
// Values

const STRING_PIECES = [
  "a", "b", "z", "0", " ", '"', "\\", "/", "\u0000", "\u0001", "\u001f", "\u007f", "é", "中", "😀", "\u2028", "\u2029",
  "\ufeff", "\ud7ff", "\ue000", "\uffff", "__proto__", "total_size", "\\u0000", "{", "}", "[", ":", ",",
];
const KEYS = [
  "a", "b", "n", "meta", "list", "__proto__", "constructor", "prototype", "toString", "valueOf", "hasOwnProperty",
  "Total_Size", "κλειδί", "", "x y", "\u0000", "😀", "id2",
];
const KNOWN = new Set(["total_size", "id", "filename", "md5", "sha256", "error"]);

function randomString(r: Rng, max = 12): string {
  let out = "";
  const n = r.int(max + 1);
  for (let i = 0; i < n; i++) out += r.bool(0.7) ? String.fromCharCode(r.range(0x20, 0x7e)) : r.pick(STRING_PIECES);
  return out;
}

function setMember(object: Record<string, unknown>, key: string, value: unknown): void {
  // defineProperty: a `__proto__` key becomes an own member, as JSON.parse would make it.
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

function randomNumber(r: Rng): number {
  return r.pick([
    () => 0, () => -0, () => 1, () => -1, () => 2 ** 53 - 1, () => -(2 ** 53 - 1), () => 1.5, () => 1e300, () => -1e-300, () => 5e-324,
    () => 0.1, () => 1e21, () => 123456789.125, () => r.range(-1000, 1000), () => r.float() * 1e6,
  ])();
}

export function randomJson(r: Rng, depth = 0): unknown {
  const kind = r.int(depth >= 3 ? 5 : 8);
  switch (kind) {
    case 0: return null;
    case 1: return r.bool();
    case 2: return randomNumber(r);
    case 3:
    case 4: return randomString(r);
    case 5:
    case 6: return Array.from({ length: r.int(4) }, () => randomJson(r, depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let i = r.int(4); i > 0; i--) setMember(object, r.bool(0.7) ? r.pick(KEYS) : randomString(r, 6), randomJson(r, depth + 1));
      return object;
    }
  }
}

/**
 * A header the encoder accepts. `schemaSafe` leaves `__proto__` out of `error` (with a zod schema
 * that member is dropped: a known deviation, see packages/codec/test/prototype-keys.test.ts).
 */
export function randomHeader(r: Rng, schemaSafe: boolean): OutgoingHeader {
  const header: Record<string, unknown> = {};
  for (let i = r.int(5); i > 0; i--) {
    const key = r.bool(0.6) ? r.pick(KEYS) : randomString(r, 8);
    if (!KNOWN.has(key)) setMember(header, key, randomJson(r, 1));
  }
  if (r.bool(0.4)) header.id = r.pick([() => randomString(r), () => r.range(-1e6, 1e6), () => 2 ** 53 - 1, () => -(2 ** 53 - 1)])();
  if (r.bool(0.3)) header.filename = randomString(r, 30);
  if (r.bool(0.1)) {
    const error: Record<string, unknown> = {};
    for (let i = r.int(3); i > 0; i--) {
      const key = r.pick(KEYS);
      if (key !== "code" && key !== "message" && !(schemaSafe && key === "__proto__")) setMember(error, key, randomJson(r, 2));
    }
    error.code = randomString(r, 10) || "E";
    error.message = randomString(r, 20);
    header.error = error;
  }
  return header as OutgoingHeader;
}

function randomBody(r: Rng, large: boolean): Uint8Array {
  const size = r.weighted<() => number>([
    [60, () => r.int(65)],
    [30, () => r.range(65, 2000)],
    [large ? 8 : 2, () => r.range(2001, 70000)],
    [large ? 2 : 0, () => r.range(70001, 300000)],
  ])();
  // Mostly cheap patterns; random octets now and then.
  if (r.bool(0.2)) return r.bytes(size);
  return new Uint8Array(size).fill(r.int(256));
}

export function randomFrames(r: Rng, count: number, schemaSafe: boolean, large: boolean): FrameSpec[] {
  return Array.from({ length: count }, () => ({ header: randomHeader(r, schemaSafe), body: randomBody(r, large) }));
}

// ---------------------------------------------------------------------------------------------
// Mutations and chunkings

export function randomMutation(r: Rng): Mutation {
  const kind = r.weighted([
    [3, "flip"], [2, "set"], [3, "cut"], [1, "delete"], [1, "insert"], [2, "duplicate"], [2, "splice"], [3, "prefix"], [4, "totalSize"],
    [6, "header"],
  ] as const);
  switch (kind) {
    case "flip": return { kind, at: r.u32(), bit: r.int(8) };
    case "set": return { kind, at: r.u32(), value: r.int(256) };
    case "cut": return { kind, at: r.u32() };
    case "delete": return { kind, at: r.u32(), length: r.range(1, 40) };
    case "insert": return { kind, at: r.u32(), bytes: Array.from(r.bytes(r.range(1, 8))) };
    case "duplicate": return { kind, at: r.u32(), length: r.range(1, 600) };
    case "splice": return { kind, at: r.u32(), otherAt: r.u32() };
    case "prefix": return { kind, frame: r.int(8), how: r.pick(PREFIX_TAMPERS), random: r.u32() };
    case "totalSize": return { kind, frame: r.int(8), how: r.pick(SIZE_TAMPERS), random: r.u32(), fixPrefix: r.bool() };
    case "header": return { kind, frame: r.int(8), edit: r.pick(HEADER_EDITS), fixPrefix: r.bool(0.8) };
  }
}

export function randomChunking(r: Rng): Chunking {
  const cuts: number[] = [];
  for (let i = r.weighted([[3, r.int(8)], [2, r.int(40)], [1, r.int(400)]] as const); i > 0; i--) cuts.push(r.u32());
  return { cuts, drip: false, views: r.bool(0.3), buffers: r.bool(0.3), empties: r.bool(0.2) };
}

type LimitChoice = "default" | "slack" | "absolute";

function limit(r: Rng, largest: number, fallback: number, absoluteMax: number): number {
  const choice = r.weighted<LimitChoice>([[2, "default"], [3, "slack"], [1, "absolute"]]);
  if (choice === "default") return fallback;
  if (choice === "slack") return largest + r.weighted([[1, 0], [2, r.int(65)]] as const);
  return r.int(absoluteMax + 1);
}

// ---------------------------------------------------------------------------------------------
// Codec cases

/** A codec input and how to decode it. Plain data: saved as is for replay. */
export interface CodecCase {
  seed: number;
  index: number;
  profile: Profile;
  checksums: Array<"md5" | "sha256">;
  maxHeaderBytes: number;
  /** The body limit for both modes (maxBodyBytes buffered, maxStreamBodyBytes streaming). */
  bodyLimit: number;
  schema: boolean;
  nativeHashes: boolean;
  specs: FrameSpec[];
  otherSpecs: FrameSpec[];
  otherProfile: Profile;
  mutations: Mutation[];
  chunkings: Array<Chunking & { drainEach: boolean }>;
}

export function codecCase(seed: number, index: number): CodecCase {
  const r = new Rng(seed, STREAM_CODEC, index);
  const schema = r.bool(0.25);
  const profile: Profile = r.pick(["be", "le"] as const);
  const checksums = r.pick([[], ["md5"], ["sha256"], ["md5", "sha256"]] as Array<Array<"md5" | "sha256">>);
  const specs = randomFrames(r, r.weighted([[1, 1], [3, r.range(1, 3)], [1, r.range(4, 8)]] as const), schema, r.bool(0.05));
  const otherSpecs = randomFrames(r, r.int(3), schema, false);
  const mutations = r.bool(0.15) ? [] : Array.from({ length: r.range(1, 4) }, () => randomMutation(r));
  const largestBody = Math.max(0, ...specs.map((s) => s.body.length));
  const longestHeader = Math.max(1, ...encodeParts(specs, { profile, checksums }).frames.map((f) => f.header.length));
  const chunkings = [
    ...(r.bool(0.5) ? [{ cuts: [], drip: true, views: false, buffers: false, empties: false }] : []),
    ...Array.from({ length: r.range(1, 2) }, () => randomChunking(r)),
  ].map((c) => ({ ...c, drainEach: r.bool(0.8) }));
  return {
    seed,
    index,
    profile,
    checksums,
    maxHeaderBytes: Math.max(1, limit(r, longestHeader, DEFAULT_HEADER, 500)),
    bodyLimit: limit(r, largestBody, DEFAULT_BODY, 2000),
    schema,
    nativeHashes: r.bool(),
    specs,
    otherSpecs,
    otherProfile: r.pick(["be", "le"] as const),
    mutations,
    chunkings,
  };
}

// ---------------------------------------------------------------------------------------------
// Live cases

export interface LiveCase {
  seed: number;
  client: number;
  index: number;
  /** Index into SERVERS. */
  server: number;
  checksums: Array<"md5" | "sha256">;
  specs: FrameSpec[];
  otherSpecs: FrameSpec[];
  mutations: Mutation[];
  /** Write sizes, cycled; and whether to wait (a macrotask, or a few ms) between writes. */
  writeSizes: number[];
  pause: "none" | "immediate" | "timer";
  /** Leave the write side open after the input (only on the deadline server): the server must time out. */
  stall: boolean;
}

export function liveCase(seed: number, client: number, index: number, servers: ReadonlyArray<{ stall?: boolean }>): LiveCase {
  const r = new Rng(seed, STREAM_LIVE, client, index);
  const server = r.int(servers.length);
  const stall = servers[server]!.stall === true && r.bool(0.5);
  return {
    seed,
    client,
    index,
    server,
    checksums: r.pick([[], ["md5"], ["sha256"], ["md5", "sha256"]] as Array<Array<"md5" | "sha256">>),
    specs: randomFrames(r, r.weighted([[1, 1], [3, r.range(1, 3)], [1, r.range(4, 8)]] as const), false, r.bool(0.1)),
    otherSpecs: randomFrames(r, r.int(3), false, false),
    mutations: r.bool(0.2) ? [] : Array.from({ length: r.range(1, 3) }, () => randomMutation(r)),
    writeSizes: Array.from({ length: r.range(1, 6) }, () => r.weighted([[2, r.range(1, 8)], [3, r.range(9, 2000)], [2, r.range(2001, 70000)]] as const)),
    pause: r.weighted([[5, "none"], [3, "immediate"], [1, "timer"]] as const),
    stall,
  };
}
