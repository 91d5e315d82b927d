import assert from "node:assert/strict";
import { body, digestOf, hashingHandler, MiB, RefilledBody } from "../../connection/test/streamed-bodies.ts";
import { type Connection, connect, listen, type SendStreamOptions } from "../src/index.ts";
import { freshSocketDir, SOCKET_A, within } from "./helpers.ts";

const CHUNKS = 64;
const SIZE = CHUNKS * MiB;

/**
 * Sends the body with its sha256 in the header (so the server's decoder verifies it too) and
 * returns the header of the server's reply.
 */
async function sendBody(client: Connection, sha256: string, source: AsyncIterable<Uint8Array> = body(CHUNKS), options?: SendStreamOptions): Promise<Record<string, unknown>> {
  const reply = within(60_000, "digest reply", (async () => {
    for await (const frame of client) return frame;
    throw new Error("connection ended without a reply");
  })());
  await within(60_000, "sendStream", client.sendStream({ id: "big", sha256 }, SIZE, source, options));
  return (await reply).header;
}

Deno.test("a 64 MiB body sent with sendStream and read with receiveStreams, hashed on the fly, in bounded memory", async () => {
  const sha256 = digestOf(CHUNKS);
  let peakRss = 0;
  const sample = setInterval(() => (peakRss = Math.max(peakRss, Deno.memoryUsage().rss)), 20);
  const server = await listen("127.0.0.1:0", hashingHandler(), { streamBodies: true });
  const client = await connect(server.address);
  try {
    const baseRss = Deno.memoryUsage().rss;
    const header = await sendBody(client, sha256);
    assert.equal(header.received_bytes, SIZE);
    assert.equal(header.received_sha256, sha256);
    const growth = (peakRss - baseRss) / MiB;
    assert.ok(growth < 200, `RSS grew by ${growth.toFixed(0)} MiB while streaming 64 MiB`);
  } finally {
    clearInterval(sample);
    await client.close();
    await server.close();
  }
});

for (const transport of ["tcp", "unix"] as const) {
  Deno.test(`a streamed body whose chunks are handed back is read into their memory, and arrives intact (${transport})`, async () => {
    const sha256 = digestOf(CHUNKS);
    if (transport === "unix") await freshSocketDir();
    const server = await listen(transport === "tcp" ? "127.0.0.1:0" : `unix:${SOCKET_A}`, hashingHandler({ release: true }), { streamBodies: true });
    const client = await connect(server.address);
    try {
      const header = await sendBody(client, sha256);
      assert.equal(header.received_bytes, SIZE);
      assert.equal(header.received_sha256, sha256);
      assert.ok((header.reused as number) > 0, `no chunk came in released memory (reused: ${header.reused})`);
    } finally {
      await client.close();
      await server.close();
    }
  });
}

for (const transport of ["tcp", "unix"] as const) {
  Deno.test(`a streamed body sent from buffers refilled once written (onWritten) arrives intact (${transport})`, async () => {
    const sha256 = digestOf(CHUNKS);
    if (transport === "unix") await freshSocketDir();
    const server = await listen(transport === "tcp" ? "127.0.0.1:0" : `unix:${SOCKET_A}`, hashingHandler(), { streamBodies: true });
    const client = await connect(server.address);
    const refilled = new RefilledBody();
    try {
      const header = await sendBody(client, sha256, refilled.chunks(CHUNKS), { onWritten: refilled.onWritten });
      assert.equal(header.received_bytes, SIZE);
      assert.equal(header.received_sha256, sha256);
      // As many as the write queue holds (its high-water mark is 1 MiB), not one per chunk.
      assert.ok(refilled.made <= 4, `${refilled.made} buffers made`);
    } finally {
      await client.close();
      await server.close();
    }
  });
}
