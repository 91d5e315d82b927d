/**
 * One codec input, decoded in both modes with every chunking of the case, with and without end(),
 * against the reference decoder. Throws FuzzFailure on any disagreement, broken invariant, or an
 * exception that is not the codec's SockframeError.
 */
import { createHash } from "node:crypto";
import { HeaderSchema } from "@sockframe/codec";
import { canonical, referenceDecode } from "../../packages/codec/test/reference-decoder.ts";
import {
  applyMutations,
  bodyKey,
  chunk,
  describeMode,
  diffOutcomes,
  encodeParts,
  InvariantError,
  joinParts,
  type Mode,
  NODE_HASHES,
  type Outcome,
  referenceOutcome,
  runDecoder,
  WHOLE,
} from "../../packages/codec/test/fuzz-support.ts";
import type { CodecCase } from "./generate.ts";

/** A finding: the input broke the codec (or the live server). */
export class FuzzFailure extends Error {
  override name = "FuzzFailure";
}

/** Inputs larger than this are not also fed one octet at a time (time, not correctness). */
const DRIP_MAX = 4000;

export function buildCodecInput(c: CodecCase): Uint8Array {
  const mode = modeOf(c, false);
  const other = joinParts(encodeParts(c.otherSpecs, { profile: c.otherProfile, checksums: c.checksums }));
  return applyMutations(encodeParts(c.specs, mode), other, c.mutations, mode);
}

export function modeOf(c: CodecCase, streaming: boolean): Mode {
  return {
    streaming,
    profile: c.profile,
    checksums: c.checksums,
    maxHeaderBytes: c.maxHeaderBytes,
    // The other mode's limit is set to fail if it were (wrongly) applied.
    maxBodyBytes: streaming ? 0 : c.bodyLimit,
    maxStreamBodyBytes: streaming ? c.bodyLimit : 0,
    schema: c.schema ? HeaderSchema : undefined,
    hashes: c.nativeHashes ? NODE_HASHES : undefined,
  };
}

function expectedFromSpecs(c: CodecCase): Outcome["frames"] {
  return c.specs.map((spec) => {
    const header = JSON.parse(JSON.stringify(spec.header)) as Record<string, unknown>;
    header.total_size = spec.body.length;
    for (const name of c.checksums) header[name] = createHash(name).update(spec.body).digest("hex");
    return { header: canonical(header), body: bodyKey(spec.body) };
  });
}

export interface CodecResult {
  frames: number;
  code: string | null;
  decodes: number;
}

export function runCodecCase(c: CodecCase, input: Uint8Array): CodecResult {
  const reference = referenceDecode(input, { profile: c.profile, maxHeaderBytes: c.maxHeaderBytes, bodyLimit: c.bodyLimit });
  const expected = referenceOutcome(reference);
  if (c.mutations.length === 0) {
    // An unmutated stream within its limits decodes to exactly the frames encoded.
    const withinLimits = reference.error === null || !["HEADER_TOO_LARGE", "BODY_TOO_LARGE"].includes(reference.error.code);
    if (withinLimits) {
      const diff = diffOutcomes({ ...expected, frames: expectedFromSpecs(c), error: null }, expected, false);
      if (diff !== null) throw new FuzzFailure(`valid stream: reference decoder vs encoded frames: ${diff}`);
    }
  }
  let decodes = 0;
  for (const streaming of [false, true]) {
    const mode = modeOf(c, streaming);
    let first: Outcome | null = null;
    for (const chunking of [{ ...WHOLE, drainEach: true }, ...c.chunkings]) {
      if (chunking.drip && input.length > DRIP_MAX) continue;
      const label = `${describeMode(mode)}, chunking ${JSON.stringify({ ...chunking, cuts: chunking.cuts.length })}`;
      let outcome: Outcome;
      try {
        outcome = runDecoder(chunk(input, chunking), mode, { drainEach: chunking.drainEach });
      } catch (error) {
        throw asFailure(error, label);
      }
      decodes++;
      const vsReference = diffOutcomes(expected, outcome, false);
      if (vsReference !== null) throw new FuzzFailure(`${label}: codec vs reference decoder: ${vsReference}`);
      first ??= outcome;
      const vsFirst = diffOutcomes(first, outcome);
      if (vsFirst !== null) throw new FuzzFailure(`${label}: result depends on the chunking: ${vsFirst}`);
    }
    // Without end(): every error but TRUNCATED is reported as soon as its octets are in (SPEC 6.1).
    const open = referenceOutcome(referenceDecode(input, { profile: c.profile, maxHeaderBytes: c.maxHeaderBytes, bodyLimit: c.bodyLimit, ended: false }));
    const chunking = c.chunkings[c.chunkings.length - 1]!;
    try {
      const diff = diffOutcomes(open, runDecoder(chunk(input, chunking), mode, { end: false }), false);
      if (diff !== null) throw new FuzzFailure(`${describeMode(mode)} without end(): codec vs reference decoder: ${diff}`);
    } catch (error) {
      throw asFailure(error, `${describeMode(mode)} without end()`);
    }
    decodes++;
  }
  return { frames: reference.frames.length, code: reference.error?.code ?? null, decodes };
}

function asFailure(error: unknown, label: string): FuzzFailure {
  if (error instanceof FuzzFailure) return error;
  if (error instanceof InvariantError) return new FuzzFailure(`${label}: decoder invariant broken: ${error.message}`);
  const e = error instanceof Error ? error : new Error(String(error));
  const failure = new FuzzFailure(`${label}: exception that is not a SockframeError: ${e.name}: ${e.message}`);
  failure.stack = `${failure.stack}\ncaused by: ${e.stack}`;
  return failure;
}
