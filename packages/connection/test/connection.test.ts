import { decodeAll, encodeFrame, type SockframeError } from "@sockframe/codec";
import { describe, expect, it } from "vitest";
import { Connection, RemoteError } from "../src/index.ts";
import { rawPeer, streamPair } from "./memory-stream.ts";

const utf8 = new TextEncoder();
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("Connection", () => {
  it("sends frames queued in one tick as one write, and the peer receives them in order", async () => {
    const [a, b] = streamPair();
    const sender = new Connection(a);
    const receiver = new Connection(b);
    const sends = Array.from({ length: 1000 }, (_, i) => sender.send({ id: i }, utf8.encode(`m${i}`)));
    await Promise.all(sends);
    expect(a.spy.writes).toBe(1);
    const ids: unknown[] = [];
    for await (const frame of receiver) {
      ids.push(frame.header.id);
      if (ids.length === 1000) break;
    }
    expect(ids).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it("writes a frame past the high-water mark at once, small ones only after the tick", async () => {
    const [a, b] = streamPair();
    // An afterTick that runs only when the test says: small frames must wait for it, a large one not.
    const held: Array<() => void> = [];
    a.afterTick = (flush) => held.push(flush);
    const sender = new Connection(a, { writeHighWaterMark: 1024 });
    void sender.send({ id: 1 }, utf8.encode("small"));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(a.spy.writes).toBe(0);
    expect(held.length).toBe(1);
    held.shift()!();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(a.spy.writes).toBe(1);
    const large = sender.send({ id: 2 }, new Uint8Array(4096));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(a.spy.writes).toBe(2);
    expect(held.length).toBe(0);
    await large;
    void b;
  });

  it("matches replies to requests by id, in any order, many in flight", async () => {
    const [a, b] = streamPair();
    const client = new Connection(a);
    const server = new Connection(b);
    void (async () => {
      const held: Array<{ id: unknown; body: Uint8Array }> = [];
      for await (const frame of server) {
        held.push({ id: frame.header.id, body: frame.body });
        if (held.length === 50) {
          // Answer in reverse order.
          for (const { id, body } of held.reverse()) void server.send({ id: id as number }, utf8.encode(text(body).toUpperCase()));
          held.length = 0;
        }
      }
    })();
    const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => client.request({}, utf8.encode(`req ${i}`))));
    expect(replies.map((r) => text(r.body))).toEqual(Array.from({ length: 100 }, (_, i) => `REQ ${i}`));
    expect(client.pendingRequests).toBe(0);
  });

  it("lets an adapter read the rest of a large body straight into it, both ways", async () => {
    const [a, b] = streamPair();
    a.readSize = b.readSize = 64 * 1024;
    const client = new Connection(a);
    const server = new Connection(b);
    void (async () => {
      for await (const frame of server) await server.send({ id: frame.header.id }, frame.body.map((octet) => octet ^ 0xff));
    })();
    const bodies = [1024 * 1024, 300_000, 70_000].map((size) => Uint8Array.from({ length: size }, (_, i) => (i * 7) & 0xff));
    const replies = await Promise.all(bodies.map((body) => client.request({}, body)));
    replies.forEach((reply, i) => {
      expect(reply.body.length).toBe(bodies[i]!.length);
      expect(reply.body.every((octet, at) => octet === (bodies[i]![at]! ^ 0xff))).toBe(true);
    });
    // Most of each body went straight in: three quarters of each, less what a read carried past the quarter.
    for (const end of [a, b]) expect(end.direct).toBeGreaterThan(1024 * 1024 * 0.6);
    await client.close();
  });

  it("rejects a request answered with an error frame", async () => {
    const [a, b] = streamPair();
    const client = new Connection(a);
    const server = new Connection(b);
    void (async () => {
      for await (const frame of server) void server.send({ id: frame.header.id as number, error: { code: "NOPE", message: "refused" } });
    })();
    await expect(client.request({})).rejects.toBeInstanceOf(RemoteError);
  });

  it("on a protocol error: delivers earlier frames, throws, sends the error frame, and closes", async () => {
    const [a, b] = streamPair();
    const server = new Connection(b);
    const peer = rawPeer(a);
    await a.write([encodeFrame({ id: 1 }), new Uint8Array([0, 0, 0, 2, 0x7b, 0x7d, 9, 9])]);
    const seen: unknown[] = [];
    let failure: SockframeError | undefined;
    try {
      for await (const frame of server) seen.push(frame.header.id);
    } catch (error) {
      failure = error as SockframeError;
    }
    expect(seen).toEqual([1]);
    expect(failure).toMatchObject({ code: "HEADER_INVALID", stage: "header" });
    await peer.ended;
    const { frames } = decodeAll(peer.received());
    expect(frames[0]!.header.error).toMatchObject({ code: "HEADER_INVALID" });
    expect(b.spy.finSent).toBe(true);
    expect(server.protocolError?.code).toBe("HEADER_INVALID");
  });

  it("pauses reading while incoming frames pile up unread, and resumes when they are read", async () => {
    const [a, b] = streamPair();
    const sender = new Connection(a);
    const receiver = new Connection(b, { maxQueuedFrames: 10 });
    await Promise.all(Array.from({ length: 100 }, (_, i) => sender.send({ id: i })));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(b.spy.pauses).toBeGreaterThan(0);
    let count = 0;
    for await (const _ of receiver) if (++count === 100) break;
    expect(b.spy.resumes).toBeGreaterThan(0);
  });

  it("streams bodies both ways: sendStream from an async iterable, receiveStreams as ReadableStreams", async () => {
    const [a, b] = streamPair();
    const sender = new Connection(a);
    const receiver = new Connection(b, { streamBodies: true });
    async function* source() {
      for (let i = 0; i < 64; i++) yield new Uint8Array(16 * 1024).fill(i);
    }
    const sent = sender.sendStream({ filename: "big" }, 64 * 16 * 1024, source());
    for await (const frame of receiver.receiveStreams()) {
      expect(frame.header).toMatchObject({ filename: "big", total_size: 1 << 20 });
      let size = 0;
      let last = -1;
      for await (const chunk of frame.body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.length;
        last = chunk[chunk.length - 1]!;
      }
      expect(size).toBe(1 << 20);
      expect(last).toBe(63);
      break;
    }
    await sent;
  });

  it("aborts the connection when a streamed body does not match its announced size", async () => {
    const [a] = streamPair();
    const sender = new Connection(a);
    async function* short() {
      yield new Uint8Array(10);
    }
    await expect(sender.sendStream({}, 20, short())).rejects.toThrow(/ended after 10 of the announced 20/);
    expect(a.spy.destroyed).toBe(true);
  });

  it("close() flushes, sends FIN and resolves closed", async () => {
    const [a, b] = streamPair();
    const client = new Connection(a);
    const server = new Connection(b);
    void client.send({ id: "last" });
    const closing = client.close();
    const ids: unknown[] = [];
    for await (const frame of server) ids.push(frame.header.id);
    expect(ids).toEqual(["last"]);
    await server.close();
    await closing;
    expect(await client.closed).toEqual({ protocolError: null, socketError: null });
  });

  it("resumes reading after a streamed body that ended with its queue full", async () => {
    const [a, b] = streamPair();
    const sender = new Connection(a);
    const receiver = new Connection(b, { streamBodies: true });
    await sender.send({ id: 1 }, new Uint8Array(64 * 1024));
    const frames = receiver.receiveStreams()[Symbol.asyncIterator]();
    const first = await frames.next();
    await new Promise((resolve) => setTimeout(resolve, 20)); // the body is complete, unread
    await sender.send({ id: 2 });
    const second = frames.next();
    const reader = first.value!.body.getReader();
    while (!(await reader.read()).done);
    expect((await second).value?.header.id).toBe(2);
  });

  it("close() does not wait for its timeout when reading was paused", async () => {
    const [a, b] = streamPair();
    const sender = new Connection(a);
    const receiver = new Connection(b, { maxQueuedFrames: 2, closeTimeoutMs: 10_000 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => sender.send({ id: i })));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(b.spy.pauses).toBe(1);
    const started = Date.now();
    const closing = receiver.close();
    await sender.close();
    await closing;
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
