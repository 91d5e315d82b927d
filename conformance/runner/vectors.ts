import { readdirSync, readFileSync } from "node:fs";
import { concatBytes } from "@sockframe/codec";

/** The vector format of conformance/FORMAT.md, as types. */
export type Piece =
  | { hex: string }
  | { utf8: string }
  | { u32be: number }
  | { u32le: number }
  | { repeat: { count: number; pieces: Piece[] } }
  | { frame: { header?: string; headerPieces?: Piece[]; body?: Piece[]; profile?: "be" | "le" } }
  | { file: string };

export type Chunking = "whole" | "every" | { size: number } | { splits: number[] };

export interface VectorOptions {
  profile?: "be" | "le";
  maxHeaderBytes?: number;
  maxBodyBytes?: number;
  maxStreamBodyBytes?: number;
  maxDatagramBytes?: number;
  mode?: "buffered" | "streaming";
  checksums?: Array<"md5" | "sha256">;
}

export type ExpectedBody = Piece[] | { size: number; sha256: string };
export type ExpectedFrame = { header: unknown; body: ExpectedBody } | { repeat: { count: number; frames: ExpectedFrame[] } };
export interface ExpectedError {
  code: string;
  stage: string;
}
export interface Outcome {
  frames?: ExpectedFrame[];
  error?: ExpectedError | null;
  bytes?: Piece[];
}

export interface Case {
  id: string;
  spec: string;
  description: string;
  kind: "decode" | "encode" | "datagram";
  options?: VectorOptions;
  input?: Piece[];
  header?: Record<string, unknown>;
  chunkings?: Chunking[];
  expect?: Outcome;
  expectAny?: Outcome[];
}

export const CONFORMANCE_DIR: string = new URL("..", import.meta.url).pathname;

/** Every case of every vector file, files in name order. */
export function loadCases(dir: string = `${CONFORMANCE_DIR}vectors/`): Case[] {
  const cases: Case[] = [];
  for (const name of readdirSync(dir).filter((file) => file.endsWith(".json")).sort()) {
    const doc = JSON.parse(readFileSync(`${dir}${name}`, "utf8")) as { cases: Case[] };
    cases.push(...doc.cases);
  }
  return cases;
}

const utf8 = new TextEncoder();

function repeatBytes(unit: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(unit.length * count);
  if (out.length === 0) return out;
  out.set(unit, 0);
  // Doubling copies: 16 MiB is 24 copies, not 16M little ones.
  for (let filled = unit.length; filled < out.length; filled *= 2) {
    out.copyWithin(filled, 0, Math.min(filled, out.length - filled));
  }
  return out;
}

function u32(value: number, littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, littleEndian);
  return out;
}

/** The octets of a piece list (FORMAT.md "Pieces"); `profile` is the case's, for `frame`. */
export function buildBytes(pieces: Piece[], profile: "be" | "le" = "be"): Uint8Array {
  return concatBytes(pieces.map((piece) => buildPiece(piece, profile)));
}

function buildPiece(piece: Piece, profile: "be" | "le"): Uint8Array {
  if ("hex" in piece) {
    const bytes = new Uint8Array(piece.hex.length / 2);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(piece.hex.slice(2 * i, 2 * i + 2), 16);
    return bytes;
  }
  if ("utf8" in piece) return utf8.encode(piece.utf8);
  if ("u32be" in piece) return u32(piece.u32be, false);
  if ("u32le" in piece) return u32(piece.u32le, true);
  if ("repeat" in piece) return repeatBytes(buildBytes(piece.repeat.pieces, profile), piece.repeat.count);
  if ("file" in piece) return new Uint8Array(readFileSync(`${CONFORMANCE_DIR}${piece.file}`));
  if ("frame" in piece) {
    const frame = piece.frame;
    const header = frame.headerPieces !== undefined ? buildBytes(frame.headerPieces, profile) : utf8.encode(frame.header ?? "");
    const body = buildBytes(frame.body ?? [], profile);
    return concatBytes([u32(header.length, (frame.profile ?? profile) === "le"), header, body]);
  }
  throw new Error(`unknown piece ${JSON.stringify(piece)}`);
}

/** The chunk lists a chunking instruction gives (several for `every`). */
export function chunkingsOf(input: Uint8Array, chunking: Chunking): Uint8Array[][] {
  if (chunking === "whole") return [input.length === 0 ? [] : [input]];
  if (chunking === "every") {
    const runs: Uint8Array[][] = [];
    for (let at = 1; at < input.length; at++) runs.push([input.subarray(0, at), input.subarray(at)]);
    return runs.length > 0 ? runs : [input.length === 0 ? [] : [input]];
  }
  if ("size" in chunking) {
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < input.length; at += chunking.size) chunks.push(input.subarray(at, at + chunking.size));
    return [chunks];
  }
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const split of chunking.splits) {
    chunks.push(input.subarray(at, split));
    at = split;
  }
  chunks.push(input.subarray(at));
  return [chunks.filter((chunk) => chunk.length > 0)];
}

export function describeChunking(chunking: Chunking): string {
  return typeof chunking === "string" ? chunking : JSON.stringify(chunking);
}
