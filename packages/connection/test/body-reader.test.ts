import { encodeFrame } from "@sockframe/codec";
import { describe, expect, it } from "vitest";
import { Connection, type StreamedFrame } from "../src/index.ts";
import { rawPeer, streamPair } from "./memory-stream.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads a body to its end: the octets it gave, then "end" or the code it failed with. */
async function readAll(body: ReadableStream<Uint8Array>): Promise<[number, string]> {
  const reader = body.getReader();
  let octets = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return [octets, "end"];
      octets += value.length;
    }
  } catch (error) {
    return [octets, String((error as { code?: string }).code)];
  }
}

async function firstStreamed(connection: Connection): Promise<StreamedFrame> {
  const next = await connection.receiveStreams()[Symbol.asyncIterator]().next();
  if (next.done) throw new Error("no frame");
  return next.value;
}

describe("a streamed body's reader that is behind gets every octet that arrived, then the error", () => {
  it("the peer's FIN inside the body: the octets received, then TRUNCATED", async () => {
    const [a, b] = streamPair();
    const receiver = new Connection(b, { streamBodies: true });
    rawPeer(a);
    const frame = encodeFrame({ id: 1 }, new Uint8Array(1000).fill(7));
    const head = frame.length - 1000;
    await a.write([frame.subarray(0, head + 200)]);
    await a.write([frame.subarray(head + 200, head + 400)]);
    await a.write([frame.subarray(head + 400, head + 600)]);
    const { body } = await firstStreamed(receiver);
    await a.closeWrite();
    await sleep(10); // the reader is behind: three chunks wait in its queue
    expect(await readAll(body)).toEqual([600, "TRUNCATED"]);
    receiver.destroy();
  });

  it("a checksum that does not match: the whole body, then CHECKSUM_MISMATCH in place of its end", async () => {
    const [a, b] = streamPair();
    const receiver = new Connection(b, { streamBodies: true });
    rawPeer(a);
    const frame = encodeFrame({ sha256: "0".repeat(64) }, new Uint8Array(3000).fill(1));
    for (let at = 0; at < frame.length; at += 1000) await a.write([frame.subarray(at, at + 1000)]);
    const { body } = await firstStreamed(receiver);
    await sleep(10);
    expect(await readAll(body)).toEqual([3000, "CHECKSUM_MISMATCH"]);
    receiver.destroy();
  });
});

describe("cancelling a streamed body", () => {
  it("once it has all arrived leaves the connection alone", async () => {
    const [a, b] = streamPair();
    const receiver = new Connection(b, { streamBodies: true });
    const sender = new Connection(a);
    await sender.send({ id: "x" }, new Uint8Array(100));
    const { body } = await firstStreamed(receiver);
    await sleep(10); // all of it has arrived
    await body.cancel();
    await receiver.send({ id: "still open" });
    expect(b.spy.destroyed).toBe(false);
    sender.destroy();
  });

  it("while it is still arriving destroys the connection: its rest cannot be skipped otherwise", async () => {
    const [a, b] = streamPair();
    const receiver = new Connection(b, { streamBodies: true });
    rawPeer(a);
    const frame = encodeFrame({}, new Uint8Array(1000));
    await a.write([frame.subarray(0, 500)]);
    const { body } = await firstStreamed(receiver);
    await body.cancel();
    expect(b.spy.destroyed).toBe(true);
  });
});

describe("streamed frames waiting unread", () => {
  it("count their bodies against maxQueuedBytes: reading pauses, and nothing is lost", async () => {
    const [a, b] = streamPair();
    // Room for the 200 headers (32 times their octets), not for their bodies.
    const receiver = new Connection(b, { streamBodies: true, maxQueuedBytes: 512 * 1024 });
    const sender = new Connection(a);
    // Small bodies, each whole within its stream's queue: only their headers used to count.
    for (let i = 0; i < 200; i++) {
      void sender.send({ id: `f${i}` }, new Uint8Array(8192).fill(i));
      await sleep(0); // a read each
    }
    await sleep(50);
    expect(b.spy.pauses).toBeGreaterThanOrEqual(1);
    let frames = 0;
    let octets = 0;
    for await (const { body } of receiver.receiveStreams()) {
      for await (const chunk of body) octets += chunk.length;
      if (++frames === 200) break;
    }
    expect([frames, octets]).toEqual([200, 200 * 8192]);
    sender.destroy();
  });
});

describe("a source that gives more than announced", () => {
  it("after exactly the announced octets: the frame went out whole, and the connection stays up", async () => {
    const [a, b] = streamPair();
    const sender = new Connection(a);
    const receiver = new Connection(b);
    async function* tooMuch() {
      yield new Uint8Array(10).fill(1);
      yield new Uint8Array(5);
    }
    await expect(sender.sendStream({ id: "s" }, 10, tooMuch())).rejects.toThrow(/the frame went out with the first 10/);
    await sender.send({ id: "after" });
    const seen: unknown[] = [];
    for await (const frame of receiver) {
      seen.push([frame.header.id, frame.body.length]);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([["s", 10], ["after", 0]]);
    expect(a.spy.destroyed).toBe(false);
    sender.destroy();
  });
});
