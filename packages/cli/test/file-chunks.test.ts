import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { FILE_CHUNK, FileChunks } from "../src/transfer/file-chunks.ts";
import { digestFile, TWO_THREADS_FROM } from "../src/transfer/file-digest.ts";

const work = mkdtempSync(join(tmpdir(), "sf-chunks-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const content = randomBytes(2 * FILE_CHUNK + 12_345);
const path = join(work, "in.bin");
writeFileSync(path, content);

describe("FileChunks", () => {
  test("gives the file's octets in order, in chunks of up to 1 MiB, refilling the buffers handed back", async () => {
    const file = new FileChunks(path);
    const seen: Buffer[] = [];
    const buffers = new Set<ArrayBufferLike>();
    for await (const chunk of file) {
      expect(chunk.length).toBeLessThanOrEqual(FILE_CHUNK);
      seen.push(Buffer.from(chunk));
      buffers.add(chunk.buffer);
      file.recycle(chunk);
    }
    expect(seen.map((chunk) => chunk.length)).toEqual([FILE_CHUNK, FILE_CHUNK, 12_345]);
    expect(Buffer.concat(seen).equals(content)).toBe(true);
    expect(buffers.size).toBe(1);
  });

  test("reads into new memory while no chunk is handed back, never into a chunk still out", async () => {
    const file = new FileChunks(path);
    const chunks: Uint8Array[] = [];
    for await (const chunk of file) chunks.push(chunk);
    expect(new Set(chunks.map((chunk) => chunk.buffer)).size).toBe(3);
    expect(Buffer.concat(chunks).equals(content)).toBe(true);
  });

  test("reads a file said to be small into small buffers, and still to its end if it is larger", async () => {
    const tiny = join(work, "tiny.bin");
    writeFileSync(tiny, content.subarray(0, 1000));
    const few: Uint8Array[] = [];
    for await (const chunk of new FileChunks(tiny, 1000)) few.push(chunk);
    expect(few.map((chunk) => [chunk.length, chunk.buffer.byteLength])).toEqual([[1000, 4096]]);

    const file = new FileChunks(path, 10_000);
    const seen: Buffer[] = [];
    for await (const chunk of file) {
      expect(chunk.buffer.byteLength).toBe(10_000);
      seen.push(Buffer.from(chunk));
      file.recycle(chunk);
    }
    expect(Buffer.concat(seen).equals(content)).toBe(true);
  });

  test("reads an empty file as no chunks", async () => {
    const empty = join(work, "empty.bin");
    writeFileSync(empty, "");
    const chunks: Uint8Array[] = [];
    for await (const chunk of new FileChunks(empty)) chunks.push(chunk);
    expect(chunks).toEqual([]);
  });
});

test("digestFile gives the size, md5 and sha256 of the whole file", async () => {
  expect(await digestFile(path)).toEqual({
    size: content.length,
    md5: createHash("md5").update(content).digest("hex"),
    sha256: createHash("sha256").update(content).digest("hex"),
  });
});

test("digestFile hashes a large file on two threads (md5 on a worker) to the same digests, its progress reaching the size", async () => {
  const large = join(work, "large.bin");
  const block = randomBytes(FILE_CHUNK);
  const size = TWO_THREADS_FROM + 3 * FILE_CHUNK + 777;
  const whole = Buffer.alloc(size);
  for (let at = 0; at < size; at += block.length) block.copy(whole, at);
  writeFileSync(large, whole);
  const progress: number[] = [];
  expect(await digestFile(large, (done) => progress.push(done), size)).toEqual({
    size,
    md5: createHash("md5").update(whole).digest("hex"),
    sha256: createHash("sha256").update(whole).digest("hex"),
  });
  expect(progress.at(-1)).toBe(size);
  expect(progress.every((done, i) => i === 0 || done >= progress[i - 1]!)).toBe(true);
});

test("digestFile on two threads rejects with the reason when the file cannot be read", async () => {
  await expect(digestFile(join(work, "missing.bin"), undefined, TWO_THREADS_FROM)).rejects.toMatchObject({ code: "ENOENT" });
});
