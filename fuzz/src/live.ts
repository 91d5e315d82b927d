/**
 * The live half: a mutated stream sent over a real TCP connection (a raw node:net socket, written
 * in the case's pieces and pauses), and the server's answer checked against the reference decoder:
 * an echo {n, id} + body for each frame decoded (not for error frames), in order; then, if the input
 * is bad, one error frame with the code of SPEC 7.1 (or TIMEOUT, for a stalled header); then the
 * server closes. Echoes of frames decoded just before an error may be missing: a handler's send()
 * after the connection's decode error is refused by design (docs/api.md).
 */
import { createConnection } from "node:net";
import { FrameDecoder, type Header } from "@sockframe/codec";
import { connect, type Connection } from "@sockframe/node";
import { canonical, referenceDecode, type RefResult } from "../../packages/codec/test/reference-decoder.ts";
import { applyMutations, concat, encodeParts, joinParts, type Mode } from "../../packages/codec/test/fuzz-support.ts";
import { FuzzFailure } from "./codec-case.ts";
import type { LiveCase } from "./generate.ts";
import { limitsOf, type ServerSpec } from "./servers.ts";

/** Writes per input at most: a large input is not dripped one octet at a time (time, not coverage). */
const MAX_WRITES = 400;

export function buildLiveInput(c: LiveCase, spec: ServerSpec): Uint8Array {
  const { maxHeaderBytes, bodyLimit } = limitsOf(spec);
  const mode: Mode = {
    streaming: spec.streamBodies,
    profile: spec.profile,
    checksums: c.checksums,
    maxHeaderBytes,
    maxBodyBytes: bodyLimit,
    maxStreamBodyBytes: bodyLimit,
  };
  const other = joinParts(encodeParts(c.otherSpecs, { profile: spec.profile, checksums: c.checksums }));
  return applyMutations(encodeParts(c.specs, mode), other, c.mutations, mode);
}

export interface LiveResult {
  echoes: number;
  /** Code of the error frame the server sent, if it sent one. */
  errorFrame: string | null;
  /** What the reference decoder says the input is. */
  expected: string | null;
  reset: boolean;
  ms: number;
}

function writePlan(input: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const floor = Math.ceil(input.length / MAX_WRITES);
  const pieces: Uint8Array[] = [];
  for (let at = 0, i = 0; at < input.length; i++) {
    const size = Math.max(floor, sizes[i % sizes.length]!);
    pieces.push(input.subarray(at, at + size));
    at += size;
  }
  return pieces;
}

/** Sends the input, collects everything the server sends until it closes; fails on a budget overrun. */
async function exchange(c: LiveCase, input: Uint8Array, port: number, budgetMs: number): Promise<{ received: Uint8Array; reset: boolean }> {
  const socket = createConnection({ host: "127.0.0.1", port });
  const received: Uint8Array[] = [];
  let reset = false;
  let ended = false;
  socket.on("data", (data: Buffer) => received.push(data));
  socket.on("error", () => {
    reset = true;
  });
  socket.on("end", () => {
    ended = true;
  });
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const overrun = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), budgetMs)));
  try {
    await Promise.race([new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    }), overrun]);
    for (const piece of writePlan(input, c.writeSizes)) {
      if (ended || reset || socket.destroyed) break;
      socket.write(piece);
      if (c.pause === "immediate") await new Promise((resolve) => setImmediate(resolve));
      else if (c.pause === "timer") await new Promise((resolve) => setTimeout(resolve, 1));
    }
    if (!c.stall && !ended && !reset && !socket.destroyed) socket.end();
    if ((await Promise.race([closed, overrun])) === "timeout") {
      socket.destroy();
      throw new FuzzFailure(`hang: the server neither answered nor closed the connection within ${budgetMs} ms`);
    }
  } catch (error) {
    socket.destroy();
    if (error instanceof FuzzFailure) throw error;
    reset = true;
  } finally {
    clearTimeout(timer);
  }
  return { received: concat(received), reset };
}

function fail(message: string): never {
  throw new FuzzFailure(message);
}

/** Checks the server's answer against the reference decoder's reading of the input. */
export function judge(reference: RefResult, c: LiveCase, spec: ServerSpec, received: Uint8Array, reset: boolean): Omit<LiveResult, "ms"> {
  // The server's own output must be a valid stream in its profile.
  const decoder = new FrameDecoder({ profile: spec.profile, maxBodyBytes: Number.MAX_SAFE_INTEGER });
  const replies: Array<{ header: Header; body: Uint8Array }> = [];
  try {
    decoder.push(received);
    decoder.end();
    for (const frame of decoder) replies.push(frame);
  } catch (error) {
    if (!reset) fail(`the server sent an invalid stream: ${(error as Error).message}`);
  }
  const wanted = reference.frames.filter((f) => f.header.error === undefined);
  let expectedCode = reference.error?.code ?? null;
  if (expectedCode === null && c.stall && (reference.waiting.part === "prefix" || reference.waiting.part === "header")) expectedCode = "TIMEOUT";
  let errorFrame: string | null = null;
  let echoes = 0;
  for (const [i, reply] of replies.entries()) {
    if (reply.header.error !== undefined) {
      if (i !== replies.length - 1) fail(`the server sent frames after its error frame ${reply.header.error.code}`);
      errorFrame = reply.header.error.code;
      continue;
    }
    const want = wanted[echoes];
    if (want === undefined) fail(`echo ${echoes}: the server echoed more frames than the input holds (${wanted.length})`);
    if (reply.header.n !== echoes) fail(`echo ${echoes}: n is ${String(reply.header.n)}`);
    if (canonical(reply.header.id) !== canonical(want.header.id)) fail(`echo ${echoes}: id ${canonical(reply.header.id)}, sent ${canonical(want.header.id)}`);
    if (Buffer.compare(reply.body, want.body) !== 0) fail(`echo ${echoes}: body differs (${reply.body.length} vs ${want.body.length} octets)`);
    echoes++;
  }
  if (errorFrame !== null && errorFrame !== expectedCode) fail(`the server answered with error frame ${errorFrame}; the input is ${expectedCode ?? "valid"}`);
  if (!reset) {
    if (expectedCode !== null && errorFrame === null) fail(`the server sent no error frame; expected ${expectedCode}`);
    if (expectedCode === null && echoes !== wanted.length) fail(`the server echoed ${echoes} of ${wanted.length} frames of a valid input`);
  }
  return { echoes, errorFrame, expected: expectedCode, reset };
}

export async function runLiveCase(c: LiveCase, spec: ServerSpec, port: number, budgetMs: number, input = buildLiveInput(c, spec)): Promise<LiveResult> {
  const started = performance.now();
  const { maxHeaderBytes, bodyLimit } = limitsOf(spec);
  const reference = referenceDecode(input, { profile: spec.profile, maxHeaderBytes, bodyLimit, ended: !c.stall });
  const { received, reset } = await exchange(c, input, port, budgetMs);
  return { ...judge(reference, c, spec, received, reset), ms: performance.now() - started };
}

/** A well-behaved client: one request, its echo within the budget, or the server stopped serving. */
export async function controlRequest(connection: Connection, round: number, budgetMs: number): Promise<void> {
  const body = new Uint8Array(round % 2000).fill(round & 0xff);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FuzzFailure(`control request ${round}: no answer within ${budgetMs} ms`)), budgetMs);
  });
  try {
    const reply = await Promise.race([connection.request({ control: round }, body), timeout]);
    if (Buffer.compare(reply.body, body) !== 0) throw new FuzzFailure(`control request ${round}: wrong echo`);
  } finally {
    clearTimeout(timer);
  }
}

export function controlConnect(spec: ServerSpec, port: number): Promise<Connection> {
  return connect(`127.0.0.1:${port}`, { profile: spec.profile });
}
