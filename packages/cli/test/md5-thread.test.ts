import { createHash, randomBytes } from "node:crypto";
import { expect, test } from "vitest";
import { md5OffThread, md5ThreadRunning } from "../src/transfer/md5-thread.ts";

const md5 = (data: Uint8Array) => createHash("md5").update(data).digest("hex");

test("md5OffThread gives node:crypto's digest for chunks of every size: empty, odd, larger than the ring, wrapping around it", () => {
  const data = randomBytes(9 * 1024 * 1024 + 13);
  const sizes = [0, 1, 7, 8, 9, 1000, 256 * 1024, 256 * 1024 + 3, 3 * 1024 * 1024 + 5, 0, 65_537];
  const hasher = md5OffThread();
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const next = Math.min(data.length, at + sizes[i % sizes.length]!);
    hasher.update(data.subarray(at, next));
    at = next;
  }
  expect(hasher.hexDigest()).toBe(md5(data));
  expect(md5ThreadRunning()).toBe(true);
});

test("md5OffThread keeps the digests of bodies hashed at the same time apart, and of an empty body", () => {
  const a = randomBytes(2 * 1024 * 1024);
  const b = randomBytes(1024 * 1024 + 1);
  const first = md5OffThread();
  const second = md5OffThread();
  const empty = md5OffThread();
  for (let at = 0; at < a.length; at += 100_000) {
    first.update(a.subarray(at, at + 100_000));
    if (at < b.length) second.update(b.subarray(at, Math.min(b.length, at + 100_000)));
  }
  expect(second.hexDigest()).toBe(md5(b));
  expect(empty.hexDigest()).toBe(md5(new Uint8Array(0)));
  expect(first.hexDigest()).toBe(md5(a));
});

test("md5OffThread: a hasher dropped without its digest leaves the others right", () => {
  const dropped = md5OffThread();
  dropped.update(randomBytes(300_000));
  const data = randomBytes(500_000);
  const kept = md5OffThread();
  kept.update(data);
  expect(kept.hexDigest()).toBe(md5(data));
  expect(() => kept.hexDigest()).toThrow(/twice/);
});
