import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { BatchWriter, WRITE_BATCH } from "../src/transfer/batch-writer.ts";

const work = mkdtempSync(join(tmpdir(), "sf-batch-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A FileHandle whose writes finish only when the test says so; each notes whether its octets stayed as they were until then. */
class HeldWrites {
  readonly calls: Array<{ data: Uint8Array; length: number; intact?: boolean; finish: (error?: Error) => void }> = [];
  readonly handle = {
    write: (data: Uint8Array, offset: number, length: number) =>
      new Promise<{ bytesWritten: number }>((resolve, reject) => {
        const view = data.subarray(offset, offset + length);
        const copy = view.slice();
        const call: HeldWrites["calls"][number] = {
          data: copy,
          length,
          finish: (error) => {
            call.intact = Buffer.compare(view, copy) === 0;
            if (error) reject(error);
            else resolve({ bytesWritten: length });
          },
        };
        this.calls.push(call);
      }),
  } as unknown as FileHandle;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("BatchWriter", () => {
  test("writes every octet in order, whatever the chunk sizes", async () => {
    const path = join(work, "out.bin");
    const handle = await open(path, "w");
    const data = randomBytes(5 * WRITE_BATCH + 12_345);
    const written: number[] = [];
    const writer = new BatchWriter(handle, { onWritten: (octets) => written.push(octets) });
    for (let at = 0; at < data.length;) {
      const size = Math.min(data.length - at, 1 + Math.floor(Math.random() * 300_000));
      await writer.add(data.subarray(at, at + size));
      at += size;
    }
    await writer.finish();
    await handle.close();
    expect(writer.written).toBe(data.length);
    expect(written.reduce((a, b) => a + b, 0)).toBe(data.length);
    expect(Buffer.compare(readFileSync(path), data)).toBe(0);
  });

  test("batches no larger than the expected size (4 KiB at least), and still every octet of a larger file", async () => {
    const path = join(work, "sized.bin");
    const data = randomBytes(25_000);
    for (const [expectedSize, batches] of [
      [10_000, [10_000, 10_000, 5_000]],
      [100, [4096, 4096, 4096, 4096, 4096, 4096, 424]],
      [25_000, [25_000]],
    ] as const) {
      const handle = await open(path, "w");
      const written: number[] = [];
      const writer = new BatchWriter(handle, { expectedSize, onWritten: (octets) => written.push(octets) });
      await writer.add(data.subarray(0, 7_000));
      await writer.add(data.subarray(7_000));
      await writer.finish();
      await handle.close();
      expect(written).toEqual(batches);
      expect(Buffer.compare(readFileSync(path), data)).toBe(0);
    }
  });

  test("fills the next batch while one is being written, and never touches the one being written", async () => {
    const held = new HeldWrites();
    const writer = new BatchWriter(held.handle);
    const first = new Uint8Array(WRITE_BATCH).fill(1);
    await writer.add(first);
    expect(held.calls).toHaveLength(1);
    // The first write is still in flight, and the second batch fills all the same.
    let secondTaken = false;
    const second = writer.add(new Uint8Array(WRITE_BATCH - 1).fill(2)).then(() => {
      secondTaken = true;
    });
    await tick();
    expect(secondTaken).toBe(true);
    // A full second batch must wait for the first write: its buffer is the one to be reused next.
    let thirdTaken = false;
    const third = writer.add(new Uint8Array(2).fill(3)).then(() => {
      thirdTaken = true;
    });
    await tick();
    expect(thirdTaken).toBe(false);
    expect(held.calls).toHaveLength(1);
    held.calls[0]!.finish();
    await third;
    await second;
    expect(held.calls).toHaveLength(2);
    const finishing = writer.finish();
    held.calls[1]!.finish();
    await tick();
    held.calls[2]!.finish();
    await finishing;
    expect(held.calls.map((call) => call.intact)).toEqual([true, true, true]);
    expect(held.calls.map((call) => call.length)).toEqual([WRITE_BATCH, WRITE_BATCH, 1]);
    expect(held.calls[0]!.data.every((octet) => octet === 1)).toBe(true);
    expect(Array.from(held.calls[1]!.data.subarray(-2))).toEqual([2, 3]);
    expect(Array.from(held.calls[2]!.data)).toEqual([3]);
    expect(writer.written).toBe(2 * WRITE_BATCH + 1);
  });

  test("a failed write is reported by the next add() or finish(), and settle() waits for the write in flight", async () => {
    const held = new HeldWrites();
    const writer = new BatchWriter(held.handle);
    await writer.add(new Uint8Array(WRITE_BATCH));
    let settled = false;
    const settling = writer.settle().then(() => {
      settled = true;
    });
    await tick();
    expect(settled).toBe(false);
    held.calls[0]!.finish(Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" }));
    await settling;
    await expect(writer.add(new Uint8Array(WRITE_BATCH))).rejects.toThrow(/ENOSPC/);
    await expect(writer.finish()).rejects.toThrow(/ENOSPC/);
    expect(writer.written).toBe(0);
  });

  test("the simulated full disk fails the first write past the limit", async () => {
    const held = new HeldWrites();
    const writer = new BatchWriter(held.handle, { failWriteAfter: WRITE_BATCH + 10 });
    await writer.add(new Uint8Array(WRITE_BATCH));
    held.calls[0]!.finish();
    await writer.add(new Uint8Array(WRITE_BATCH));
    await expect(writer.finish()).rejects.toThrow(/ENOSPC/);
    expect(held.calls).toHaveLength(1);
    expect(writer.written).toBe(WRITE_BATCH);
  });
});
