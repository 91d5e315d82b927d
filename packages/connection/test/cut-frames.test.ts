import { encodeFrame } from "@sockframe/codec";
import { describe, expect, it } from "vitest";
import { type ByteStreamEvents, Connection } from "../src/index.ts";
import { rawPeer, streamPair } from "./memory-stream.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Iterates `connection` to its end: the ids delivered, then "end" or the code it threw. */
async function iterate(connection: Connection): Promise<unknown[]> {
  const seen: unknown[] = [];
  try {
    for await (const frame of connection) seen.push(frame.header.id);
    seen.push("end");
  } catch (error) {
    seen.push((error as { code?: string }).code);
  }
  return seen;
}

// TRUNCATED is the peer's fault: its FIN came inside a frame (SPEC 6.3). A frame cut off by a reset
// or by our own destroy() is lost all the same, but no decode error ended the connection.
describe("a frame cut off by a reset or by destroy() is not reported as TRUNCATED", () => {
  it("our own destroy() with half a frame received", async () => {
    const [a, b] = streamPair();
    const receiver = new Connection(b);
    rawPeer(a);
    await a.write([encodeFrame({ id: 0 }), encodeFrame({ id: 1 }, new Uint8Array(100)).subarray(0, 50)]);
    await sleep(5);
    const iteration = iterate(receiver);
    receiver.destroy();
    const info = await receiver.closed;
    expect(info.protocolError).toBeNull();
    expect(receiver.protocolError).toBeNull();
    expect(await iteration).toEqual([0, "CLOSED"]);
  });

  it("a reset with half a frame received: iteration throws the socket's error", async () => {
    const [a, b] = streamPair();
    const receiver = new Connection(b);
    rawPeer(a);
    await a.write([encodeFrame({ id: 0 }), encodeFrame({ id: 1 }, new Uint8Array(100)).subarray(0, 50)]);
    await sleep(5);
    const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    (b as unknown as { events: ByteStreamEvents }).events.close(reset);
    expect(await iterate(receiver)).toEqual([0, "ECONNRESET"]);
    expect(await receiver.closed).toMatchObject({ protocolError: null, socketError: reset });
  });

  it("a reset at a frame boundary ends the iteration cleanly, as before", async () => {
    const [a, b] = streamPair();
    const receiver = new Connection(b);
    rawPeer(a);
    await a.write([encodeFrame({ id: 0 })]);
    await sleep(5);
    (b as unknown as { events: ByteStreamEvents }).events.close(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }));
    expect(await iterate(receiver)).toEqual([0, "end"]);
  });

  it("the peer's FIN inside a frame is still TRUNCATED", async () => {
    const [a, b] = streamPair();
    const receiver = new Connection(b);
    rawPeer(a);
    await a.write([encodeFrame({ id: 0 }), encodeFrame({ id: 1 }, new Uint8Array(100)).subarray(0, 50)]);
    await a.closeWrite();
    expect(await iterate(receiver)).toEqual([0, "TRUNCATED"]);
    receiver.destroy();
  });
});
