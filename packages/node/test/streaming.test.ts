import { afterAll, describe, expect, it } from "vitest";
import { body, digestOf, hashingHandler, MiB, RefilledBody } from "../../connection/test/streamed-bodies.ts";
import { connect, listen } from "../src/index.ts";
import { take, tempDir, within } from "./helpers.ts";

const CHUNKS = 64;
const dir = tempDir();
afterAll(() => dir.remove());

describe.each([
  ["tcp", () => "127.0.0.1:0"],
  ["unix", () => `unix:${dir.path("release.sock")}`],
])("a streamed body whose chunks are handed back, over %s", (_name, address) => {
  it("is read into the memory of chunks released before it, and arrives intact", async () => {
    const server = await listen(address(), hashingHandler({ release: true }), { streamBodies: true });
    const client = await connect(server.address);
    try {
      const digest = digestOf(CHUNKS);
      await within(60_000, client.sendStream({ id: "big", sha256: digest }, CHUNKS * MiB, body(CHUNKS)), "sendStream");
      const [reply] = await within(30_000, take(client, 1), "reply");
      expect(reply!.header).toMatchObject({ id: "big", received_sha256: digest, received_bytes: CHUNKS * MiB });
      expect(reply!.header.reused).toBeGreaterThan(0);
    } finally {
      await client.close();
      await server.close();
    }
  });
});

describe.each([
  ["tcp", () => "127.0.0.1:0"],
  ["unix", () => `unix:${dir.path("refill.sock")}`],
])("a streamed body sent from buffers refilled once written (onWritten), over %s", (_name, address) => {
  it("arrives intact: the socket is done with each buffer's octets before it is refilled", async () => {
    const server = await listen(address(), hashingHandler(), { streamBodies: true });
    const client = await connect(server.address);
    const refilled = new RefilledBody();
    try {
      const digest = digestOf(CHUNKS);
      const sent = client.sendStream({ id: "refilled", sha256: digest }, CHUNKS * MiB, refilled.chunks(CHUNKS), { onWritten: refilled.onWritten });
      await within(60_000, sent, "sendStream");
      const [reply] = await within(30_000, take(client, 1), "reply");
      expect(reply!.header).toMatchObject({ id: "refilled", received_sha256: digest, received_bytes: CHUNKS * MiB });
      // As many as the write queue holds (its high-water mark is 1 MiB), not one per chunk.
      expect(refilled.made).toBeLessThanOrEqual(4);
    } finally {
      await client.close();
      await server.close();
    }
  });
});

describe.each([
  ["tcp", () => "127.0.0.1:0"],
  ["unix", () => `unix:${dir.path("stream.sock")}`],
])("a 64 MiB streamed body over %s", (_name, address) => {
  it("arrives whole, verified and hashed while read, in bounded memory", async () => {
    const digest = digestOf(CHUNKS);
    const server = await listen(address(), hashingHandler(), { streamBodies: true });
    const client = await connect(server.address);
    // A small transfer first, so that what is measured is the big one, not the warm-up.
    await client.sendStream({ id: "warm-up", sha256: digestOf(4) }, 4 * MiB, body(4));
    expect((await take(client, 1))[0]!.header.received_sha256).toBe(digestOf(4));
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    try {
      await within(60_000, client.sendStream({ id: "big", sha256: digest }, CHUNKS * MiB, body(CHUNKS)), "sendStream");
      const [reply] = await within(30_000, take(client, 1), "reply");
      expect(reply!.header).toMatchObject({ id: "big", received_sha256: digest, received_bytes: CHUNKS * MiB });
    } finally {
      clearInterval(sampler);
      await client.close();
      await server.close();
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    console.log(`rss growth while streaming 64 MiB: ${((peak - before) / MiB).toFixed(1)} MiB`);
    expect(peak - before).toBeLessThan(64 * MiB);
  });
});
