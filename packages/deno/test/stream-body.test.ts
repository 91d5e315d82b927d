import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { type Connection, connect, listen, type SendStreamOptions } from "../src/index.ts";
import { freshSocketDir, SOCKET_A, within } from "./helpers.ts";

const MIB = 1024 * 1024;
const SIZE = 64 * MIB;

/** The same 1 MiB chunks every time they are generated, distinct from each other. */
function chunkOf(index: number): Uint8Array {
  return fillChunk(new Uint8Array(MIB), index);
}

/** Makes `chunk` (1 MiB) the chunk of that index. */
function fillChunk(chunk: Uint8Array, index: number): Uint8Array {
  chunk.fill(0);
  for (let i = 0; i < MIB; i += 4096) chunk[i] = (index * 31 + i / 4096) & 0xff;
  chunk[MIB - 1] = index;
  return chunk;
}

async function* chunks(): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < SIZE / MIB; i++) yield chunkOf(i);
}

/** The sha256 of the body chunks() yields. */
function bodyDigest(): string {
  const expected = createHash("sha256");
  for (let i = 0; i < SIZE / MIB; i++) expected.update(chunkOf(i));
  return expected.digest("hex");
}

/**
 * Sends the body with its sha256 in the header (so the server's decoder verifies it too) and
 * returns the header of the server's reply.
 */
async function sendBody(client: Connection, sha256: string, source: AsyncIterable<Uint8Array> = chunks(), options?: SendStreamOptions): Promise<Record<string, unknown>> {
  const reply = within(60_000, "digest reply", (async () => {
    for await (const frame of client) return frame;
    throw new Error("connection ended without a reply");
  })());
  await within(60_000, "sendStream", client.sendStream({ id: "big", sha256 }, SIZE, source, options));
  return (await reply).header;
}

/**
 * A server handler that hashes each streamed body as it arrives and answers with its size, digest
 * and how many chunks came in memory seen before; `release`: hands each chunk back once hashed.
 */
function hashingHandler(release: boolean): (connection: Connection) => Promise<void> {
  return async (connection) => {
    for await (const { header, body } of connection.receiveStreams()) {
      const hash = createHash("sha256");
      const seen = new Set<ArrayBufferLike>();
      let size = 0;
      let reused = 0;
      for await (const chunk of body) {
        hash.update(chunk);
        size += chunk.length;
        if (seen.has(chunk.buffer)) reused++;
        seen.add(chunk.buffer);
        if (release) connection.release(chunk);
      }
      await connection.send({ id: header.id, size, digest: hash.digest("hex"), reused });
    }
  };
}

Deno.test("a 64 MiB body sent with sendStream and read with receiveStreams, hashed on the fly, in bounded memory", async () => {
  const sha256 = bodyDigest();
  let peakRss = 0;
  const sample = setInterval(() => (peakRss = Math.max(peakRss, Deno.memoryUsage().rss)), 20);
  const server = await listen("127.0.0.1:0", hashingHandler(false), { streamBodies: true });
  const client = await connect(server.address);
  try {
    const baseRss = Deno.memoryUsage().rss;
    const header = await sendBody(client, sha256);
    assert.equal(header.size, SIZE);
    assert.equal(header.digest, sha256);
    const growth = (peakRss - baseRss) / MIB;
    assert.ok(growth < 200, `RSS grew by ${growth.toFixed(0)} MiB while streaming 64 MiB`);
  } finally {
    clearInterval(sample);
    await client.close();
    await server.close();
  }
});

for (const transport of ["tcp", "unix"] as const) {
  Deno.test(`a streamed body whose chunks are handed back is read into their memory, and arrives intact (${transport})`, async () => {
    const sha256 = bodyDigest();
    if (transport === "unix") await freshSocketDir();
    const server = await listen(transport === "tcp" ? "127.0.0.1:0" : `unix:${SOCKET_A}`, hashingHandler(true), { streamBodies: true });
    const client = await connect(server.address);
    try {
      const header = await sendBody(client, sha256);
      assert.equal(header.size, SIZE);
      assert.equal(header.digest, sha256);
      assert.ok((header.reused as number) > 0, `no chunk came in released memory (reused: ${header.reused})`);
    } finally {
      await client.close();
      await server.close();
    }
  });
}

for (const transport of ["tcp", "unix"] as const) {
  Deno.test(`a streamed body sent from buffers refilled once written (onWritten) arrives intact (${transport})`, async () => {
    const sha256 = bodyDigest();
    if (transport === "unix") await freshSocketDir();
    const server = await listen(transport === "tcp" ? "127.0.0.1:0" : `unix:${SOCKET_A}`, hashingHandler(false), { streamBodies: true });
    const client = await connect(server.address);
    const free: Uint8Array[] = [];
    let made = 0;
    async function* refilled(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < SIZE / MIB; i++) {
        let buffer = free.pop();
        if (buffer === undefined) {
          buffer = new Uint8Array(MIB);
          made++;
        }
        yield fillChunk(buffer, i);
      }
    }
    try {
      const header = await sendBody(client, sha256, refilled(), { onWritten: (chunk) => free.push(chunk) });
      assert.equal(header.size, SIZE);
      assert.equal(header.digest, sha256);
      // As many as the write queue holds (its high-water mark is 1 MiB), not one per chunk.
      assert.ok(made <= 4, `${made} buffers made`);
    } finally {
      await client.close();
      await server.close();
    }
  });
}
