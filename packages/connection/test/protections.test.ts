import { concatBytes, decodeAll, encodeFrame } from "@sockframe/codec";
import { describe, expect, it } from "vitest";
import { type ByteStream, type ByteStreamEvents, Connection, DeadlineError, type Listener, Server } from "../src/index.ts";
import { rawPeer, streamPair } from "./memory-stream.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A socket whose peer never reads: writes are accepted and never complete. */
function blackHole(): ByteStream & { events: ByteStreamEvents | null; pauses: number; destroyed: boolean } {
  return {
    events: null,
    pauses: 0,
    destroyed: false,
    localAddress: "x",
    remoteAddress: "y",
    start(events) {
      this.events = events;
    },
    write: () => new Promise<void>(() => undefined),
    pause() {
      this.pauses++;
    },
    resume() {},
    closeWrite: () => new Promise<void>(() => undefined),
    destroy() {
      if (this.destroyed) return;
      this.destroyed = true;
      this.events?.close(new Error("destroyed"));
    },
  };
}

describe("connection protections", () => {
  it("closes a peer that drips a header slower than headerTimeoutMs, with a TIMEOUT error frame", async () => {
    const [a, b] = streamPair();
    const server = new Connection(b, { headerTimeoutMs: 150, idleTimeoutMs: 10_000 });
    const peer = rawPeer(a);
    const frame = encodeFrame({ id: 1, padding: "x".repeat(100) });
    let failure: unknown;
    const reading = (async () => {
      try {
        for await (const _ of server);
      } catch (error) {
        failure = error;
      }
    })();
    // One octet every 20 ms: never idle, but the header takes 2.5 s.
    for (let i = 0; i < frame.length && !b.spy.finSent; i++) {
      await a.write([frame.subarray(i, i + 1)]).catch(() => undefined);
      await sleep(20);
    }
    await reading;
    await peer.ended;
    expect(failure).toBeInstanceOf(DeadlineError);
    expect(failure).toMatchObject({ code: "TIMEOUT", stage: "header" });
    expect(decodeAll(peer.received()).frames[0]?.header.error?.code).toBe("TIMEOUT");
  });

  it("after a TIMEOUT, a FIN from the peer mid-header is no second error (SPEC 7.2, 7.3), and closed says why", async () => {
    const [a, b] = streamPair();
    const server = new Connection(b, { headerTimeoutMs: 100, idleTimeoutMs: 10_000 });
    const peer = rawPeer(a);
    void (async () => {
      for await (const _ of server);
    })().catch(() => undefined);
    await a.write([encodeFrame({ id: 1 }).subarray(0, 10)]);
    for (let waited = 0; !b.spy.finSent && waited < 3000; waited += 10) await sleep(10);
    await a.closeWrite(); // the peer then ends inside the header it never finished
    const info = await server.closed;
    await peer.ended;
    expect(decodeAll(peer.received()).frames.map((frame) => frame.header.error?.code)).toEqual(["TIMEOUT"]);
    expect(info.protocolError).toBeNull();
    expect(info.deadlineError).toMatchObject({ code: "TIMEOUT", stage: "header" });
  });

  it("a request waiting when a deadline ends the connection fails with the DeadlineError, FIN or not", async () => {
    const [a, b] = streamPair();
    const client = new Connection(b, { headerTimeoutMs: 100 });
    rawPeer(a);
    const reply = client.request({ op: "x" }).then(() => "replied", (error: unknown) => error);
    await a.write([encodeFrame({ id: 1 }).subarray(0, 10)]); // the start of a reply, never finished
    for (let waited = 0; !b.spy.finSent && waited < 3000; waited += 10) await sleep(10);
    await a.closeWrite(); // and the peer's FIN, which used to reject it as "the peer closed before replying"
    expect(await reply).toMatchObject({ name: "DeadlineError", code: "TIMEOUT", stage: "header" });
  });

  it("closes a peer that trickles a body under minBodyRate once bodyTimeoutMs is spent, with a TIMEOUT error frame", async () => {
    const [a, b] = streamPair();
    const server = new Connection(b, { bodyTimeoutMs: 200, minBodyRate: 100, idleTimeoutMs: 10_000 });
    const peer = rawPeer(a);
    let failure: unknown;
    const reading = (async () => {
      for await (const _ of server);
    })().catch((error: unknown) => (failure = error));
    const frame = encodeFrame({ id: 1 }, new Uint8Array(100));
    const bodyAt = frame.length - 100;
    await a.write([frame.subarray(0, bodyAt)]);
    const started = Date.now();
    // 20 octets a second: 200 ms + 10 ms per octet received are spent after about 6 octets.
    for (let i = bodyAt; i < frame.length && !b.spy.finSent && Date.now() - started < 5000; i++) {
      await a.write([frame.subarray(i, i + 1)]).catch(() => undefined);
      await sleep(50);
    }
    await reading;
    await peer.ended;
    expect(failure).toMatchObject({ name: "DeadlineError", code: "TIMEOUT", stage: "body" });
    expect(decodeAll(peer.received()).frames.map((f) => f.header.error?.code)).toEqual(["TIMEOUT"]);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("does not count the time a body waits for our reader (reading paused) against the peer", async () => {
    const [a, b] = streamPair();
    // A rate no peer can keep: only the restart while paused keeps this body alive.
    const server = new Connection(b, { bodyTimeoutMs: 150, minBodyRate: 1e9, idleTimeoutMs: 10_000, streamBodies: true });
    const frame = encodeFrame({ id: 1 }, new Uint8Array(64 * 1024));
    const received = (async () => {
      for await (const { body } of server.receiveStreams()) {
        let octets = 0;
        let first = true;
        for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
          octets += chunk.length;
          if (first) await sleep(600); // the reader falls behind; the body's queue fills and reading pauses
          first = false;
        }
        return octets;
      }
      return -1;
    })();
    for (let at = 0; at < frame.length; at += 2048) await a.write([frame.subarray(at, at + 2048)]);
    expect(await received).toBe(64 * 1024);
    expect(b.spy.pauses).toBeGreaterThan(0);
    expect(b.spy.finSent).toBe(false);
  });

  it("lets a body that keeps up with minBodyRate take longer than bodyTimeoutMs, read by a slow consumer", async () => {
    const [a, b] = streamPair();
    const server = new Connection(b, { bodyTimeoutMs: 150, minBodyRate: 4096, idleTimeoutMs: 10_000, streamBodies: true });
    const frame = encodeFrame({ id: 1 }, new Uint8Array(64 * 1024));
    const received = (async () => {
      for await (const { body } of server.receiveStreams()) {
        let octets = 0;
        for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
          octets += chunk.length;
          await sleep(60); // a slow consumer: reading pauses while it is behind
        }
        return octets;
      }
      return -1;
    })();
    // 64 KiB in 2 KiB writes every 25 ms: about 80 KiB/s, 0.8 s in all, far over bodyTimeoutMs.
    for (let at = 0; at < frame.length; at += 2048) {
      await a.write([frame.subarray(at, at + 2048)]);
      await sleep(25);
    }
    expect(await received).toBe(64 * 1024);
    expect(b.spy.finSent).toBe(false);
  });

  it("closes an idle connection after idleTimeoutMs", async () => {
    const [a, b] = streamPair();
    const server = new Connection(b, { idleTimeoutMs: 100 });
    const peer = rawPeer(a);
    const started = Date.now();
    void (async () => {
      for await (const _ of server);
    })();
    await peer.ended;
    await server.closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  it("closes an idle connection whose application only makes requests, once none is pending", async () => {
    const [a, b] = streamPair();
    const server = new Connection(b, { accepted: true, idleTimeoutMs: 100 });
    const client = new Connection(a);
    void (async () => {
      for await (const frame of client) await client.send({ id: frame.header.id });
      await client.close();
    })();
    await server.request({}); // and never iterates
    const closed = await Promise.race([server.closed.then(() => "closed"), sleep(1500).then(() => "still open")]);
    expect(closed).toBe("closed");
    client.destroy();
  });

  it("is not idle while a body streams out from a slow source, nothing arriving", async () => {
    const [a, b] = streamPair();
    const sender = new Connection(a, { idleTimeoutMs: 100 });
    const receiver = new Connection(b, { streamBodies: true });
    void (async () => {
      for await (const _ of sender);
    })();
    async function* slow() {
      for (let i = 0; i < 6; i++) {
        await sleep(50); // 300 ms in all, three idle timeouts
        yield new Uint8Array(10);
      }
    }
    await sender.sendStream({}, 60, slow());
    await sender.send({ id: "after" }); // refused had the idle timeout begun a close
    let octets = 0;
    for await (const { body } of receiver.receiveStreams()) {
      for await (const chunk of body) octets += chunk.length;
      break;
    }
    expect(octets).toBe(60);
    sender.destroy();
  });

  it("stops reading from a peer that does not read our replies, and drops it when writes stall", async () => {
    const socket = blackHole();
    const connection = new Connection(socket, { maxWriteBufferBytes: 1024, writeHighWaterMark: 512, writeStallTimeoutMs: 200 });
    for (let i = 0; i < 10; i++) void connection.send({ id: i }, new Uint8Array(256)).catch(() => undefined);
    let failure: unknown;
    const reading = (async () => {
      for await (const _ of connection);
    })().catch((error: unknown) => (failure = error));
    socket.events!.data(encodeFrame({ id: 99 }).subarray(0, 10)); // half a frame in, when the writes stall
    await sleep(10);
    expect(socket.pauses).toBe(1);
    const info = await connection.closed;
    await reading;
    expect(socket.destroyed).toBe(true);
    // Not TRUNCATED, nor the runtime's socket error: the same reason on every runtime.
    expect(failure).toMatchObject({ name: "DeadlineError", code: "WRITE_STALL", stage: "write" });
    expect(info).toMatchObject({ protocolError: null, deadlineError: { code: "WRITE_STALL" } });
  });
});

describe("close() against a peer that never reads", () => {
  it("the error frame owed to a peer that sent garbage and reads nothing does not hold the connection", async () => {
    const socket = blackHole();
    const connection = new Connection(socket, { writeStallTimeoutMs: 200, closeTimeoutMs: 200 });
    socket.events!.data(Uint8Array.of(0xff, 0xff, 0xff, 0xff));
    expect(connection.protocolError?.code).toBe("HEADER_TOO_LARGE");
    const outcome = await Promise.race([connection.closed.then(() => "closed"), sleep(3000).then(() => "still open")]);
    expect(outcome).toBe("closed");
    expect(socket.destroyed).toBe(true);
  });

  it("ends once writes stall for writeStallTimeoutMs, not never", async () => {
    const socket = blackHole();
    const connection = new Connection(socket, { writeStallTimeoutMs: 200, closeTimeoutMs: 200 });
    void connection.send({ id: 1 }, new Uint8Array(4096)).catch(() => undefined);
    await sleep(10);
    const started = Date.now();
    const info = await Promise.race([connection.close(), sleep(3000).then(() => "still closing")]);
    expect(info).not.toBe("still closing");
    expect(socket.destroyed).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });
});

describe("server protections", () => {
  it("refuses connections over maxConnections with a word, and counts them", async () => {
    const listener: Listener = { address: { transport: "tcp", host: "127.0.0.1", port: 1 }, close: async () => undefined };
    const server = new Server(listener, async (connection) => {
      for await (const _ of connection);
    }, { maxConnections: 2 });
    const ends = [streamPair(), streamPair(), streamPair()];
    const accepted = ends.map(([, b]) => server.accept(b));
    expect(accepted.map((c) => c !== null)).toEqual([true, true, false]);
    expect(server.rejectedConnections).toBe(1);
    // Not cut off at once: told why first, with an error frame and FIN (server.test.ts), then
    // released when the peer closes, or after 1 s.
    expect(ends[2]![1].spy.destroyed).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(ends[2]![1].spy.finSent).toBe(true);
    for (const [a] of ends) a.destroy();
    await server.close();
  });
});

describe("graceful stop", () => {
  it("answers frames that arrive after stopReceiving() with SHUTTING_DOWN instead of dropping them", async () => {
    const [a, b] = streamPair();
    const server = new Connection(b);
    const client = new Connection(a);
    const first = client.request({ n: 1 });
    const iterator = server[Symbol.asyncIterator]();
    const got = await iterator.next();
    server.stopReceiving();
    const late = await Promise.allSettled([client.request({ n: 2 }), client.request({ n: 3 })]);
    expect(late.map((r) => r.status === "rejected" && (r.reason as { code?: string }).code)).toEqual(["SHUTTING_DOWN", "SHUTTING_DOWN"]);
    expect(server.refusedFrames).toBe(2);
    expect((await iterator.next()).done).toBe(true);
    await server.send({ id: got.value!.header.id as number });
    expect((await first).header.id).toBe(1);
  });
});

describe("protections do not hurt good peers", () => {
  it("restarts the header deadline for every frame, even when every read ends inside a header", async () => {
    const [a, b] = streamPair();
    const server = new Connection(b, { headerTimeoutMs: 150 });
    const frames = Array.from({ length: 12 }, (_, i) => encodeFrame({ id: i }));
    const stream = concatBytes(frames);
    const received: unknown[] = [];
    const reading = (async () => {
      for await (const frame of server) received.push(frame.header.id);
    })();
    // Each write ends 5 octets into the next frame's header; the whole stream takes ~720 ms.
    let at = 0;
    for (let i = 0; i < frames.length; i++) {
      const end = Math.min(stream.length, at + frames[i]!.length + (i < frames.length - 1 ? 5 : 0)) - (i === 0 ? 0 : 5);
      await a.write([stream.subarray(at, end)]);
      at = end;
      await sleep(60);
    }
    await a.write([stream.subarray(at)]);
    await a.closeWrite();
    await reading;
    expect(received).toEqual(frames.map((_, i) => i));
  });

  it("pauses reading on the octets of unread frames, not only on their count", async () => {
    const [a, b] = streamPair();
    const sender = new Connection(a);
    const receiver = new Connection(b, { maxQueuedBytes: 2 * 1024 * 1024 });
    for (let i = 0; i < 8; i++) void sender.send({ id: i }, new Uint8Array(1024 * 1024));
    for (let waited = 0; b.spy.pauses === 0 && waited < 3000; waited += 10) await sleep(10);
    expect(b.spy.pauses).toBeGreaterThan(0);
    let count = 0;
    for await (const _ of receiver) if (++count === 8) break;
    expect(b.spy.resumes).toBeGreaterThan(0);
  });
});

describe("unread headers", () => {
  // A parsed header can take 28 times its JSON in memory (nested empty arrays): 256 queued 64 KiB
  // headers once grew a server by 500 MiB with maxQueuedBytes counting bodies alone.
  it.each([false, true])("count towards maxQueuedBytes, %s streamBodies", async (streamBodies) => {
    const [a, b] = streamPair();
    const sender = new Connection(a);
    const receiver = new Connection(b, { streamBodies });
    const header = { pad: "[".repeat(30_000) };
    for (let i = 0; i < 20; i++) void sender.send({ id: i, ...header });
    for (let waited = 0; b.spy.pauses === 0 && waited < 3000; waited += 10) await sleep(10);
    // 16 MiB / (32 x 30 KiB) = 17 headers at most before reading pauses; by count alone, 256.
    expect(b.spy.pauses).toBeGreaterThan(0);
    const ids: unknown[] = [];
    const frames = streamBodies ? receiver.receiveStreams() : receiver;
    for await (const frame of frames) if (ids.push(frame.header.id) === 20) break;
    expect(ids).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});

describe("flow control accounting", () => {
  it("keeps reading after many frames handed straight to a waiting consumer", async () => {
    const [a, b] = streamPair();
    const sender = new Connection(a);
    const receiver = new Connection(b, { maxQueuedBytes: 1024 * 1024 });
    let count = 0;
    const reading = (async () => {
      for await (const _ of receiver) if (++count === 40) return;
    })();
    // 40 x 256 KiB = 10 MiB, one frame at a time: each arrives while the reader is waiting.
    for (let i = 0; i < 40; i++) await sender.send({ id: i }, new Uint8Array(256 * 1024));
    await reading;
    expect(count).toBe(40);
  });
  it("resumes after a frame as large as maxQueuedBytes taken straight by a waiting consumer", async () => {
    const [a, b] = streamPair();
    const sender = new Connection(a);
    const receiver = new Connection(b, { maxQueuedBytes: 1024 * 1024 });
    const ids: unknown[] = [];
    const reading = (async () => {
      for await (const frame of receiver) if (ids.push(frame.header.id) === 3) return;
    })();
    for (let i = 0; i < 3; i++) await sender.send({ id: i }, new Uint8Array(1024 * 1024));
    await reading;
    expect(ids).toEqual([0, 1, 2]);
  });
});
