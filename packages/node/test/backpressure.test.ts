import { createServer, type Server as NetServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type Connection, connect, FrameDecoder } from "../src/index.ts";
import { deferred, delay, until, within } from "./helpers.ts";

const MiB = 1024 * 1024;
const FRAMES = 64;

/** A fresh 1 MiB body per frame, as an application reading a file would have: nothing shared. */
function body(seq: number): Uint8Array {
  return new Uint8Array(MiB).fill(seq & 0xff);
}

let netServer: NetServer | null = null;
afterEach(() => {
  netServer?.close();
  netServer = null;
});

/** A peer that accepts one connection and does not read from it. */
async function stalledPeer(): Promise<{ port: number; socket: Promise<Socket> }> {
  const accepted = deferred<Socket>();
  netServer = createServer({ allowHalfOpen: true }, (socket) => {
    socket.pause();
    accepted.resolve(socket);
  });
  await new Promise<void>((resolve) => netServer!.listen({ host: "127.0.0.1", port: 0 }, resolve));
  const address = netServer.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return { port: address.port, socket: accepted.promise };
}

describe("write backpressure (node:net buffers without bound unless we wait for 'drain')", () => {
  it("stops resolving sends while the peer does not read, and delivers everything once it does", async () => {
    const peer = await stalledPeer();
    const client = await connect({ transport: "tcp", host: "127.0.0.1", port: peer.port });
    const peerSocket = await peer.socket;
    const buffersBefore = process.memoryUsage().arrayBuffers;

    let sent = 0;
    const sender = (async () => {
      for (let seq = 0; seq < FRAMES; seq++) {
        await client.send({ seq }, body(seq));
        sent++;
      }
    })();

    // Wait until sending stalls: no send resolved for 500 ms.
    let last = -1;
    let stableSince = Date.now();
    await until(
      () => {
        if (sent !== last) {
          last = sent;
          stableSince = Date.now();
        }
        return Date.now() - stableSince > 500;
      },
      20_000,
      "sending to stall",
    );
    const buffersGrowth = process.memoryUsage().arrayBuffers - buffersBefore;
    console.log(`stalled after ${sent} of ${FRAMES} MiB; buffer memory grew ${(buffersGrowth / MiB).toFixed(1)} MiB`);
    expect(sent).toBeLessThan(FRAMES / 2);
    expect(buffersGrowth).toBeLessThan((FRAMES / 2) * MiB);

    // The peer reads again: every frame arrives, whole and in order.
    const decoder = new FrameDecoder({ maxBodyBytes: 2 * MiB });
    const seen: number[] = [];
    let intact = true;
    peerSocket.on("data", (chunk: Buffer) => {
      decoder.push(chunk);
      for (const frame of decoder) {
        const seq = frame.header.seq as number;
        seen.push(seq);
        if (frame.body.length !== MiB || frame.body.some((octet) => octet !== (seq & 0xff))) intact = false;
      }
    });
    peerSocket.resume();
    await within(30_000, sender, "sender");
    await until(() => seen.length === FRAMES, 30_000, "all frames at the peer");
    expect(seen).toEqual(Array.from({ length: FRAMES }, (_, i) => i));
    expect(intact).toBe(true);
    client.destroy();
    peerSocket.destroy();
    await delay(0);
  });
});

describe("a send waiting on backpressure when the socket goes away", () => {
  /**
   * A peer that reads one chunk and then no more: once it has read, the client's write is under
   * way, and 64 MiB cannot all fit in the socket buffers, so the write is still waiting.
   */
  async function peerStuckAfterFirstRead(): Promise<{ port: number; reading: Promise<Socket> }> {
    const reading = deferred<Socket>();
    netServer = createServer({ allowHalfOpen: true }, (socket) => {
      socket.on("error", () => undefined);
      socket.once("data", () => {
        socket.pause();
        reading.resolve(socket);
      });
    });
    await new Promise<void>((resolve) => netServer!.listen({ host: "127.0.0.1", port: 0 }, resolve));
    const address = netServer.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    return { port: address.port, reading: reading.promise };
  }

  /** Queues 64 MiB in one tick: the last send() settles only when the whole write does. */
  function sendMuch(client: Connection): Promise<unknown> {
    const whole = new Uint8Array(MiB);
    let last: Promise<void> = Promise.resolve();
    for (let seq = 0; seq < 64; seq++) last = client.send({ seq }, whole);
    return last.then(
      () => "resolved",
      (error: unknown) => error,
    );
  }

  it("rejects on destroy(), instead of resolving as if its frame went out (node:net calls the write back with null)", async () => {
    const peer = await peerStuckAfterFirstRead();
    const client = await connect({ transport: "tcp", host: "127.0.0.1", port: peer.port });
    const outcome = sendMuch(client);
    const peerSocket = await peer.reading;
    client.destroy();
    const error = await within(10_000, outcome, "the waiting send to settle");
    // The adapter's write rejects; the connection tells the sender what happened: it destroyed itself.
    expect(error).toMatchObject({ name: "ConnectionClosedError", code: "CLOSED" });
    peerSocket.destroy();
  });
});
