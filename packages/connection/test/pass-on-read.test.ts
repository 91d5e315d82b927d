import { expect, test } from "vitest";
import type { ByteStreamEvents } from "../src/byte-stream.ts";
import { passOnRead } from "../src/pass-on-read.ts";

const read = (size: number, seed: number): Uint8Array => Uint8Array.from({ length: size }, (_, i) => (i * 31 + seed) & 0xff);

/** Events whose data() records a copy of each read and answers `unused`. */
function answering(unused: boolean): ByteStreamEvents & { seen: Uint8Array[] } {
  const seen: Uint8Array[] = [];
  return {
    seen,
    data(chunk) {
      seen.push(chunk.slice());
      return unused;
    },
    end() {},
    close() {},
  };
}

test("the test runtime has ArrayBuffer.prototype.transfer (vitest.config.ts starts Node 20 with transferFlags())", () => {
  expect(typeof ArrayBuffer.prototype.transfer).toBe("function");
});

test("a read the connection kept nothing of is passed on, then freed at once", () => {
  const chunk = read(1000, 1);
  const events = answering(true);
  passOnRead(events, chunk);
  expect(events.seen).toEqual([read(1000, 1)]);
  expect(chunk.buffer.byteLength).toBe(0);
  expect(chunk.length).toBe(0);
});

test("a read the connection may keep views of is left whole", () => {
  const chunk = read(1000, 2);
  for (const answer of [false, undefined]) {
    const events: ByteStreamEvents = { ...answering(false), data: () => answer };
    passOnRead(events, chunk);
    expect(chunk.buffer.byteLength).toBe(1000);
    expect(chunk).toEqual(read(1000, 2));
  }
});

test("a view of part of a buffer, or of shared memory, is never freed: the rest is not ours", () => {
  const larger = read(2000, 3);
  passOnRead(answering(true), larger.subarray(0, 1000));
  passOnRead(answering(true), larger.subarray(1000));
  expect(larger.buffer.byteLength).toBe(2000);
  expect(larger).toEqual(read(2000, 3));

  const shared = new Uint8Array(new SharedArrayBuffer(100));
  shared.set(read(100, 4));
  passOnRead(answering(true), shared);
  expect(shared).toEqual(read(100, 4));
});
