import v8 from "node:v8";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { Connection } from "../src/index.ts";
import { rawPeer, streamPair } from "./memory-stream.ts";
import { ResettingStream, TakesAll, UnreadStream } from "./stub-streams.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The promise's outcome, or "still pending" after `ms`: a hang shows as a value, not a timeout. */
const within = <T>(promise: Promise<T>, ms: number): Promise<T | "still pending"> => Promise.race([promise, sleep(ms).then(() => "still pending" as const)]);
const code = (error: unknown) => (error as { code?: string }).code;

describe("a body streaming out ends with its connection, whatever its source does", () => {
  it("destroy() settles a sendStream() whose source gives nothing more, and lets the source go", async () => {
    const [a, b] = streamPair();
    const sender = new Connection(a);
    rawPeer(b);
    let generatorFinished = false;
    async function* stalling() {
      try {
        yield new Uint8Array(10);
        await new Promise(() => undefined); // a disk that hangs, a pipe nobody writes
      } finally {
        generatorFinished = true;
      }
    }
    let cancelled: unknown = null;
    const readable = new ReadableStream<Uint8Array>({ start: (controller) => controller.enqueue(new Uint8Array(10)), cancel: (reason) => void (cancelled = reason) });
    const [c, d] = streamPair();
    const other = new Connection(c);
    rawPeer(d);
    const fromGenerator = sender.sendStream({}, 20, stalling()).catch((error: unknown) => error);
    const fromReadable = other.sendStream({}, 20, readable).catch((error: unknown) => error);
    await sleep(10);
    sender.destroy();
    other.destroy();
    expect(code(await within(fromGenerator, 2000))).toBe("CLOSED");
    expect(code(await within(fromReadable, 2000))).toBe("CLOSED");
    // The ReadableStream is cancelled (a file behind it is closed). The generator, suspended in an
    // await that never ends, cannot run its finally; it is asked to return all the same.
    expect(code(cancelled)).toBe("CLOSED");
    expect(generatorFinished).toBe(false);
  });

  it("close() dropping a stalled stream for WRITE_STALL settles the stream too", async () => {
    const [a, b] = streamPair();
    const sender = new Connection(a, { writeStallTimeoutMs: 100 });
    rawPeer(b);
    async function* stalling() {
      yield new Uint8Array(10);
      await new Promise(() => undefined);
    }
    const streaming = sender.sendStream({}, 20, stalling()).catch((error: unknown) => error);
    await sleep(10);
    expect(await within(sender.close(), 3000)).toMatchObject({ deadlineError: { code: "WRITE_STALL" } });
    expect(code(await within(streaming, 1000))).toBe("CLOSED");
  });

  it("a sendStream() whose last write fails rejects with the write's error, not as sent", async () => {
    const connection = new Connection(new ResettingStream(2)); // the head goes out, the body's write fails
    async function* source() {
      yield new Uint8Array(1000);
    }
    const outcome = await within(connection.sendStream({}, 1000, source()).then(() => "resolved", (error: unknown) => error), 3000);
    expect(code(outcome)).toBe("ECONNRESET");
  });

  it("a sendStream() cut by a reset mid-body rejects with the socket's error", async () => {
    const connection = new Connection(new ResettingStream(3));
    async function* source() {
      for (let i = 0; i < 10; i++) {
        yield new Uint8Array(1000);
        await sleep(10);
      }
    }
    expect(code(await connection.sendStream({}, 10_000, source()).catch((error: unknown) => error))).toBe("ECONNRESET");
  });

  it("a source that yields something other than a Uint8Array aborts the stream with a TypeError", async () => {
    const [a, b] = streamPair();
    const sender = new Connection(a);
    rawPeer(b);
    async function* strings() {
      yield "not octets" as unknown as Uint8Array;
    }
    const failure = await sender.sendStream({}, 10, strings()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect(String(failure)).toMatch(/not a Uint8Array/);
  });

  it("a connection that streams and sends behind its streams for a long time does not grow", async () => {
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc") as () => void;
    const connection = new Connection(new TakesAll(), { writeStallTimeoutMs: 0 });
    async function* one() {
      yield new Uint8Array(1);
    }
    const heapMiB = () => {
      gc();
      gc();
      return process.memoryUsage().heapUsed / 2 ** 20;
    };
    const rounds = async (count: number) => {
      for (let i = 0; i < count; i++) await Promise.all([connection.sendStream({}, 1, one()), connection.send({ i })]);
    };
    await rounds(5_000); // warm up
    const before = heapMiB();
    await rounds(60_000);
    // Each send behind a stream used to leave a reaction on the connection's `closed` promise:
    // about 18 MiB for these 60,000.
    expect(heapMiB() - before).toBeLessThan(6);
    connection.destroy();
  });
});

describe("a close to a peer that reads nothing ends, with the write-stall deadline off", () => {
  it("close() gives up after closeTimeoutMs of no progress (WRITE_STALL)", async () => {
    const connection = new Connection(new UnreadStream(), { writeStallTimeoutMs: 0, closeTimeoutMs: 100 });
    void connection.send({}, new Uint8Array(2 * 1024 * 1024)).catch(() => undefined);
    await sleep(20);
    expect(await within(connection.close(), 3000)).toMatchObject({ deadlineError: { code: "WRITE_STALL" } });
  });

  it("so does the close after a decode error, whose error frame cannot go out", async () => {
    const stream = new UnreadStream();
    const connection = new Connection(stream, { writeStallTimeoutMs: 0, closeTimeoutMs: 100 });
    void connection.send({}, new Uint8Array(2 * 1024 * 1024)).catch(() => undefined);
    await sleep(20);
    stream.events!.data(new Uint8Array([0, 0, 0, 2, 0x7b, 0x7d])); // "{}": no total_size
    void (async () => {
      for await (const _ of connection);
    })().catch(() => undefined);
    expect(await within(connection.closed, 3000)).toMatchObject({ protocolError: { code: "HEADER_INVALID" } });
  });
});

describe("a send() waiting for the socket when this end stops sending", () => {
  it("rejects with CLOSED after destroy()", async () => {
    const connection = new Connection(new UnreadStream());
    const sending = connection.send({}, new Uint8Array(2 * 1024 * 1024)).catch((error: unknown) => error); // past the high-water mark: waits
    await sleep(10);
    connection.destroy();
    expect(code(await within(sending, 1000))).toBe("CLOSED");
  });

  it("rejects with the WRITE_STALL deadline when that ended the connection", async () => {
    const connection = new Connection(new UnreadStream(), { writeStallTimeoutMs: 50 });
    const sending = connection.send({}, new Uint8Array(2 * 1024 * 1024)).catch((error: unknown) => error);
    expect(await within(sending, 2000)).toMatchObject({ name: "DeadlineError", code: "WRITE_STALL" });
  });
});
