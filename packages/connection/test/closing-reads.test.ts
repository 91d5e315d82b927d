import { decodeAll, encodeFrame } from "@sockframe/codec";
import { describe, expect, it } from "vitest";
import { Connection, type Listener, RemoteError, Server } from "../src/index.ts";
import { rawPeer, streamPair } from "./memory-stream.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Holds every write of `end` until the returned function is called: a peer slow to read, on cue. */
function holdWrites(end: { write: (chunks: readonly Uint8Array[]) => Promise<void> }): () => void {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const write = end.write.bind(end);
  end.write = async (chunks) => {
    await held;
    return write(chunks);
  };
  return release;
}

const listener: Listener = { address: { transport: "tcp", host: "127.0.0.1", port: 1 }, close: async () => undefined };

describe("a close reads on to the peer's FIN", () => {
  it("when the handler returned with frames unread: its connection closes at the peer's FIN, not after closeTimeoutMs", async () => {
    let served!: Connection;
    let returnHandler!: () => void;
    const handlerReturned = new Promise<void>((resolve) => (returnHandler = resolve));
    const server = new Server(listener, async (connection) => {
      served = connection;
      await handlerReturned; // reads nothing
    }, { maxQueuedFrames: 4, closeTimeoutMs: 4000 });
    const [a, b] = streamPair();
    server.accept(b);
    const client = new Connection(a);
    for (let i = 0; i < 200; i++) {
      void client.send({ id: `u${i}` }, new Uint8Array(100));
      await sleep(0); // each frame in a write of its own
    }
    const clientClosed = client.close();
    await sleep(50);
    const started = Date.now();
    returnHandler();
    await served.closed;
    expect(Date.now() - started).toBeLessThan(2000);
    // Unread, dropped, counted: those queued when the handler returned, and those read after.
    expect(served.discardedFrames).toBe(200);
    await clientClosed;
    await server.close();
  });

  it("when the handler threw with a streamed body unread: the rest of the body is read and dropped", async () => {
    let served!: Connection;
    const server = new Server(listener, async (connection) => {
      served = connection;
      for await (const _frame of connection.receiveStreams()) throw new Error("handler bug");
    }, { closeTimeoutMs: 4000, onHandlerError: () => undefined });
    const [a, b] = streamPair();
    server.accept(b, { streamBodies: true });
    const client = new Connection(a);
    const chunk = new Uint8Array(64 * 1024);
    async function* body() {
      for (let i = 0; i < 64; i++) yield chunk;
    }
    const started = Date.now();
    await client.sendStream({}, 64 * chunk.length, body());
    await client.close();
    await served.closed;
    expect(Date.now() - started).toBeLessThan(2000);
    await server.close();
  });
});

describe("frames that arrive while a stopped connection flushes its close are refused, not dropped", () => {
  it("each gets a SHUTTING_DOWN error frame ahead of the FIN", async () => {
    const [a, b] = streamPair();
    const served = new Connection(b, { accepted: true, closeTimeoutMs: 200 }); // the raw peer never closes
    const peer = rawPeer(a);
    const release = holdWrites(b); // a reply still being written holds the close's flush
    void served.send({ id: "slow" }, new Uint8Array(1000));
    served.stopReceiving();
    const closing = served.close();
    await a.write([encodeFrame({ id: 1 }), encodeFrame({ id: 2 })]);
    await sleep(10); // delivered, and refused
    release();
    await closing;
    await peer.ended;
    const replies = decodeAll(peer.received()).frames.map((frame) => [frame.header.id, (frame.header.error as { code?: string } | undefined)?.code]);
    expect(replies).toEqual([["slow", undefined], [1, "SHUTTING_DOWN"], [2, "SHUTTING_DOWN"]]);
    expect([served.refusedFrames, served.discardedFrames]).toEqual([2, 0]);
  });

  it("a client's requests then reject with RemoteError SHUTTING_DOWN: not processed, safe to retry", async () => {
    const [a, b] = streamPair();
    const served = new Connection(b, { accepted: true });
    const client = new Connection(a);
    const release = holdWrites(b);
    void served.send({ id: "slow" }, new Uint8Array(1000));
    served.stopReceiving();
    const closing = served.close();
    const failing = client.request({}).catch((error: unknown) => error);
    await sleep(10);
    release();
    const failure = await failing;
    expect(failure).toBeInstanceOf(RemoteError);
    expect((failure as RemoteError).code).toBe("SHUTTING_DOWN");
    await client.close();
    await closing;
  });
});
