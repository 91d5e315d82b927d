import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { BodyPool } from "../src/body-pool.ts";
import { encodeFrame, type Frame, FrameDecoder, SockframeError, StreamingFrameDecoder } from "../src/index.ts";
import { concat, feed, decodePast, rawFrame, sameBytes, text, utf8 } from "./helpers.ts";

const nodeSha256 = () => {
  const hash = createHash("sha256");
  return { update: (data: Uint8Array) => void hash.update(data), hexDigest: () => hash.digest("hex") };
};

describe("FrameDecoder", () => {
  it("delivers negative zero in an extension as it is, on the fast and the full header path (SPEC 3.2, 3.4.7)", () => {
    // The second header has an escape, which the fast path leaves to the full one.
    for (const header of ['{"total_size":-0,"id":-0,"x":-0,"y":-0.0,"z":-1e-400}', '{"total_size":0,"s":"\\n","x":-0,"y":-0.0,"z":-1e-400}']) {
      const { frames, error } = feed([rawFrame(header)]);
      expect(error).toBeNull();
      const delivered = frames[0]!.header as Record<string, unknown>;
      expect(delivered.total_size).toBe(0);
      for (const name of ["x", "y", "z"]) expect(Object.is(delivered[name], -0), `${name} of ${header}`).toBe(true);
    }
  });

  it("decodes thousands of frames from one chunk, each body a view into it", () => {
    const frames = Array.from({ length: 5000 }, (_, i) => encodeFrame({ id: i }, utf8.encode(`body ${i}`)));
    const chunk = concat(frames);
    const decoder = new FrameDecoder();
    decoder.push(chunk);
    const out = [...decoder];
    expect(out).toHaveLength(5000);
    expect(out[4999]!.header.id).toBe(4999);
    expect(text(out[123]!.body)).toBe("body 123");
    expect(out[0]!.body.buffer).toBe(chunk.buffer);
  });

  it("hands out plain Uint8Array views of a Node Buffer chunk (not Buffers: twice as costly to make)", () => {
    const chunk = Buffer.from(encodeFrame({ id: 1 }, utf8.encode("abc")));
    const decoder = new FrameDecoder();
    decoder.push(chunk);
    const frame = decoder.next()!;
    expect(frame.body.constructor).toBe(Uint8Array);
    expect(frame.body.buffer).toBe(chunk.buffer);
    expect(text(frame.body)).toBe("abc");
  });

  it("delivers the frames before an error in the same chunk, then throws, then stays fused", () => {
    const chunk = concat([encodeFrame({ id: 1 }), encodeFrame({ id: 2 }), rawFrame("not json"), encodeFrame({ id: 3 })]);
    const decoder = new FrameDecoder();
    decoder.push(chunk);
    expect(decoder.next()?.header.id).toBe(1);
    expect(decoder.next()?.header.id).toBe(2);
    let first: unknown;
    try {
      decoder.next();
    } catch (error) {
      first = error;
    }
    expect(first).toBeInstanceOf(SockframeError);
    expect((first as SockframeError).code).toBe("HEADER_INVALID_JSON");
    expect((first as SockframeError).stage).toBe("header");
    expect((first as SockframeError).frame).toBe(2);
    expect((first as SockframeError).offset).toBe(encodeFrame({ id: 1 }).length * 2 + 4);
    decoder.push(encodeFrame({ id: 4 }));
    expect(() => decoder.next()).toThrow(first as Error);
    expect(decoder.error).toBe(first);
    expect(decoder.buffered).toBe(0);
  });

  it("rejects an oversized prefix from its 4 octets alone", () => {
    const decoder = new FrameDecoder({ maxHeaderBytes: 100 });
    decoder.push(new Uint8Array([0, 0, 0, 101]));
    expect(() => decoder.next()).toThrow(expect.objectContaining({ code: "HEADER_TOO_LARGE", stage: "prefix", offset: 0 }));
  });

  it("rejects an oversized total_size before any body octet arrives", () => {
    const decoder = new FrameDecoder({ maxBodyBytes: 10 });
    decoder.push(rawFrame('{"total_size":11}'));
    expect(() => decoder.next()).toThrow(expect.objectContaining({ code: "BODY_TOO_LARGE", stage: "header" }));
  });

  it("holds only the octets that arrived, whatever size was declared", () => {
    const decoder = new FrameDecoder();
    decoder.push(rawFrame('{"total_size":16777216}', utf8.encode("0123456789")));
    expect(decoder.next()).toBeUndefined();
    expect(decoder.buffered).toBe(10);
  });

  it("bounds the chunks it retains when a peer drips one octet at a time", () => {
    const body = new Uint8Array(1 << 18).fill(7);
    const frame = encodeFrame({}, body);
    const decoder = new FrameDecoder();
    let maxChunks = 0;
    let early = 0;
    for (let i = 0; i < frame.length; i++) {
      decoder.push(frame.subarray(i, i + 1));
      if (i < frame.length - 1 && decoder.next() !== undefined) early++;
      maxChunks = Math.max(maxChunks, (decoder as unknown as { queue: { chunkCount: number } }).queue.chunkCount);
    }
    const out = decoder.next();
    expect(early).toBe(0);
    expect(sameBytes(out?.body, body)).toBe(true);
    // 256 KiB in 16 KiB coalescing buffers: 16 of them, plus the first chunk kept as is.
    expect(maxChunks).toBeLessThanOrEqual(18);
  });

  it("copies a small view rather than pinning the large buffer behind it", () => {
    const decoder = new FrameDecoder();
    const frame = encodeFrame({}, new Uint8Array(10000).fill(1));
    decoder.push(frame.subarray(0, 100));
    expect(decoder.next()).toBeUndefined();
    const big = new Uint8Array(1 << 20);
    big.set(frame.subarray(100), 0);
    decoder.push(big.subarray(0, frame.length - 100));
    const out = decoder.next()!;
    expect(out.body.length).toBe(10000);
    expect(out.body.buffer).not.toBe(big.buffer);
  });

  it("reports TRUNCATED at end of stream inside a prefix, header or body, not at a boundary", () => {
    const frame = encodeFrame({ id: 1 }, utf8.encode("abc"));
    for (let cutAt = 1; cutAt < frame.length; cutAt++) {
      const { frames, error } = feed([frame, frame.subarray(0, cutAt)]);
      expect(frames).toHaveLength(1);
      expect(error).toMatchObject({ code: "TRUNCATED", stage: "end", frame: 1 });
    }
    expect(feed([frame, frame]).error).toBeNull();
    expect(feed([]).error).toBeNull();
  });

  it("is done only after a clean end with everything taken", () => {
    const decoder = new FrameDecoder();
    decoder.push(encodeFrame({}));
    expect(decoder.done).toBe(false);
    decoder.end();
    expect(decoder.done).toBe(false);
    expect(decoder.next()).toBeDefined();
    expect(decoder.next()).toBeUndefined();
    expect(decoder.done).toBe(true);
    expect(() => decoder.push(new Uint8Array(1))).toThrow(/after end/);
  });

  it("decodes the le profile, and rejects negative le lengths", () => {
    const frame = rawFrame('{"total_size":2}', utf8.encode("ok"), true);
    expect(feed([frame], { profile: "le" }).frames[0]!.header.total_size).toBe(2);
    expect(feed([new Uint8Array([0xff, 0xff, 0xff, 0xff])], { profile: "le" }).error?.code).toBe("HEADER_LENGTH_INVALID");
    expect(feed([new Uint8Array([0xff, 0xff, 0xff, 0xff])], { profile: "be" }).error?.code).toBe("HEADER_TOO_LARGE");
  });

  it("validates its options", () => {
    expect(() => new FrameDecoder({ maxBodyBytes: -1 })).toThrow(RangeError);
    expect(() => new FrameDecoder({ profile: "xx" as "be" })).toThrow(RangeError);
    expect(() => new FrameDecoder({ maxHeaderBytes: 2 ** 31, profile: "le" })).toThrow(RangeError);
  });

  it("uses injected hashers when given", () => {
    let updates = 0;
    const hashes = {
      sha256: () => ({
        update: () => {
          updates++;
        },
        hexDigest: () => "0".repeat(64),
      }),
    };
    const { frames } = feed([rawFrame(`{"total_size":1,"sha256":"${"0".repeat(64)}"}`, utf8.encode("x"))], { hashes });
    expect(frames).toHaveLength(1);
    expect(updates).toBe(1);
  });
});

describe("StreamingFrameDecoder", () => {
  it("passes a 256 MiB body in constant memory, verifying its sha256 incrementally", () => {
    const size = 256 * 1024 * 1024;
    const chunk = new Uint8Array(64 * 1024).fill(0x61);
    const expected = createHash("sha256");
    for (let n = 0; n < size; n += chunk.length) expected.update(chunk);
    const decoder = new StreamingFrameDecoder({ hashes: { sha256: nodeSha256 } });
    decoder.push(rawFrame(`{"total_size":${size},"sha256":"${expected.digest("hex")}"}`));
    expect(decoder.next()).toMatchObject({ type: "head" });
    let received = 0;
    let maxBuffered = 0;
    let ends = 0;
    for (let sent = 0; sent < size; sent += chunk.length) {
      decoder.push(chunk);
      for (const event of decoder) {
        if (event.type === "data") received += event.chunk.length;
        else ends++;
      }
      maxBuffered = Math.max(maxBuffered, decoder.buffered);
    }
    expect(ends).toBe(1);
    expect(received).toBe(size);
    expect(maxBuffered).toBe(0);
  });

  it("verifies with the pure-JS sha256 by default", () => {
    const body = new Uint8Array(3 * 1024 * 1024).fill(0x62);
    const digest = createHash("sha256").update(body).digest("hex");
    const decoder = new StreamingFrameDecoder();
    decoder.push(rawFrame(`{"total_size":${body.length},"sha256":"${digest}"}`));
    for (let at = 0; at < body.length; at += 65536) decoder.push(body.subarray(at, at + 65536));
    expect([...decoder].at(-1)).toMatchObject({ type: "end" });
  });

  it("reports CHECKSUM_MISMATCH in place of the end event", () => {
    const decoder = new StreamingFrameDecoder();
    decoder.push(rawFrame(`{"total_size":3,"md5":"${"0".repeat(32)}"}`, utf8.encode("abc")));
    expect(decoder.next()?.type).toBe("head");
    expect(decoder.next()?.type).toBe("data");
    expect(() => decoder.next()).toThrow(expect.objectContaining({ code: "CHECKSUM_MISMATCH", stage: "body" }));
  });

  it("says how many body octets are still to come, counting those pushed but not yet taken", () => {
    const decoder = new StreamingFrameDecoder();
    expect(decoder.bodyToCome).toBe(0);
    decoder.push(rawFrame('{"total_size":10}', utf8.encode("abc")));
    // The head is not decoded yet: no body in progress.
    expect(decoder.bodyToCome).toBe(0);
    expect(decoder.next()?.type).toBe("head");
    expect(decoder.bodyToCome).toBe(7);
    expect(decoder.next()).toMatchObject({ type: "data", chunk: utf8.encode("abc") });
    expect(decoder.bodyToCome).toBe(7);
    decoder.push(utf8.encode("defghij"));
    expect(decoder.bodyToCome).toBe(0);
    expect([...decoder].map((e) => e.type)).toEqual(["data", "end"]);
    expect(decoder.bodyToCome).toBe(0);
  });

  it("accepts bodies over maxBodyBytes, limited by maxStreamBodyBytes instead", () => {
    const decoder = new StreamingFrameDecoder({ maxBodyBytes: 1, maxStreamBodyBytes: 5 });
    decoder.push(rawFrame('{"total_size":5}', utf8.encode("12345")));
    expect([...decoder].map((e) => e.type)).toEqual(["head", "data", "end"]);
    const strict = new StreamingFrameDecoder({ maxStreamBodyBytes: 4 });
    strict.push(rawFrame('{"total_size":5}'));
    expect(() => strict.next()).toThrow(expect.objectContaining({ code: "BODY_TOO_LARGE" }));
  });
});

/**
 * Feeds `input` in reads of at most `size` the way a transport that reads into readTarget() does,
 * handing each frame to `onFrame` as it comes; returns the octets read in place.
 */
function readInPlace(decoder: FrameDecoder, input: Uint8Array, size: number, onFrame: (frame: Frame) => void): number {
  let direct = 0;
  for (let at = 0; at < input.length; ) {
    const target = decoder.readTarget();
    const n = Math.min(size, input.length - at, target?.length ?? Infinity);
    if (target !== null) {
      target.set(input.subarray(at, at + n));
      decoder.pushed(n);
      direct += n;
    } else {
      decoder.push(input.slice(at, at + n));
    }
    at += n;
    for (const frame of decoder) onFrame(frame);
  }
  return direct;
}

describe("FrameDecoder, bodies that span reads", () => {
  const MiB = 1024 * 1024;
  const body = Uint8Array.from({ length: MiB }, (_, i) => (i * 131) & 0xff);
  const stream = concat([encodeFrame({ id: 1 }, body, { checksums: ["sha256"] }), encodeFrame({ id: 2 }, utf8.encode("next"))]);

  it("gives the same body and the next frame for any way of cutting the stream", () => {
    for (const size of [1000, 4096, 65_536, 300_000, 524_288, stream.length]) {
      const decoder = new FrameDecoder();
      const frames = [];
      for (let at = 0; at < stream.length; at += size) {
        decoder.push(stream.slice(at, at + size));
        frames.push(...decoder);
      }
      expect(frames.map((f) => f.header.id)).toEqual([1, 2]);
      expect(sameBytes(frames[0]!.body, body)).toBe(true);
      expect(frames[1]!.body).toEqual(utf8.encode("next"));
    }
  });

  it("commits memory for a body only once a quarter of it has arrived", () => {
    const decoder = new FrameDecoder();
    const headerEnd = stream.length - body.length - encodeFrame({ id: 2 }, utf8.encode("next")).length;
    decoder.push(stream.slice(0, headerEnd + 200_000));
    expect(decoder.next()).toBeUndefined();
    // Not a quarter yet: the octets wait in the queue as they came.
    expect(decoder.buffered).toBe(200_000);
    decoder.push(stream.slice(headerEnd + 200_000, headerEnd + 300_000));
    expect(decoder.next()).toBeUndefined();
    // A quarter is here: they were copied into the body's buffer.
    expect(decoder.buffered).toBe(0);
    expect(decoder.offset).toBe(headerEnd + 300_000);
  });

  it("reports TRUNCATED when the stream ends inside a body being gathered", () => {
    const decoder = new FrameDecoder();
    decoder.push(stream.slice(0, 600_000));
    expect(decoder.next()).toBeUndefined();
    decoder.end();
    expect(() => decoder.next()).toThrow(expect.objectContaining({ code: "TRUNCATED", offset: 600_000 }));
  });

  function readInto(decoder: FrameDecoder, input: Uint8Array, size: number) {
    const frames: Frame[] = [];
    const direct = readInPlace(decoder, input, size, (frame) => frames.push(frame));
    return { frames, direct };
  }

  it("reads the rest of a gathered body straight into it, with the same frames and offsets", () => {
    for (const size of [1000, 65_536, 300_000, 1_000_000]) {
      const decoder = new FrameDecoder();
      const { frames, direct } = readInto(decoder, stream, size);
      expect(frames.map((f) => f.header.id)).toEqual([1, 2]);
      expect(sameBytes(frames[0]!.body, body)).toBe(true);
      expect(frames[1]!.body).toEqual(utf8.encode("next"));
      expect(decoder.offset).toBe(stream.length);
      // Only octets past the first quarter of the body can go straight in (fails if the rule goes).
      expect(direct).toBeGreaterThan(0);
      expect(direct).toBeLessThanOrEqual(MiB - MiB / 4);
    }
  });

  it("offers no read target until a quarter of the body is here, nor while octets are queued", () => {
    const decoder = new FrameDecoder();
    const headerEnd = stream.length - body.length - encodeFrame({ id: 2 }, utf8.encode("next")).length;
    decoder.push(stream.slice(0, headerEnd + 200_000));
    expect(decoder.next()).toBeUndefined();
    expect(decoder.readTarget()).toBeNull();
    expect(() => decoder.pushed(1)).toThrow(/without a readTarget/);
    decoder.push(stream.slice(headerEnd + 200_000, headerEnd + 300_000));
    expect(decoder.next()).toBeUndefined();
    expect(decoder.readTarget()?.length).toBe(MiB - 300_000);
    // Queued octets come first: no target until they are decoded.
    decoder.push(stream.slice(headerEnd + 300_000, headerEnd + 300_010));
    expect(decoder.readTarget()).toBeNull();
    expect(decoder.next()).toBeUndefined();
    const target = decoder.readTarget()!;
    expect(target.length).toBe(MiB - 300_010);
    expect(() => decoder.pushed(target.length + 1)).toThrow(/without a readTarget/);
  });

  it("reports TRUNCATED at the right offset after octets read into a body", () => {
    const decoder = new FrameDecoder();
    decoder.push(stream.slice(0, 400_000));
    expect(decoder.next()).toBeUndefined();
    decoder.readTarget()!.set(stream.subarray(400_000, 500_000));
    decoder.pushed(100_000);
    expect(decoder.next()).toBeUndefined();
    expect(decoder.offset).toBe(500_000);
    decoder.end();
    expect(() => decoder.next()).toThrow(expect.objectContaining({ code: "TRUNCATED", offset: 500_000 }));
    expect(() => decoder.pushed(1)).not.toThrow();
  });

  it("checks the digest of a body read into place", () => {
    const bad = stream.slice();
    const inBody = stream.length - 5000 - 40;
    bad[inBody] = bad[inBody]! ^ 1;
    expect(() => readInto(new FrameDecoder(), bad, 65_536)).toThrow(expect.objectContaining({ code: "CHECKSUM_MISMATCH" }));
  });

  it("still checks the digest of a gathered body", () => {
    const bad = stream.slice();
    const inBody = stream.length - 5000 - 40;
    bad[inBody] = bad[inBody]! ^ 1;
    const decoder = new FrameDecoder();
    expect(() => {
      for (let at = 0; at < bad.length; at += 65_536) {
        decoder.push(bad.slice(at, at + 65_536));
        for (const _ of decoder);
      }
    }).toThrow(SockframeError);
  });
});

describe("FrameDecoder.release(): reusing the memory of bodies that span reads", () => {
  const MiB = 1024 * 1024;
  const bodyOf = (seed: number, size = MiB) => Uint8Array.from({ length: size }, (_, i) => (i * 131 + seed) & 0xff);
  const bodies = [bodyOf(1), bodyOf(2), bodyOf(3)];
  const stream = concat(bodies.map((body, id) => encodeFrame({ id }, body, { checksums: ["md5"] })));

  /** Feeds `input` in 64 KiB reads (each its own buffer), handing each frame to `onFrame` as it comes. */
  function decodeInReads(decoder: FrameDecoder, input: Uint8Array, onFrame: (frame: Frame) => void): void {
    for (let at = 0; at < input.length; at += 65_536) {
      decoder.push(input.slice(at, at + 65_536));
      for (const frame of decoder) onFrame(frame);
    }
  }

  it("gathers the next body into the memory of a released one, with the right octets and digest", () => {
    const decoder = new FrameDecoder();
    const seen: Frame[] = [];
    decodeInReads(decoder, stream, (frame) => {
      expect(sameBytes(frame.body, bodies[frame.header.id as number]!)).toBe(true);
      seen.push(frame);
      expect(decoder.releasable(frame.body)).toBe(true);
      expect(decoder.release(frame.body)).toBe(true);
      expect(decoder.releasable(frame.body)).toBe(false);
    });
    expect(seen.map((f) => f.header.id)).toEqual([0, 1, 2]);
    expect(seen[1]!.body.buffer).toBe(seen[0]!.body.buffer);
    expect(seen[2]!.body.buffer).toBe(seen[0]!.body.buffer);
  });

  it("never gives a body that was not released to another (fails if bodies share memory unasked)", () => {
    const decoder = new FrameDecoder();
    const seen: Frame[] = [];
    decodeInReads(decoder, stream, (frame) => seen.push(frame));
    expect(new Set(seen.map((f) => f.body.buffer)).size).toBe(3);
    seen.forEach((frame, id) => expect(sameBytes(frame.body, bodies[id]!)).toBe(true));
  });

  it("reads straight into released memory (readTarget) with the same frames", () => {
    const decoder = new FrameDecoder();
    const seen: Frame[] = [];
    readInPlace(decoder, stream, 65_536, (frame) => {
      expect(sameBytes(frame.body, bodies[frame.header.id as number]!)).toBe(true);
      seen.push(frame);
      decoder.release(frame.body);
    });
    expect(seen).toHaveLength(3);
    expect(seen[2]!.body.buffer).toBe(seen[0]!.body.buffer);
  });

  it("gathers into released memory from the body's first octet: no quarter to wait for, the whole body read in place", () => {
    const decoder = new FrameDecoder();
    let frames = 0;
    // The first body waits for its quarter; after its release the next ones need not.
    const direct = readInPlace(decoder, stream, 65_536, (frame) => {
      expect(sameBytes(frame.body, bodies[frame.header.id as number]!)).toBe(true);
      frames++;
      decoder.release(frame.body);
    });
    expect(frames).toBe(3);
    // Bodies 2 and 3 went in whole but for the read they shared with their header (at most 64 KiB);
    // body 1 from its quarter on. Waiting for a quarter each time would make it at most 3 x 0.75 MiB.
    expect(direct).toBeGreaterThan(0.6 * MiB + 2 * (MiB - 65_536));
  });

  it("ignores bodies it did not lend: views of a pushed chunk, other arrays, a second release", () => {
    const decoder = new FrameDecoder();
    const whole = encodeFrame({ id: 1 }, utf8.encode("in one chunk"));
    decoder.push(whole);
    const inChunk = decoder.next()!;
    expect(inChunk.body.buffer).toBe(whole.buffer);
    expect(decoder.releasable(inChunk.body)).toBe(false);
    expect(decoder.release(inChunk.body)).toBe(false);
    expect(decoder.releasable(new Uint8Array(MiB))).toBe(false);
    expect(decoder.release(new Uint8Array(MiB))).toBe(false);
    let first: Frame | undefined;
    decodeInReads(decoder, stream.subarray(0, stream.length - 2 * (stream.length / 3)), (frame) => (first = frame));
    expect(decoder.release(first!.body.subarray(1))).toBe(false);
    expect(decoder.release(first!.body)).toBe(true);
    expect(decoder.release(first!.body)).toBe(false);
    // The chunk the view came from was left alone.
    expect(text(inChunk.body)).toBe("in one chunk");
  });

  it("refuses a second release of a body whose memory a later body already has", () => {
    const decoder = new FrameDecoder();
    const seen: Frame[] = [];
    decodeInReads(decoder, stream.subarray(0, (2 * stream.length) / 3), (frame) => {
      seen.push(frame);
      if (seen.length === 1) expect(decoder.release(frame.body)).toBe(true);
    });
    const [first, second] = seen;
    expect(second!.body.buffer).toBe(first!.body.buffer);
    // first.body is a view of the memory second.body now lives in: releasing it again must not free that.
    expect(decoder.release(first!.body)).toBe(false);
    expect(decoder.release(second!.body.subarray(0))).toBe(false);
    decodeInReads(decoder, stream.subarray((2 * stream.length) / 3), (frame) => seen.push(frame));
    expect(seen[2]!.body.buffer).not.toBe(second!.body.buffer);
    expect(sameBytes(second!.body, bodies[1]!)).toBe(true);
  });

  it("keeps every body it was not given back intact, for random bodies, reads and releases (in place or pushed)", () => {
    // A small deterministic generator: the same cases on every run.
    let seed = 12345;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const sizes = [0, 1000, 40_000, 70_000, 150_000, 300_000, 700_000];
    for (let round = 0; round < 12; round++) {
      const cases = Array.from({ length: 8 }, (_, id) => bodyOf(id + round * 8, sizes[random(sizes.length)]!));
      const input = concat(cases.map((body, id) => encodeFrame({ id }, body, { checksums: ["md5"] })));
      const decoder = new FrameDecoder();
      const kept: Frame[] = [];
      const inPlace = random(2) === 0;
      const onFrame = (frame: Frame) => {
        const id = frame.header.id as number;
        expect(sameBytes(frame.body, cases[id]!)).toBe(true);
        if (random(3) === 0) kept.push(frame);
        else decoder.release(frame.body);
      };
      for (let at = 0; at < input.length; ) {
        const size = 1 + random(200_000);
        const target = inPlace ? decoder.readTarget() : null;
        const n = Math.min(size, input.length - at, target?.length ?? Infinity);
        if (target !== null) {
          target.set(input.subarray(at, at + n));
          decoder.pushed(n);
        } else {
          decoder.push(input.slice(at, at + n));
        }
        at += n;
        for (const frame of decoder) onFrame(frame);
      }
      decoder.end();
      expect(decoder.done).toBe(true);
      for (const frame of kept) expect(sameBytes(frame.body, cases[frame.header.id as number]!)).toBe(true);
    }
  });

  it("reuses released memory for a body assembled from queued chunks too, and for none more than twice its size", () => {
    const decoder = new FrameDecoder();
    const sizes = [20_000, 20_000, 9_000];
    const frames = concat(sizes.map((size, id) => encodeFrame({ id }, bodyOf(id, size))));
    // 5000-octet reads: each body (below the size that is gathered) is assembled from queued chunks.
    const got: Frame[] = [];
    for (let at = 0; at < frames.length; at += 5000) {
      decoder.push(frames.slice(at, at + 5000));
      for (const frame of decoder) {
        expect(sameBytes(frame.body, bodyOf(got.length, sizes[got.length]!))).toBe(true);
        got.push(frame);
        expect(decoder.release(frame.body)).toBe(true);
      }
    }
    expect(got).toHaveLength(3);
    expect(got[1]!.body.buffer).toBe(got[0]!.body.buffer);
    // 20,000 octets of memory for a 9,000-octet body would pin more than twice its size.
    expect(got[2]!.body.buffer).not.toBe(got[0]!.body.buffer);
  });
});

describe("BodyPool bounds", () => {
  it("keeps at most four released buffers and 16 MiB, the oldest making way", () => {
    const pool = new BodyPool();
    const MiB = 1024 * 1024;
    const lent = Array.from({ length: 6 }, () => pool.take(MiB));
    for (const body of lent) expect(pool.release(body)).toBe(true);
    expect(pool.freeBytes).toBe(4 * MiB);
    // The four newest are kept: the next four takes reuse them, newest buffers first or not.
    const again = Array.from({ length: 5 }, () => pool.take(MiB));
    const reused = again.filter((body) => lent.slice(2).some((old) => old.buffer === body.buffer));
    expect(reused).toHaveLength(4);
    expect(pool.freeBytes).toBe(0);
    const big = pool.take(10 * MiB);
    pool.release(big);
    for (const body of again) pool.release(body);
    expect(pool.freeBytes).toBeLessThanOrEqual(16 * MiB);
    // A buffer larger than the whole budget is not kept at all.
    expect(pool.release(pool.take(17 * MiB))).toBe(true);
    expect(pool.freeBytes).toBeLessThanOrEqual(16 * MiB);
  });

  it("lends the buffer released last first, of those that fit equally (the one likeliest in cache)", () => {
    const pool = new BodyPool();
    const [a, b, c] = [pool.take(1000), pool.take(1000), pool.take(1000)];
    for (const body of [a!, b!, c!]) pool.release(body);
    expect(pool.take(1000).buffer).toBe(c!.buffer);
    expect(pool.take(1000).buffer).toBe(b!.buffer);
    // A smaller fit still wins over a later, larger one: the slack bound is about memory, not order.
    const small = pool.take(900);
    const large = pool.take(1200);
    pool.release(small);
    pool.release(large);
    expect(pool.take(900).buffer).toBe(small.buffer);
  });
});

describe("stream offsets", () => {
  it("start at 0 (not -0) and are reported so", () => {
    expect(Object.is(new FrameDecoder().offset, 0)).toBe(true);
    const { error } = feed([new Uint8Array(4)]);
    expect(error?.code).toBe("HEADER_LENGTH_INVALID");
    expect(Object.is(error?.offset, 0)).toBe(true);
  });

  it("stay exact past 2^31 octets, in offset and in errors", () => {
    for (const decoder of [new FrameDecoder(), new StreamingFrameDecoder()]) {
      const end = decodePast(decoder);
      expect(end).toBeGreaterThan(2 ** 31);
      expect(decoder.offset).toBe(end);
      decoder.push(new Uint8Array(4));
      expect(() => decoder.next()).toThrow(expect.objectContaining({ code: "HEADER_LENGTH_INVALID", offset: end, frame: 2048 }));
    }
  });
});
