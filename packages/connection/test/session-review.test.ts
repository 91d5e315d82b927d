import { decodeAll, encodeFrame } from "@sockframe/codec";
import { describe, expect, it } from "vitest";
import { Connection } from "../src/index.ts";
import { rawPeer, streamPair } from "./memory-stream.ts";
import { NeverWrites } from "./stub-streams.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const within = <T>(promise: Promise<T>, ms: number): Promise<T | "still pending"> => Promise.race([promise, sleep(ms).then(() => "still pending" as const)]);
const outcome = (promise: Promise<unknown>) => promise.then(() => "resolved", (error: unknown) => (error as { code?: string }).code ?? String(error));

// Found by the review of the fixes to the earlier reviews' findings.
describe("the fixes, reviewed", () => {
  it("idleTimeoutMs does not close a connection that only sends: writing is not idle", async () => {
    const [a, b] = streamPair();
    const pusher = new Connection(b, { accepted: true, idleTimeoutMs: 200 });
    const reader = new Connection(a);
    let got = 0;
    void (async () => {
      for await (const _ of reader) got++;
    })().catch(() => undefined);
    for (let i = 0; i < 12; i++) {
      await pusher.send({ tick: i }); // every 50 ms, never reading
      await sleep(50);
    }
    await sleep(20);
    expect(got).toBe(12);
    pusher.destroy();
  });

  it("discardIncoming() leaves the body of a requestStream() reply to its request", async () => {
    const [a, b] = streamPair();
    const client = new Connection(a, { streamBodies: true });
    rawPeer(b);
    const reply = client.requestStream({ op: "get" });
    await sleep(5);
    const frame = encodeFrame({ id: 1 }, new Uint8Array(3000).fill(7));
    const head = frame.length - 3000;
    await b.write([frame.subarray(0, head + 1000)]);
    const { body } = await reply;
    client.discardIncoming();
    await b.write([frame.subarray(head + 1000)]);
    let octets = 0;
    for await (const chunk of body) octets += chunk.length;
    expect(octets).toBe(3000);
    client.destroy();
  });

  it("a stream, and a send behind it, settle on destroy() even when the socket never settles a write", async () => {
    const connection = new Connection(new NeverWrites(), { writeStallTimeoutMs: 0 });
    async function* big() {
      yield new Uint8Array(2 * 1024 * 1024);
      yield new Uint8Array(10);
    }
    const streaming = outcome(connection.sendStream({}, 2 * 1024 * 1024 + 10, big()));
    const behind = outcome(connection.send({ id: "behind" }));
    await sleep(20);
    connection.destroy();
    expect(await within(streaming, 1000)).toBe("CLOSED");
    expect(await within(behind, 1000)).toBe("CLOSED");
  });

  it("with closeTimeoutMs and writeStallTimeoutMs both 0, a close to a peer that reads nothing still ends (5 s)", async () => {
    const connection = new Connection(new NeverWrites(), { closeTimeoutMs: 0, writeStallTimeoutMs: 0, writeHighWaterMark: 10 });
    void connection.send({}, new Uint8Array(100)).catch(() => undefined);
    expect(await within(connection.close(), 8000)).toMatchObject({ deadlineError: { code: "WRITE_STALL" } });
  }, 15_000);
});

describe("a stream whose body is all queued when an error close begins", () => {
  it("still goes out, ahead of the error frame, and its sendStream() resolves", async () => {
    const [a, b] = streamPair();
    const sender = new Connection(a);
    const peer = rawPeer(b);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const write = a.write.bind(a);
    a.write = async (chunks) => {
      await held; // the peer is slow to read
      return write(chunks);
    };
    async function* body() {
      yield new Uint8Array(10).fill(7);
    }
    const streaming = outcome(sender.sendStream({ id: "s" }, 10, body()));
    await sleep(5); // all of it queued
    void (async () => {
      for await (const _ of sender);
    })().catch(() => undefined);
    a.events!.data(new Uint8Array([0, 0, 0, 2, 0x7b, 0x7d])); // "{}": the peer's frame is bad
    await sleep(5);
    release();
    expect(await within(streaming, 2000)).toBe("resolved");
    await peer.ended;
    const { frames } = decodeAll(peer.received());
    expect(frames.map((frame) => (frame.header.error as { code?: string } | undefined)?.code ?? frame.header.id)).toEqual(["s", "HEADER_INVALID"]);
  });
});
