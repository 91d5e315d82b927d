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
