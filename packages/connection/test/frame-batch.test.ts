import { concatBytes, decodeAll, encodeFrame, type OutgoingHeader, SockframeError } from "@sockframe/codec";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { COPY_BODY_MAX, FrameBatch } from "../src/frame-batch.ts";

function body(size: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

/** The first index where two byte arrays differ (-1: none): toEqual walks large arrays slowly. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : length;
}

describe("FrameBatch", () => {
  it("puts a run of small frames in one chunk, the octets encodeFrame gives", () => {
    const batch = new FrameBatch();
    const frames = Array.from({ length: 100 }, (_, i) => ({ header: { id: i } as OutgoingHeader, body: body(i % 70, i) }));
    let sizes = 0;
    for (const frame of frames) sizes += batch.frame(frame.header, frame.body, {});
    const expected = concatBytes(frames.map((frame) => encodeFrame(frame.header, frame.body)));
    expect(batch.bytes).toBe(expected.length);
    expect(sizes).toBe(expected.length);
    const chunks = batch.take();
    expect(concatBytes(chunks)).toEqual(expected);
    // The slab grows as the run does: a handful of chunks for 100 frames, not one per frame.
    expect(chunks.length).toBeLessThanOrEqual(6);
    expect(batch.bytes).toBe(0);
    expect(batch.take()).toEqual([]);
  });

  it("leaves a body above COPY_BODY_MAX where it lies, between the runs around it", () => {
    const batch = new FrameBatch();
    const large = body(COPY_BODY_MAX + 1);
    batch.frame({ id: 1 }, body(10), {});
    batch.frame({ id: 2 }, large, {});
    batch.frame({ id: 3 }, body(10), {});
    const chunks = batch.take();
    expect(chunks.length).toBe(3);
    expect(chunks[1]).toBe(large);
    expect(concatBytes(chunks)).toEqual(concatBytes([encodeFrame({ id: 1 }, body(10)), encodeFrame({ id: 2 }, large), encodeFrame({ id: 3 }, body(10))]));
  });

  it("does not write over octets it handed out until told they were written, then reuses their memory", () => {
    const batch = new FrameBatch();
    batch.frame({ id: 1 }, body(30), {});
    const first = batch.take()[0]!;
    const copy = first.slice();
    for (let i = 0; i < 2000; i++) batch.frame({ id: i }, body(i % 100), {});
    const used = new Set([first.buffer, ...batch.take().map((chunk) => chunk.buffer)]);
    expect(firstDifference(first, copy)).toBe(-1);
    batch.idle();
    batch.frame({ id: 2 }, body(30), {});
    expect(used.has(batch.take()[0]!.buffer)).toBe(true);
  });

  it("gives a header too large for the slab's room a buffer of its own, in order", () => {
    const batch = new FrameBatch();
    const options = { maxHeaderBytes: 1024 * 1024 };
    const big = { filename: "x".repeat(100_000) };
    batch.frame({ id: 1 }, body(5), options);
    batch.frame(big, body(5), options);
    batch.frame({ id: 2 }, body(5), options);
    const expected = concatBytes([encodeFrame({ id: 1 }, body(5)), encodeFrame(big, body(5), options), encodeFrame({ id: 2 }, body(5))]);
    expect(concatBytes(batch.take())).toEqual(expected);
  });

  it("starts a new slab for a header (and its body) too long for the room left, rather than buffers of their own", () => {
    const named = { filename: "f".repeat(100) };
    for (let size = 1217; size <= 1357; size += 4) {
      const batch = new FrameBatch();
      // Four frames of 16,024 octets and one of 23 + size leave 60-200 octets of a 64 KiB slab:
      // room for a plain header, not always for this one.
      for (let i = 0; i < 4; i++) batch.frame({}, body(16_000), {});
      batch.frame({}, body(size), {});
      batch.frame(named, body(10), {});
      const chunks = batch.take();
      expect(chunks.map((chunk) => chunk.buffer.byteLength)).toEqual(chunks.map(() => 64 * 1024));
      const expected = concatBytes([...Array.from({ length: 4 }, () => encodeFrame({}, body(16_000))), encodeFrame({}, body(size)), encodeFrame(named, body(10))]);
      expect(firstDifference(concatBytes(chunks), expected)).toBe(-1);
      batch.idle();
    }
  });

  it("adds nothing for a header it cannot encode, and goes on", () => {
    const batch = new FrameBatch();
    batch.frame({ id: 1 }, body(5), {});
    const before = batch.bytes;
    expect(() => batch.frame({ id: Number.NaN }, body(5), {})).toThrow(SockframeError);
    expect(() => batch.frame({ filename: "x".repeat(100) }, body(5), { maxHeaderBytes: 50 })).toThrow(SockframeError);
    expect(batch.bytes).toBe(before);
    batch.frame({ id: 2 }, body(5), {});
    expect(decodeAll(concatBytes(batch.take())).frames.map((frame) => frame.header.id)).toEqual([1, 2]);
  });

  it("drops its slab when idle only if nothing waits in it", () => {
    const batch = new FrameBatch();
    batch.frame({ id: 1 }, body(5), {});
    batch.idle();
    batch.frame({ id: 2 }, body(5), {});
    expect(decodeAll(concatBytes(batch.take())).frames.map((frame) => frame.header.id)).toEqual([1, 2]);
  });

  it("writes any mix of frames, raw chunks, takes and idles as encodeFrame and the chunks would, in order", () => {
    const header = fc.oneof(
      fc.record({ id: fc.maxSafeInteger() }),
      fc.constant({}),
      fc.record({ id: fc.string(), filename: fc.string({ maxLength: 300 }) }, { requiredKeys: [] }),
    );
    const step = fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant("frame" as const), header, size: fc.oneof(fc.nat(200), fc.integer({ min: COPY_BODY_MAX - 2, max: COPY_BODY_MAX + 2 }), fc.nat(70_000)) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("chunk" as const), size: fc.nat(3000) }) },
      { weight: 1, arbitrary: fc.constant({ kind: "take" as const }) },
      { weight: 1, arbitrary: fc.constant({ kind: "idle" as const }) },
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const batch = new FrameBatch();
        const expected: Uint8Array[] = [];
        const written: Uint8Array[] = [];
        const taken: Array<{ chunk: Uint8Array; copy: Uint8Array }> = [];
        const take = () => {
          for (const chunk of batch.take()) taken.push({ chunk, copy: chunk.slice() });
        };
        // What a write does once it completes: the octets handed out, unchanged since take().
        const write = () => {
          for (const t of taken.splice(0)) {
            expect(firstDifference(t.chunk, t.copy)).toBe(-1);
            written.push(t.copy);
          }
        };
        steps.forEach((s, i) => {
          if (s.kind === "frame") {
            const b = body(s.size, i);
            expect(batch.frame(s.header, b, {})).toBe(encodeFrame(s.header, b).length);
            expected.push(encodeFrame(s.header, b));
          } else if (s.kind === "chunk") {
            batch.chunk(body(s.size, i));
            expected.push(body(s.size, i));
          } else if (s.kind === "take") {
            take();
          } else if (batch.bytes === 0) {
            // As the connection calls it: with nothing queued, everything taken written.
            write();
            batch.idle();
          }
        });
        take();
        write();
        expect(firstDifference(concatBytes(written), concatBytes(expected))).toBe(-1);
      }),
      { numRuns: 300 },
    );
  });
});
