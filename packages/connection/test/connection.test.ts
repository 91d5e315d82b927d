import { decodeAll, encodeFrame, type SockframeError } from "@sockframe/codec";
import { describe, expect, it } from "vitest";
import { Connection, ConnectionClosedError, RemoteError, STREAM_READ_SIZE } from "../src/index.ts";
import { rawPeer, streamPair } from "./memory-stream.ts";

const utf8 = new TextEncoder();
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** A 20-octet body source that gives 10 octets, then nothing until `release()` (a disk that hangs), then the rest. */
function stallingSource(): { source: AsyncGenerator<Uint8Array>; release: () => void } {
  let release!: () => void;
  const stalled = new Promise<void>((resolve) => (release = resolve));
  async function* source() {
    yield new Uint8Array(10);
    await stalled;
    yield new Uint8Array(10);
  }
  return { source: source(), release };
}

describe("Connection", () => {
  it("sends frames queued in one tick as one write, and the peer receives them in order", async () => {
    const [a, b] = streamPair();
    const sender = new Connection(a);
    const receiver = new Connection(b);
    const sends = Array.from({ length: 1000 }, (_, i) => sender.send({ id: i }, utf8.encode(`m${i}`)));
    await Promise.all(sends);
    expect(a.spy.writes).toBe(1);
    // Encoded into shared slabs: a handful of chunks, not a header and a body per frame.
    expect(a.spy.chunksWritten).toBeLessThanOrEqual(10);
    const ids: unknown[] = [];
    for await (const frame of receiver) {
      ids.push(frame.header.id);
      if (ids.length === 1000) break;
    }
    expect(ids).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it("reuses the memory of its writes only once they are done, across connections sharing it", async () => {
    // Writes that read their octets 2 ms late, as a kernel would: a slab reused too early sends
    // another frame's octets. Two connections at once, since spare slabs are shared.
    const pairs = [streamPair(), streamPair()];
    const received = pairs.map(([a, b]) => {
      a.writeDelayMs = 2;
      const sender = new Connection(a);
      const receiver = new Connection(b);
      return { sender, receiver };
    });
    const expected = (pair: number, i: number) => utf8.encode(`${pair}:${i}:`.padEnd(10 + ((i * 7) % 90), String.fromCharCode(97 + (i % 26))));
    const sent = received.map(async ({ sender }, pair) => {
      for (let round = 0; round < 20; round++) {
        // Some frames in this tick, some in later ticks while earlier writes are still pending.
        for (let i = round * 50; i < round * 50 + 50; i++) void sender.send({ id: i }, expected(pair, i));
        await new Promise((resolve) => setTimeout(resolve, round % 3));
      }
    });
    await Promise.all(sent);
    await Promise.all(
      received.map(async ({ receiver }, pair) => {
        let i = 0;
        for await (const frame of receiver) {
          expect(frame.header.id).toBe(i);
          expect(text(frame.body)).toBe(text(expected(pair, i)));
          if (++i === 1000) break;
        }
      }),
    );
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

  it("reuses released bodies' memory, and not before the octets sent from it were written", async () => {
    const [a, b] = streamPair();
    a.readSize = b.readSize = 64 * 1024;
    // The server's replies leave 100 ms after each write, read from its buffers only then, and
    // its send() resolves at once (the high-water mark is far off): release() comes right after.
    b.writeDelayMs = 100;
    const client = new Connection(a);
    const server = new Connection(b, { writeHighWaterMark: 64 * 1024 * 1024 });
    const serverBodies = new Set<ArrayBufferLike>();
    let arrived = () => undefined as void;
    void (async () => {
      for await (const { header, body } of server) {
        serverBodies.add(body.buffer);
        arrived();
        await server.send({ id: header.id }, body);
        server.release(body);
      }
      await server.close();
    })();
    const MiB = 1024 * 1024;
    const clientBodies = new Set<ArrayBufferLike>();
    const echo = async (n: number) => {
      const reply = await client.request({}, new Uint8Array(MiB).fill(n));
      expect(reply.body.length).toBe(MiB);
      expect(reply.body.every((octet) => octet === n)).toBe(true);
      clientBodies.add(reply.body.buffer);
      client.release(reply.body);
    };
    for (const round of [0, 1]) {
      // Each request reaches the server after it released the body before, while that body's
      // reply still waits to leave: reusing its memory now would send the new body back instead.
      const replies = [];
      for (let n = 1; n <= 4; n++) {
        const received = new Promise<void>((resolve) => (arrived = resolve));
        replies.push(echo(round * 4 + n));
        await received;
      }
      await Promise.all(replies);
    }
    // Eight bodies each way: the second four reuse the memory of the first (fails if nothing is reused).
    expect(serverBodies.size).toBe(4);
    expect(clientBodies.size).toBeLessThan(8);
    await client.close();
  });

  it("tells the adapter which reads it kept nothing of, and never one it still needs", async () => {
    // Every read the connection calls unused is overwritten at once: a body still viewing it
    // would come back as 0xEE (the bodies hold octets below 0x80).
    const sizes = [0, 1, 64, 4000, 70_000, 300_000, 1024 * 1024, 64, 5, 200_000];
    const bodies = sizes.map((size, n) => Uint8Array.from({ length: size }, (_, i) => (i * 31 + n) & 0x7f));
    let unused = 0;
    for (const readSize of [0, 1000, 16 * 1024, 64 * 1024, 700_000]) {
      for (const release of [false, true]) {
        const [a, b] = streamPair();
        a.readSize = b.readSize = readSize;
        a.poisonUnused = b.poisonUnused = true;
        const client = new Connection(a);
        const server = new Connection(b);
        void (async () => {
          for await (const { header, body } of server) {
            await server.send({ id: header.id }, body);
            if (release) server.release(body);
          }
          await server.close();
        })();
        // Twice: the second time into released memory, where bodies are gathered from the first octet.
        for (const _round of [0, 1]) {
          const replies = await Promise.all(bodies.map((body) => client.request({}, body)));
          replies.forEach((reply, i) => {
            expect(reply.body.length).toBe(sizes[i]);
            expect(reply.body.every((octet, at) => octet === bodies[i]![at])).toBe(true);
          });
          if (release) for (const reply of replies) client.release(reply.body);
        }
        unused += a.unusedReads + b.unusedReads;
        await client.close();
      }
    }
    expect(unused).toBeGreaterThan(100);
  });

  it("keeps reads that frames are views of, that hold a partial frame, or that streamed bodies came from", () => {
    const frames = encodeFrame({}, new Uint8Array([1, 2, 3]));
    const emptyBody = encodeFrame({}, new Uint8Array(0));
    const unusedAfter = (chunk: Uint8Array, streamBodies: boolean) => {
      const [, end] = streamPair();
      void new Connection(end, { streamBodies });
      end.deliver(chunk);
      return end.unusedReads;
    };
    expect(unusedAfter(frames, false)).toBe(0);
    expect(unusedAfter(emptyBody.subarray(0, 6), false)).toBe(0);
    expect(unusedAfter(emptyBody, true)).toBe(0);
    expect(unusedAfter(emptyBody, false)).toBe(1);
    // A read that lies wholly inside a body being gathered is copied into it, nothing kept.
    const [, end] = streamPair();
    void new Connection(end);
    const large = encodeFrame({}, new Uint8Array(256 * 1024).fill(7));
    const reads = Math.ceil(large.length / (64 * 1024));
    for (let at = 0; at < large.length; at += 64 * 1024) end.deliver(large.slice(at, at + 64 * 1024));
    // The first read, with the header, holds just under a quarter of the body: it waits in the
    // queue (kept); the rest go straight into the body, and the first is copied in with the second.
    expect(end.unusedReads).toBe(reads - 1);
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

  describe("requests given up on (RequestOptions.signal)", () => {
    /** A server that holds every request until told to answer all of them. */
    function heldServer(server: Connection) {
      const held: Array<{ id: number; body: Uint8Array }> = [];
      let arrived: () => void = () => undefined;
      void (async () => {
        for await (const frame of server) {
          held.push({ id: frame.header.id as number, body: frame.body });
          arrived();
        }
      })();
      return {
        held,
        until: (count: number) =>
          new Promise<void>((resolve) => {
            arrived = () => held.length >= count && resolve();
            arrived();
          }),
        answerAll: async () => {
          for (const { id, body } of held.splice(0)) await server.send({ id }, body);
        },
      };
    }

    it("rejects with the signal's reason; the reply that comes later is dropped and counted, later requests still work", async () => {
      const [a, b] = streamPair();
      const client = new Connection(a);
      const server = heldServer(new Connection(b));
      const controller = new AbortController();
      const given = client.request({}, utf8.encode("slow"), { signal: controller.signal });
      await server.until(1);
      controller.abort(new Error("gave up"));
      await expect(given).rejects.toThrow("gave up");
      expect(client.pendingRequests).toBe(0);
      const next = client.request({}, utf8.encode("next"));
      await server.until(2);
      await server.answerAll();
      expect(text((await next).body)).toBe("next");
      expect(client.lateReplies).toBe(1);
      // The late reply did not surface as an incoming frame either.
      await client.send({ marker: true });
      const incoming = client[Symbol.asyncIterator]();
      void server; // the held server answers nothing else
      const first = await Promise.race([incoming.next(), new Promise((resolve) => setTimeout(() => resolve("nothing"), 50))]);
      expect(first).toBe("nothing");
    });

    it("an already aborted signal rejects at once and sends nothing", async () => {
      const [a] = streamPair();
      const client = new Connection(a);
      const reason = new Error("too late");
      await expect(client.request({}, undefined, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(a.spy.writes).toBe(0);
      expect(client.pendingRequests).toBe(0);
    });

    it("AbortSignal.timeout rejects with a TimeoutError; a reply in time is unaffected by its signal", async () => {
      const [a, b] = streamPair();
      const client = new Connection(a);
      const server = heldServer(new Connection(b));
      const timedOut = client.request({}, utf8.encode("x"), { signal: AbortSignal.timeout(20) });
      await expect(timedOut).rejects.toMatchObject({ name: "TimeoutError" });
      const controller = new AbortController();
      const inTime = client.request({}, utf8.encode("y"), { signal: controller.signal });
      await server.until(2);
      await server.answerAll();
      expect(text((await inTime).body)).toBe("y");
      controller.abort();
      expect(client.lateReplies).toBe(1);
    });
  });

  describe("requestStream (streamBodies: true)", () => {
    it("resolves with the reply's header and its body as a stream; incoming frames stay apart", async () => {
      const [a, b] = streamPair();
      const client = new Connection(a, { streamBodies: true });
      const server = new Connection(b);
      void (async () => {
        for await (const frame of server) {
          await server.send({ kind: "unsolicited" }, utf8.encode("push"));
          await server.send({ id: frame.header.id as number }, utf8.encode(text(frame.body).repeat(3)));
        }
      })();
      const reply = await client.requestStream({}, utf8.encode("ab"));
      expect(reply.header.total_size).toBe(6);
      expect(text(new Uint8Array(await new Response(reply.body).arrayBuffer()))).toBe("ababab");
      const incoming = client.receiveStreams()[Symbol.asyncIterator]();
      const pushed = (await incoming.next()).value!;
      expect(pushed.header.kind).toBe("unsolicited");
      expect(text(new Uint8Array(await new Response(pushed.body).arrayBuffer()))).toBe("push");
    });

    it("rejects with RemoteError on an error frame, and honours a signal like request()", async () => {
      const [a, b] = streamPair();
      const client = new Connection(a, { streamBodies: true });
      const server = new Connection(b);
      let answer = true;
      void (async () => {
        for await (const frame of server) {
          if (answer) void server.send({ id: frame.header.id as number, error: { code: "NOPE", message: "refused" } });
          answer = false;
        }
      })();
      await expect(client.requestStream({})).rejects.toBeInstanceOf(RemoteError);
      await expect(client.requestStream({}, undefined, { signal: AbortSignal.timeout(20) })).rejects.toMatchObject({ name: "TimeoutError" });
    });

    it("each mode refuses the other's method with a TypeError that names the right one", async () => {
      const [a, b] = streamPair();
      await expect(new Connection(a, { streamBodies: true }).request({})).rejects.toThrow(/requestStream/);
      await expect(new Connection(b).requestStream({})).rejects.toThrow(/request\(\)/);
    });
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

  describe("the frames delivered before a protocol error are answered ahead of its error frame", () => {
    const good = encodeFrame({ id: 7 }, utf8.encode("ok"));
    const bad = [Uint8Array.of(0, 0, 0, 4), utf8.encode("nope")];

    /** A handler answering each frame, fed a good frame and a bad one, in one read or two. */
    async function exchange(oneRead: boolean, handlerDelayMs: number): Promise<unknown[]> {
      const [a, b] = streamPair();
      const server = new Connection(b);
      const peer = rawPeer(a);
      const handled = (async () => {
        try {
          for await (const frame of server) {
            await new Promise((resolve) => setTimeout(resolve, handlerDelayMs));
            await server.send({ id: frame.header.id }, utf8.encode("reply"));
          }
        } catch (error) {
          return error;
        }
      })();
      if (oneRead) await a.write([good, ...bad]);
      else {
        await a.write([good]);
        await new Promise((resolve) => setTimeout(resolve, 2));
        await a.write(bad);
      }
      expect(await handled).toMatchObject({ code: "HEADER_INVALID_JSON", stage: "header" });
      await peer.ended;
      return decodeAll(peer.received()).frames.map((frame) => (frame.header.error as { code?: string } | undefined)?.code ?? frame.header.id);
    }

    it("whether the bad frame came in the same read or a later one", async () => {
      expect(await exchange(true, 0)).toEqual([7, "HEADER_INVALID_JSON"]);
      expect(await exchange(false, 0)).toEqual([7, "HEADER_INVALID_JSON"]);
    });

    it("while the handler takes its time over a frame taken before the bad one arrived", async () => {
      expect(await exchange(false, 20)).toEqual([7, "HEADER_INVALID_JSON"]);
    });

    it("while the handler reads them slowly: the grace restarts with each frame it takes", async () => {
      const [a, b] = streamPair();
      const server = new Connection(b, { accepted: true, closeTimeoutMs: 100 }); // a grace of 100 ms
      const peer = rawPeer(a);
      const handled = (async () => {
        try {
          for await (const frame of server) {
            await new Promise((resolve) => setTimeout(resolve, 60)); // 6 frames: 360 ms in all
            await server.send({ id: frame.header.id });
          }
        } catch {
          // the decode error, once the six are answered
        }
      })();
      await a.write([...Array.from({ length: 6 }, (_, i) => encodeFrame({ id: i + 1 })), ...bad]);
      await handled;
      await peer.ended;
      const received = decodeAll(peer.received()).frames.map((frame) => (frame.header.error as { code?: string } | undefined)?.code ?? frame.header.id);
      expect(received).toEqual([1, 2, 3, 4, 5, 6, "HEADER_INVALID_JSON"]);
    });

    it("but a connection nobody reads sends its error frame after a short grace, and refuses requests meanwhile", async () => {
      const [a, b] = streamPair();
      const client = new Connection(b, { closeTimeoutMs: 300 });
      const peer = rawPeer(a);
      let ended = false;
      void peer.ended.then(() => (ended = true));
      await a.write([good, ...bad]);
      await new Promise((resolve) => setTimeout(resolve, 5));
      await expect(client.request({})).rejects.toMatchObject({ code: "HEADER_INVALID_JSON" });
      // The grace (300 ms here) is waited out: the frame before the error might still be answered.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(ended).toBe(false);
      await peer.ended;
      expect(decodeAll(peer.received()).frames.map((frame) => (frame.header.error as { code?: string }).code)).toEqual(["HEADER_INVALID_JSON"]);
    });
  });

  it("refuses what it cannot carry out with a ConnectionClosedError whose code says why", async () => {
    const [a, b] = streamPair();
    const client = new Connection(a);
    rawPeer(b);
    // Asked before the peer closed, then after.
    const waiting = client.request({}).catch((error: unknown) => error);
    await b.closeWrite();
    await client.peerEnded;
    expect(await waiting).toMatchObject({ name: "ConnectionClosedError", code: "PEER_CLOSED" });
    await expect(client.request({})).rejects.toMatchObject({ code: "PEER_CLOSED" });
    // A stream cut short by destroy(), and what was called after it.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const streaming = client.sendStream({}, 20, (async function* () {
      yield new Uint8Array(10);
      await held;
      yield new Uint8Array(10);
    })()).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 5));
    client.destroy();
    release();
    expect(await streaming).toMatchObject({ code: "CLOSED" });
    const after = await client.send({}).catch((error: unknown) => error);
    expect(after).toBeInstanceOf(ConnectionClosedError);
    expect(after).toMatchObject({ code: "CLOSING" });
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

  describe("sendStream's onWritten", () => {
    const CHUNK = 16 * 1024;
    const COUNT = 64;

    /** Receives one streamed body and checks that octet p is the number of its chunk, p / CHUNK. */
    async function receiveNumbered(receiver: Connection): Promise<number> {
      for await (const frame of receiver.receiveStreams()) {
        let at = 0;
        for await (const chunk of frame.body as unknown as AsyncIterable<Uint8Array>) {
          for (let i = 0; i < chunk.length; i++, at++) {
            if (chunk[i] !== Math.floor(at / CHUNK)) throw new Error(`octet ${at} is ${chunk[i]}, sent as ${Math.floor(at / CHUNK)}`);
          }
        }
        return at;
      }
      return -1;
    }

    it("reports each chunk, in order, only once its write is done: a sender refilling two buffers sends the right octets", async () => {
      const [a, b] = streamPair();
      // The octets are read 5 ms after each write, as a kernel copies them: a buffer refilled
      // sooner would go out changed.
      a.writeDelayMs = 5;
      const sender = new Connection(a, { writeHighWaterMark: 32 * 1024 });
      const receiver = new Connection(b, { streamBodies: true });
      const free: Uint8Array[] = [new Uint8Array(CHUNK), new Uint8Array(CHUNK)];
      let allocated = free.length;
      const reported: number[] = [];
      async function* numbered() {
        for (let i = 0; i < COUNT; i++) {
          let buffer = free.pop();
          if (buffer === undefined) {
            buffer = new Uint8Array(CHUNK);
            allocated++;
          }
          yield buffer.fill(i);
        }
      }
      const onWritten = (chunk: Uint8Array) => {
        reported.push(chunk[0]!);
        // As a refill would, at once.
        chunk.fill(0xee);
        free.push(chunk);
      };
      const [received] = await Promise.all([receiveNumbered(receiver), sender.sendStream({}, CHUNK * COUNT, numbered(), { onWritten })]);
      expect(received).toBe(CHUNK * COUNT);
      expect(reported).toEqual(Array.from({ length: COUNT }, (_, i) => i));
      // Bounded by the high-water mark, not by the body's length.
      expect(allocated).toBeLessThanOrEqual(4);
    });

    it("does not let an exception of onWritten affect the connection: it is reported as uncaught", async () => {
      const [a, b] = streamPair();
      const sender = new Connection(a);
      const receiver = new Connection(b, { streamBodies: true });
      const uncaught: unknown[] = [];
      const listeners = process.listeners("uncaughtException");
      process.removeAllListeners("uncaughtException");
      process.on("uncaughtException", (error) => uncaught.push(error));
      try {
        async function* numbered() {
          for (let i = 0; i < 4; i++) yield new Uint8Array(CHUNK).fill(i);
        }
        const onWritten = () => {
          throw new Error("thrown by onWritten");
        };
        const [received] = await Promise.all([receiveNumbered(receiver), sender.sendStream({}, CHUNK * 4, numbered(), { onWritten })]);
        expect(received).toBe(CHUNK * 4);
        await sender.send({ after: true });
        await new Promise((resolve) => setTimeout(resolve, 10));
      } finally {
        process.removeAllListeners("uncaughtException");
        for (const listener of listeners) process.on("uncaughtException", listener);
      }
      expect(uncaught).toHaveLength(4);
      expect((uncaught[0] as Error).message).toBe("thrown by onWritten");
    });
  });

  describe("buffers for a streamed body's reads", () => {
    const frame = encodeFrame({}, new Uint8Array(1_000_000));

    it("gives its adapter one while more than a few KiB of a streamed body are to come, none for buffered bodies", () => {
      const [, b] = streamPair();
      new Connection(b, { streamBodies: true });
      expect(b.events!.freshBuffer!()).toBeNull();
      b.deliver(frame.subarray(0, 100_000));
      expect(b.events!.freshBuffer!()!.length).toBe(STREAM_READ_SIZE);
      b.deliver(frame.subarray(100_000, frame.length - 20_000));
      expect(b.events!.freshBuffer!()!.length).toBe(20_000);
      b.deliver(frame.subarray(frame.length - 20_000, frame.length - 1000));
      expect(b.events!.freshBuffer!()).toBeNull();

      const [, c] = streamPair();
      new Connection(c);
      c.deliver(frame.subarray(0, 100_000));
      expect(c.events!.freshBuffer!()).toBeNull();
    });

    /** A streamed-body connection whose adapter reads the body into the buffers it is given, as Node's and Deno's do. */
    async function receiving(): Promise<{ b: ReturnType<typeof streamPair>[1]; connection: Connection; reader: ReadableStreamDefaultReader<Uint8Array> }> {
      const [, b] = streamPair();
      const connection = new Connection(b, { streamBodies: true });
      b.deliver(frame.subarray(0, 100_000));
      const next = await connection.receiveStreams()[Symbol.asyncIterator]().next();
      const reader = next.value!.body.getReader();
      await reader.read();
      return { b, connection, reader };
    }

    /** Reads `count` octets of the frame, from `at`, into the connection's buffer; returns that buffer. */
    function readInto(b: ReturnType<typeof streamPair>[1], at: number, count: number): Uint8Array {
      const buffer = b.events!.freshBuffer!()!;
      buffer.set(frame.subarray(at, at + count));
      b.events!.data(buffer.subarray(0, count));
      return buffer;
    }

    it("takes back a chunk that is all of a read into one, and gives that memory out for a later read", async () => {
      const { b, connection, reader } = await receiving();
      const buffer = readInto(b, 100_000, STREAM_READ_SIZE);
      const { value: chunk } = await reader.read();
      expect(chunk!.buffer).toBe(buffer.buffer);
      expect(chunk).toEqual(frame.subarray(100_000, 100_000 + STREAM_READ_SIZE));
      connection.release(chunk!);
      expect(b.events!.freshBuffer!()!.buffer).toBe(buffer.buffer);
      // Once only.
      connection.release(chunk!);
      expect(b.events!.freshBuffer!()!.buffer).not.toBe(buffer.buffer);
    });

    it("cuts memory given out again to the rest of the body, so that a read never takes in the next frame", async () => {
      const { b, connection, reader } = await receiving();
      const buffer = readInto(b, 100_000, STREAM_READ_SIZE);
      const { value: chunk } = await reader.read();
      connection.release(chunk!);
      const end = frame.length - 30_000;
      b.deliver(frame.subarray(100_000 + STREAM_READ_SIZE, end));
      const tail = readInto(b, end, 30_000);
      expect(tail.buffer).toBe(buffer.buffer);
      expect(tail.length).toBe(30_000);
      // The tail read is a chunk of its own, taken back whole: its memory goes out again.
      let last: Uint8Array | undefined;
      for (let r = await reader.read(); !r.done; r = await reader.read()) last = r.value;
      expect(last!.buffer).toBe(buffer.buffer);
      connection.release(last!);
      b.deliver(frame.subarray(0, 100_000));
      expect(b.events!.freshBuffer!()!.buffer).toBe(buffer.buffer);
    });

    it("frees a chunk that is all of a read into memory of its own once handed back and written", async () => {
      const { b, connection, reader } = await receiving();
      // As Bun reads: a buffer of the runtime's own per read.
      b.deliver(frame.slice(100_000, 200_000));
      const { value: chunk } = await reader.read();
      expect(chunk!.byteLength).toBe(100_000);
      // Sent on (the octets leave 20 ms after the write, as a kernel copies them late), and handed
      // back once sendStream() has queued it: kept until written.
      b.writeDelayMs = 20;
      let afterRelease = -1;
      await connection.sendStream({}, chunk!.length, (async function* () {
        yield chunk!;
        connection.release(chunk!);
        afterRelease = chunk!.byteLength;
      })());
      expect(afterRelease).toBe(100_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(chunk!.buffer.byteLength).toBe(0);
      // Not memory of ours: it does not take later reads.
      expect(b.events!.freshBuffer!()!.buffer).not.toBe(chunk!.buffer);
    });

    it("ignores chunks that are not all of a read into its own buffer", async () => {
      const { b, connection, reader } = await receiving();
      // A chunk of a read the adapter made into memory of its own, and an array from elsewhere.
      b.deliver(frame.subarray(100_000, 200_000));
      const { value: foreign } = await reader.read();
      connection.release(foreign!);
      connection.release(new Uint8Array(STREAM_READ_SIZE));
      expect(b.events!.freshBuffer!()!.buffer).not.toBe(foreign!.buffer);

      // A read into a buffer the connection gave out earlier, when more of the body was to come,
      // that holds the body's last octets and the start of the next frame: the body's chunk is only
      // part of it, and the rest is still the decoder's.
      const whole = readInto(b, 200_000, STREAM_READ_SIZE);
      const { value: wholeChunk } = await reader.read();
      connection.release(wholeChunk!);
      const shared = b.events!.freshBuffer!()!;
      expect(shared.buffer).toBe(whole.buffer);
      expect(shared.length).toBe(STREAM_READ_SIZE);
      const end = frame.length - 30_000;
      b.deliver(frame.subarray(200_000 + STREAM_READ_SIZE, end));
      const next = encodeFrame({}, new Uint8Array(1_000_000));
      shared.set(frame.subarray(end));
      shared.set(next.subarray(0, 100_000), 30_000);
      b.events!.data(shared.subarray(0, 130_000));
      let last: Uint8Array | undefined;
      for (let r = await reader.read(); !r.done; r = await reader.read()) last = r.value;
      expect(last!.buffer).toBe(shared.buffer);
      expect(last!.length).toBe(30_000);
      connection.release(last!);
      expect(b.events!.freshBuffer!()!.buffer).not.toBe(shared.buffer);
    });

    it("takes a chunk sent on back only once the octets queued before the release were written", async () => {
      const [a, b] = streamPair();
      const connection = new Connection(b, { streamBodies: true });
      a.start({ data: () => undefined, end: () => undefined, close: () => undefined });
      b.writeDelayMs = 20;
      b.deliver(frame.subarray(0, 100_000));
      const next = await connection.receiveStreams()[Symbol.asyncIterator]().next();
      const reader = next.value!.body.getReader();
      await reader.read();
      const buffer = readInto(b, 100_000, STREAM_READ_SIZE);
      const { value: chunk } = await reader.read();
      const sent = connection.sendStream({}, chunk!.length, (async function* () {
        yield chunk!;
      })());
      connection.release(chunk!);
      expect(b.events!.freshBuffer!()!.buffer).not.toBe(buffer.buffer);
      await sent;
      expect(b.events!.freshBuffer!()!.buffer).toBe(buffer.buffer);
    });
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

  describe("a streamed body is never interleaved with another frame", () => {
    /** Yields `count` chunks of `size` octets filled with `fill`, a macrotask apart: others get to send meanwhile. */
    async function* slow(count: number, size: number, fill: number) {
      for (let i = 0; i < count; i++) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        yield new Uint8Array(size).fill(fill);
      }
    }

    it("send() and request() called while a body streams out follow it, in call order", async () => {
      const [a, b] = streamPair();
      const sender = new Connection(a);
      const receiver = new Connection(b);
      const streamed = sender.sendStream({ filename: "A" }, 4000, slow(4, 1000, 0x41));
      await new Promise((resolve) => setTimeout(resolve, 2));
      const small = sender.send({ filename: "B" }, utf8.encode("small"));
      const asked = sender.request({ filename: "C" });
      const received: string[] = [];
      for await (const frame of receiver) {
        const name = String(frame.header.filename);
        received.push(`${name}:${frame.body.length}`);
        if (name === "A") expect(frame.body.every((octet) => octet === 0x41)).toBe(true);
        if (name === "C") await receiver.send({ id: frame.header.id }, utf8.encode("answer"));
        if (received.length === 3) break;
      }
      expect(received).toEqual(["A:4000", "B:5", "C:0"]);
      await Promise.all([streamed, small]);
      expect(text((await asked).body)).toBe("answer");
    });

    it("two sendStream() calls at once go out one after the other, each whole", async () => {
      const [a, b] = streamPair();
      const sender = new Connection(a);
      const receiver = new Connection(b);
      const both = Promise.all([sender.sendStream({ filename: "A" }, 3000, slow(3, 1000, 0x41)), sender.sendStream({ filename: "B" }, 3000, slow(3, 1000, 0x42))]);
      const received: string[] = [];
      for await (const frame of receiver) {
        const fill = frame.header.filename === "A" ? 0x41 : 0x42;
        received.push(`${String(frame.header.filename)}:${frame.body.length}:${frame.body.every((octet) => octet === fill)}`);
        if (received.length === 2) break;
      }
      expect(received).toEqual(["A:3000:true", "B:3000:true"]);
      await both;
    });

    it("close() lets a stream under way, and what was sent behind it, go out whole before its FIN", async () => {
      const [a, b] = streamPair();
      const sender = new Connection(a);
      const receiver = new Connection(b);
      const streamed = sender.sendStream({ filename: "A" }, 4000, slow(4, 1000, 0x41));
      await new Promise((resolve) => setTimeout(resolve, 2));
      const behind = sender.send({ filename: "B" }, utf8.encode("behind"));
      const closing = sender.close();
      // Called after close(): refused at once, never sent.
      await expect(sender.send({ filename: "C" })).rejects.toThrow(/closing/);
      await expect(sender.sendStream({ filename: "D" }, 1, slow(1, 1, 0))).rejects.toThrow(/closing/);
      const received: string[] = [];
      for await (const frame of receiver) {
        received.push(`${String(frame.header.filename)}:${frame.body.length}`);
        if (frame.header.filename === "A") expect(frame.body.every((octet) => octet === 0x41)).toBe(true);
      }
      expect(received).toEqual(["A:4000", "B:6"]);
      await Promise.all([streamed, behind]);
      await receiver.close();
      expect(await closing).toMatchObject({ protocolError: null, deadlineError: null, socketError: null });
    });

    it("close() waits for a stalled stream only until the write-stall deadline, then drops the connection", async () => {
      const [a, b] = streamPair();
      // A peer that never closes: only the deadline can end the close before the test times out.
      const sender = new Connection(a, { writeStallTimeoutMs: 100, closeTimeoutMs: 60_000 });
      const peer = rawPeer(b);
      const { source, release } = stallingSource();
      const streaming = sender.sendStream({}, 20, source).catch((error: unknown) => error);
      const info = await sender.close();
      expect(info.deadlineError).toMatchObject({ code: "WRITE_STALL", stage: "write", message: expect.stringMatching(/streaming out at close/) });
      expect(a.spy.destroyed).toBe(true);
      release();
      expect(await streaming).toBeInstanceOf(Error);
      await peer.ended;
    });

    it("with writeStallTimeoutMs 0, close() waits closeTimeoutMs for a stalled stream, not for ever", async () => {
      const [a, b] = streamPair();
      const sender = new Connection(a, { writeStallTimeoutMs: 0, closeTimeoutMs: 100 });
      rawPeer(b);
      const { source, release } = stallingSource();
      const streaming = sender.sendStream({}, 20, source).catch((error: unknown) => error);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const info = await Promise.race([sender.close(), new Promise((resolve) => setTimeout(() => resolve("still pending"), 3000))]);
      expect(info).toMatchObject({ deadlineError: { code: "WRITE_STALL", message: expect.stringMatching(/no progress for 100 ms/) } });
      release();
      expect(await streaming).toBeInstanceOf(Error);
    });

    it("a send() waiting behind a stream whose source stalls settles once the connection closes", async () => {
      const [a] = streamPair();
      const sender = new Connection(a);
      const { source, release } = stallingSource();
      const streaming = sender.sendStream({}, 20, source).catch((error: unknown) => error);
      const waiting = sender.send({ id: "behind" }).then(() => "sent", (error: unknown) => String(error));
      await new Promise((resolve) => setTimeout(resolve, 5));
      sender.destroy();
      expect(await Promise.race([waiting, new Promise((resolve) => setTimeout(() => resolve("still pending"), 1000))])).toMatch(/closed before the frame was sent/);
      // The stream itself settles too, its source still stalled.
      expect(await Promise.race([streaming, new Promise((resolve) => setTimeout(() => resolve("still pending"), 1000))])).toMatchObject({ code: "CLOSED" });
      release();
    });

    it("a source that fails part-way aborts the connection: nothing else is sent as its body", async () => {
      const [a, b] = streamPair();
      const sender = new Connection(a);
      const peer = rawPeer(b);
      async function* failing() {
        yield new Uint8Array(1000);
        throw new Error("disk gone");
      }
      await expect(sender.sendStream({}, 4000, failing())).rejects.toThrow(/disk gone/);
      expect(a.spy.destroyed).toBe(true);
      await expect(sender.send({ id: "after" })).rejects.toThrow(/closing/);
      await peer.ended;
      // The head and at most the 1000 octets the source gave; never the frame sent afterwards.
      expect(text(peer.received())).not.toContain("after");
    });

    it("an error frame owed to the peer mid-body is left out: the peer sees a truncated frame, not octets of ours as body", async () => {
      const [a, b] = streamPair();
      const server = new Connection(b);
      const client = new Connection(a, { streamBodies: true });
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      async function* source() {
        yield new Uint8Array(1000).fill(0x41);
        await held;
        yield new Uint8Array(1000).fill(0x41);
      }
      const streamed = server.sendStream({ filename: "A" }, 2000, source()).catch((error: unknown) => error);
      const iterating = (async () => {
        try {
          for await (const _ of server);
        } catch (error) {
          return error;
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 5));
      // A bad frame from the client: the server owes it an error frame, in the middle of its body.
      await a.write([Uint8Array.of(0, 0, 0, 2), utf8.encode("[]")]);
      expect(await iterating).toMatchObject({ code: "HEADER_INVALID" });
      release();
      let failure: unknown;
      const octets: number[] = [];
      try {
        for await (const frame of client.receiveStreams()) {
          for await (const chunk of frame.body as unknown as AsyncIterable<Uint8Array>) octets.push(...chunk);
        }
      } catch (error) {
        failure = error;
      }
      expect(failure).toMatchObject({ code: "TRUNCATED" });
      // The body's first 1000 octets, and nothing of an error frame among them.
      expect(octets.length).toBe(1000);
      expect(octets.every((octet) => octet === 0x41)).toBe(true);
      expect(await streamed).toBeInstanceOf(Error);
    });
  });

  it("request() on both ends of one connection: each end's requests reach the other's handler, replies their request", async () => {
    const [a, b] = streamPair();
    const opener = new Connection(a);
    const acceptor = new Connection(b, { accepted: true });
    const answer = async (connection: Connection, name: string) => {
      for await (const frame of connection) await connection.send({ id: frame.header.id, answer: `${name} to ${String(frame.header.q)}` });
    };
    void answer(opener, "opener");
    void answer(acceptor, "acceptor");
    const replies = await Promise.all([
      ...Array.from({ length: 5 }, (_, i) => opener.request({ q: `o${i}` })),
      ...Array.from({ length: 5 }, (_, i) => acceptor.request({ q: `a${i}` })),
    ]);
    expect(replies.map((reply) => reply.header.answer)).toEqual([
      ...Array.from({ length: 5 }, (_, i) => `acceptor to o${i}`),
      ...Array.from({ length: 5 }, (_, i) => `opener to a${i}`),
    ]);
    expect(replies.slice(0, 5).every((reply) => (reply.header.id as number) % 2 === 1)).toBe(true);
    expect(replies.slice(5).every((reply) => (reply.header.id as number) % 2 === 0)).toBe(true);
    opener.destroy();
  });

  it("requests pending when the peer closes after an error frame without an id fail with its reason, in both modes", async () => {
    for (const streamBodies of [false, true]) {
      const [a, b] = streamPair();
      const client = new Connection(a, { streamBodies });
      const server = new Connection(b);
      const ask = (q: string) => (streamBodies ? client.requestStream({ q }) : client.request({ q }));
      const asked = [ask("a"), ask("b")].map((request) => request.catch((error: unknown) => error));
      const iterator = server[Symbol.asyncIterator]();
      await iterator.next();
      // What a peer's decoder sends before closing (SPEC 7.3): no id, the whole connection.
      await server.send({ error: { code: "BODY_TOO_LARGE", message: "17 MiB is over the limit" } });
      void server.close();
      for (const failure of await Promise.all(asked)) {
        expect(failure).toBeInstanceOf(RemoteError);
        expect(failure).toMatchObject({ code: "BODY_TOO_LARGE" });
      }
      expect(client.pendingRequests).toBe(0);
      client.destroy();
    }
  });

  it("peerEnded: the peer's FIN or the connection's close, not stopReceiving(), which ends the iteration too", async () => {
    const [a, b] = streamPair();
    const client = new Connection(a);
    const server = new Connection(b);
    let ended = false;
    void server.peerEnded.then(() => (ended = true));
    const frames = server[Symbol.asyncIterator]();
    server.stopReceiving();
    expect((await frames.next()).done).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(ended).toBe(false);
    void client.close();
    await server.peerEnded;
    // A reset (no FIN) ends it too.
    const [c, d] = streamPair();
    const reset = new Connection(d);
    new Connection(c).destroy();
    await reset.peerEnded;
  });

  it("an error frame without an id that is not followed by the peer's close fails no request", async () => {
    const [a, b] = streamPair();
    const client = new Connection(a);
    const server = new Connection(b);
    const asked = client.request({ q: "a" });
    const request = await server[Symbol.asyncIterator]().next();
    // About some other frame without an id (a refusal, say): the connection goes on.
    await server.send({ error: { code: "SHUTTING_DOWN", message: "not processed" } });
    await server.send({ id: request.value!.header.id, answer: "yes" });
    expect((await asked).header.answer).toBe("yes");
    client.destroy();
  });

  it("several next() calls waiting at once each get their own frame, and all see the end", async () => {
    const [a, b] = streamPair();
    const sender = new Connection(a);
    const receiver = new Connection(b);
    const iterator = receiver[Symbol.asyncIterator]();
    const waiting = [iterator.next(), iterator.next(), iterator.next(), iterator.next()];
    await sender.send({ id: 1 });
    await sender.send({ id: 2 });
    void sender.close();
    const results = await Promise.all(waiting);
    expect(results.map((result) => (result.done ? "end" : result.value.header.id))).toEqual([1, 2, "end", "end"]);
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
    expect(await client.closed).toEqual({ protocolError: null, deadlineError: null, socketError: null });
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
