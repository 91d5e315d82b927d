import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  encodeFrame,
  type Frame,
  type FrameEvent,
  isSockframeError,
  type Profile,
  StreamingFrameDecoder,
} from "../src/index.ts";
import { concat, cut, feed } from "./helpers.ts";

const jsonValue = fc.jsonValue({ maxDepth: 3 }).filter((value) => JSON.stringify(value) !== undefined);
const header = fc.record(
  {
    id: fc.oneof(fc.string(), fc.integer()),
    filename: fc.string(),
    note: jsonValue,
    "κλειδί": fc.string({ unit: "grapheme" }),
  },
  { requiredKeys: [] },
);
const frameSpec = fc.record({ header, body: fc.uint8Array({ maxLength: 300 }) });
const checksums = fc.subarray(["md5", "sha256"] as const);
const profile = fc.constantFrom<Profile>("be", "le");

/** A stream of frames, and cut points anywhere in it. */
const glued = fc
  .record({ frames: fc.array(frameSpec, { maxLength: 20 }), checksums, profile })
  .chain((input) => {
    const encoded = input.frames.map((f) => encodeFrame(f.header, f.body, { profile: input.profile, checksums: input.checksums }));
    const bytes = concat(encoded);
    return fc.record({
      input: fc.constant(input),
      bytes: fc.constant(bytes),
      cuts: fc.array(fc.integer({ min: 0, max: Math.max(bytes.length, 1) }), { maxLength: 30 }),
    });
  });

function decodeStreaming(chunks: Uint8Array[], options: { profile: Profile }): Array<{ header: unknown; body: Uint8Array }> {
  const decoder = new StreamingFrameDecoder(options);
  const out: Array<{ header: unknown; body: Uint8Array }> = [];
  let parts: Uint8Array[] = [];
  const take = (events: Iterable<FrameEvent>) => {
    for (const event of events) {
      if (event.type === "head") parts = [];
      else if (event.type === "data") parts.push(event.chunk.slice());
      else out.push({ header: event.header, body: concat(parts) });
    }
  };
  for (const chunk of chunks) {
    decoder.push(chunk);
    take(decoder);
  }
  decoder.end();
  take(decoder);
  return out;
}

describe("properties", () => {
  it("any frames, encoded, glued and cut anywhere, decode to the same frames (buffered and streaming)", () => {
    fc.assert(
      fc.property(glued, ({ input, bytes, cuts }) => {
        const chunks = cut(bytes, cuts);
        const { frames, error } = feed(chunks, { profile: input.profile });
        expect(error).toBeNull();
        const streamed = decodeStreaming(chunks, { profile: input.profile });
        for (const decodedFrames of [frames as Array<Frame>, streamed as Array<Frame>]) {
          expect(decodedFrames).toHaveLength(input.frames.length);
          decodedFrames.forEach((frame, i) => {
            const sent = input.frames[i]!;
            expect(frame.body).toEqual(sent.body);
            expect(frame.header.total_size).toBe(sent.body.length);
            for (const [key, value] of Object.entries(sent.header)) {
              expect(frame.header[key]).toEqual(value === undefined ? undefined : JSON.parse(JSON.stringify(value)));
            }
          });
        }
      }),
      { numRuns: 1500 },
    );
  });

  it("random bytes only ever give frames or the codec's own error, the same for every chunking", () => {
    const noisy = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      // Mostly valid streams with damage: more interesting than pure noise.
      fc.record({ frames: fc.array(frameSpec, { maxLength: 4 }), flips: fc.array(fc.nat(), { maxLength: 4 }), trim: fc.nat(50) }).map(
        ({ frames, flips, trim }) => {
          const bytes = concat(frames.map((f) => encodeFrame(f.header, f.body, { checksums: ["md5"] })));
          for (const flip of flips) if (bytes.length > 0) bytes[flip % bytes.length]! ^= 1 << (flip % 8);
          return bytes.subarray(0, Math.max(0, bytes.length - trim));
        },
      ),
    );
    fc.assert(
      fc.property(noisy, fc.array(fc.nat(), { maxLength: 10 }), profile, (bytes, cuts, p) => {
        const whole = feed([bytes], { profile: p, maxBodyBytes: 4096 });
        const pieces = feed(cut(bytes, cuts), { profile: p, maxBodyBytes: 4096 });
        if (whole.error !== null) expect(isSockframeError(whole.error)).toBe(true);
        expect(pieces.frames.length).toBe(whole.frames.length);
        expect(pieces.error?.code).toBe(whole.error?.code);
        expect(pieces.error?.stage).toBe(whole.error?.stage);
      }),
      { numRuns: 5000 },
    );
  });
});
