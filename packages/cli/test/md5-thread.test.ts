import { createHash, randomBytes } from "node:crypto";
import { expect, test } from "vitest";
import { INLINE_UP_TO, md5OffThread, md5WorkerJobs } from "../src/transfer/md5-thread.ts";

const md5 = (data: Uint8Array) => createHash("md5").update(data).digest("hex");

test("md5OffThread gives node:crypto's digest for chunks of every size: empty, odd, larger than the ring, wrapping around it", () => {
  const data = randomBytes(9 * 1024 * 1024 + 13);
  const sizes = [0, 1, 7, 8, 9, 1000, 256 * 1024, 256 * 1024 + 3, 3 * 1024 * 1024 + 5, 0, 65_537];
  const jobs = md5WorkerJobs();
  const hasher = md5OffThread();
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const next = Math.min(data.length, at + sizes[i % sizes.length]!);
    hasher.update(data.subarray(at, next));
    at = next;
  }
  expect(hasher.hexDigest()).toBe(md5(data));
  expect(md5WorkerJobs()).toBe(jobs + 1);
});

test("md5OffThread hashes a body of up to INLINE_UP_TO octets on this thread, and hands a larger one over whole", () => {
  const data = randomBytes(INLINE_UP_TO + 1);
  const jobs = md5WorkerJobs();
  for (const size of [0, 1, 1000, INLINE_UP_TO]) {
    const hasher = md5OffThread();
    // In chunks whose memory is reused at once, as recv's are: the kept octets must be copies.
    const chunk = new Uint8Array(7000);
    for (let at = 0; at < size; at += chunk.length) {
      const part = data.subarray(at, Math.min(size, at + chunk.length));
      chunk.set(part);
      hasher.update(chunk.subarray(0, part.length));
      chunk.fill(0);
    }
    expect(hasher.hexDigest()).toBe(md5(data.subarray(0, size)));
    expect(() => hasher.hexDigest()).toThrow(/twice/);
  }
  expect(md5WorkerJobs()).toBe(jobs);
  const large = md5OffThread();
  large.update(data.subarray(0, 5));
  large.update(data.subarray(5, INLINE_UP_TO));
  large.update(data.subarray(INLINE_UP_TO));
  expect(large.hexDigest()).toBe(md5(data));
  expect(md5WorkerJobs()).toBe(jobs + 1);
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
