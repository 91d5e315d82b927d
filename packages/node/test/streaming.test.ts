import { createHash } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { connect, type Connection, listen } from "../src/index.ts";
import { take, tempDir, within } from "./helpers.ts";

const MiB = 1024 * 1024;
const CHUNKS = 64;
const dir = tempDir();
afterAll(() => dir.remove());

/** Chunk `i` of the body, a fresh buffer each time, as a file read would give. */
function bodyChunk(i: number): Uint8Array {
  return fillChunk(new Uint8Array(MiB), i);
}

/** Makes `chunk` (1 MiB) chunk `i` of the body. */
function fillChunk(chunk: Uint8Array, i: number): Uint8Array {
  chunk.fill(0);
  for (let at = 0; at < MiB; at += 4096) chunk[at] = (i * 31 + at / 4096) & 0xff;
  chunk.fill(i & 0xff, 1, 64);
  return chunk;
}

async function* body(chunks: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < chunks; i++) yield bodyChunk(i);
}

function digestOf(chunks: number): string {
  const hash = createHash("sha256");
  for (let i = 0; i < chunks; i++) hash.update(bodyChunk(i));
  return hash.digest("hex");
}

/**
 * Hashes each streamed body as it arrives and answers with the digest, the length and how many
 * chunks came in memory seen before; `release`: hands each chunk back once hashed.
 */
function hashingHandler(release: boolean): (connection: Connection) => Promise<void> {
  return async (connection) => {
    for await (const { header, body } of connection.receiveStreams()) {
      const hash = createHash("sha256");
      const seen = new Set<ArrayBufferLike>();
      let received = 0;
      let reused = 0;
      for await (const part of body) {
        hash.update(part);
        received += part.length;
        if (seen.has(part.buffer)) reused++;
        seen.add(part.buffer);
        if (release) connection.release(part);
      }
      // Not `sha256`: that field would announce the digest of this reply's own (empty) body.
      await connection.send({ id: header.id, received_sha256: hash.digest("hex"), received_bytes: received, reused });
    }
  };
}

describe.each([
  ["tcp", () => "127.0.0.1:0"],
  ["unix", () => `unix:${dir.path("release.sock")}`],
])("a streamed body whose chunks are handed back, over %s", (_name, address) => {
  it("is read into the memory of chunks released before it, and arrives intact", async () => {
    const server = await listen(address(), hashingHandler(true), { streamBodies: true });
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
    const server = await listen(address(), hashingHandler(false), { streamBodies: true });
    const client = await connect(server.address);
    const free: Uint8Array[] = [];
    let made = 0;
    async function* refilled(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < CHUNKS; i++) {
        let buffer = free.pop();
        if (buffer === undefined) {
          buffer = new Uint8Array(MiB);
          made++;
        }
        yield fillChunk(buffer, i);
      }
    }
    try {
      const digest = digestOf(CHUNKS);
      const sent = client.sendStream({ id: "refilled", sha256: digest }, CHUNKS * MiB, refilled(), { onWritten: (chunk) => free.push(chunk) });
      await within(60_000, sent, "sendStream");
      const [reply] = await within(30_000, take(client, 1), "reply");
      expect(reply!.header).toMatchObject({ id: "refilled", received_sha256: digest, received_bytes: CHUNKS * MiB });
      // As many as the write queue holds (its high-water mark is 1 MiB), not one per chunk.
      expect(made).toBeLessThanOrEqual(4);
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
    const server = await listen(address(), hashingHandler(false), { streamBodies: true });
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
