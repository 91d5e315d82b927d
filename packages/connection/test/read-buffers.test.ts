import { describe, expect, it } from "vitest";
import { READ_SIZE, ReadBuffers } from "../src/index.ts";

describe("ReadBuffers", () => {
  const events = { data: () => undefined, end: () => undefined, close: () => undefined };

  it("reads into the same buffer again only when the connection kept nothing of the last read", () => {
    const buffers = new ReadBuffers();
    const first = buffers.next(events);
    const large = READ_SIZE / 2;
    const seen: Uint8Array[] = [];
    buffers.deliver(events, first, large, (chunk) => void seen.push(chunk));
    const second = buffers.next(events);
    expect(second).not.toBe(first);
    expect(seen[0]!.buffer).toBe(first.buffer);

    buffers.deliver(events, second, large, () => true);
    expect(buffers.next(events)).toBe(second);
  });

  it("copies a small read out and keeps its buffer, whatever the connection keeps", () => {
    const buffers = new ReadBuffers();
    const buffer = buffers.next(events);
    buffer.set([1, 2, 3]);
    let chunk: Uint8Array | undefined;
    buffers.deliver(events, buffer, 3, (received) => void (chunk = received));
    expect(chunk).toEqual(new Uint8Array([1, 2, 3]));
    expect(chunk!.buffer).not.toBe(buffer.buffer);
    expect(buffers.next(events)).toBe(buffer);
  });
});
