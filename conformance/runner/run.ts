import { createHash } from "node:crypto";
import {
  buildBytes,
  type Case,
  chunkingsOf,
  describeChunking,
  type ExpectedBody,
  type ExpectedFrame,
  type Outcome,
  type VectorOptions,
} from "./vectors.ts";

/** What an implementation reports for a decode run. */
export interface DecodeOutcome {
  frames: Array<{ header: unknown; body: Uint8Array }>;
  error: { code: string; stage: string } | null;
}

/** What an implementation reports for an encode run. */
export type EncodeOutcome = { bytes: Uint8Array } | { error: { code: string; stage: string } };

/** An implementation under test. Its calls report protocol errors in their result, never by throwing. */
export interface Subject {
  name: string;
  decode(chunks: Uint8Array[], options: VectorOptions): DecodeOutcome;
  /** One datagram (SPEC 9): its one frame, or no frame and the error it is dropped for. */
  decodeDatagram(datagram: Uint8Array, options: VectorOptions): DecodeOutcome;
  encode(header: Record<string, unknown>, body: Uint8Array, options: VectorOptions): EncodeOutcome;
}

export interface CaseResult {
  id: string;
  spec: string;
  ok: boolean;
  detail?: string;
}

/** JSON equality: numbers by value, objects without regard to member order. Iterative: headers may nest 30,000 deep. */
export function jsonEqual(left: unknown, right: unknown): boolean {
  const stack: Array<[unknown, unknown]> = [[left, right]];
  while (stack.length > 0) {
    const [a, b] = stack.pop()!;
    if (a === b) continue;
    if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
    if (Array.isArray(a) !== Array.isArray(b)) return false;
    if (Array.isArray(a)) {
      const other = b as unknown[];
      if (a.length !== other.length) return false;
      for (let i = 0; i < a.length; i++) stack.push([a[i], other[i]]);
      continue;
    }
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    const keys = Object.keys(x);
    if (keys.length !== Object.keys(y).length) return false;
    for (const key of keys) {
      if (!Object.prototype.hasOwnProperty.call(y, key)) return false;
      stack.push([x[key], y[key]]);
    }
  }
  return true;
}

function expandFrames(frames: ExpectedFrame[]): Array<{ header: unknown; body: ExpectedBody }> {
  const out: Array<{ header: unknown; body: ExpectedBody }> = [];
  for (const frame of frames) {
    if ("repeat" in frame) {
      const inner = expandFrames(frame.repeat.frames);
      for (let i = 0; i < frame.repeat.count; i++) out.push(...inner);
    } else {
      out.push(frame);
    }
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function bodyMatches(body: Uint8Array, expected: ExpectedBody, profile: "be" | "le"): boolean {
  if (Array.isArray(expected)) return bytesEqual(body, buildBytes(expected, profile));
  return body.length === expected.size && createHash("sha256").update(body).digest("hex") === expected.sha256;
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

/** Why a decode outcome differs from an expected one, or null when it matches. */
export function decodeMismatch(got: DecodeOutcome, want: Outcome, profile: "be" | "le"): string | null {
  const frames = expandFrames(want.frames ?? []);
  if (got.frames.length !== frames.length) {
    return `expected ${frames.length} frames, got ${got.frames.length} (error ${short(got.error)})`;
  }
  for (let i = 0; i < frames.length; i++) {
    const expected = frames[i]!;
    const actual = got.frames[i]!;
    if (!jsonEqual(actual.header, expected.header)) {
      return `frame ${i}: header ${short(actual.header)}, expected ${short(expected.header)}`;
    }
    if (!bodyMatches(actual.body, expected.body, profile)) return `frame ${i}: body differs (${actual.body.length} octets)`;
  }
  const wantError = want.error ?? null;
  if (wantError === null && got.error !== null) return `unexpected error ${short(got.error)}`;
  if (wantError !== null && (got.error?.code !== wantError.code || got.error?.stage !== wantError.stage)) {
    return `expected error ${short(wantError)}, got ${short(got.error)}`;
  }
  return null;
}

function encodeMismatch(got: EncodeOutcome, want: Outcome): string | null {
  if (want.bytes !== undefined) {
    if ("error" in got) return `expected bytes, got error ${short(got.error)}`;
    const expected = buildBytes(want.bytes);
    if (!bytesEqual(got.bytes, expected)) {
      const text = (b: Uint8Array) => short(new TextDecoder().decode(b.subarray(4)));
      return `bytes differ: got ${text(got.bytes)}, expected ${text(expected)}`;
    }
    return null;
  }
  if (!("error" in got)) return `expected error ${short(want.error)}, got bytes`;
  return got.error.code === want.error?.code && got.error.stage === want.error?.stage
    ? null
    : `expected error ${short(want.error)}, got ${short(got.error)}`;
}

function guard<T>(run: () => T): T | { crash: string } {
  try {
    return run();
  } catch (error) {
    return { crash: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

/** Runs one case against a subject, in every chunking it names. */
export function runCase(vector: Case, subject: Subject): CaseResult {
  const result = (detail: string | null): CaseResult =>
    detail === null ? { id: vector.id, spec: vector.spec, ok: true } : { id: vector.id, spec: vector.spec, ok: false, detail };
  const options = vector.options ?? {};
  const profile = options.profile ?? "be";
  const outcomes = vector.expectAny ?? (vector.expect !== undefined ? [vector.expect] : []);
  if (outcomes.length === 0) return result("case has no expectation");
  const input = buildBytes(vector.input ?? [], profile);

  if (vector.kind === "encode") {
    const got = guard(() => subject.encode(vector.header ?? {}, input, options));
    if ("crash" in got) return result(`encoder threw ${got.crash}`);
    const misses = outcomes.map((want) => encodeMismatch(got, want));
    return result(misses.includes(null) ? null : misses[0]!);
  }

  if (vector.kind === "datagram") {
    const got = guard(() => subject.decodeDatagram(input, options));
    if ("crash" in got) return result(`datagram decoder threw ${got.crash}`);
    const misses = outcomes.map((want) => decodeMismatch(got, want, profile));
    return result(misses.includes(null) ? null : misses[0]!);
  }

  for (const chunking of vector.chunkings ?? ["whole", { size: 1 }]) {
    for (const chunks of chunkingsOf(input, chunking)) {
      const got = guard(() => subject.decode(chunks, options));
      if ("crash" in got) return result(`${describeChunking(chunking)}: decoder threw ${got.crash}`);
      const misses = outcomes.map((want) => decodeMismatch(got, want, profile));
      if (!misses.includes(null)) {
        const at = chunks.length === 2 && chunking === "every" ? ` at ${chunks[0]!.length}` : "";
        return result(`${describeChunking(chunking)}${at}: ${misses[0]}`);
      }
    }
  }
  return result(null);
}
