import { afterEach, expect, test } from "bun:test";
import { body, digestOf, hashingHandler, MiB, RefilledBody } from "../../connection/test/streamed-bodies.ts";
import { connect, listen } from "../src/index.ts";
import { Resources, socketDir, within } from "./helpers.ts";

const open = new Resources();
const dir = socketDir();
afterEach(() => open.closeAll());

const CHUNKS = 64;

test("a 64 MiB streamed body arrives intact, hashed on the fly, in bounded memory", async () => {
  const digest = digestOf(CHUNKS);
  const server = open.server(await listen("127.0.0.1:0", hashingHandler({ slowMs: 4 }), { streamBodies: true }));
  const client = open.client(await connect(server.address));

  Bun.gc(true);
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
  try {
    const replies = client[Symbol.asyncIterator]();
    await within(60_000, "64 MiB upload", client.sendStream({ filename: "big.bin", sha256: digest }, CHUNKS * MiB, body(CHUNKS)));
    const reply = await within(60_000, "digest reply", replies.next());
    expect(reply.done).toBe(false);
    expect(reply.value!.header.received_bytes).toBe(CHUNKS * MiB);
    expect(reply.value!.header.received_sha256).toBe(digest);
  } finally {
    clearInterval(sampler);
  }
  const growth = (peak - baseline) / MiB;
  console.log(`RSS growth during the 64 MiB transfer: ${growth.toFixed(1)} MiB`);
  // Sender and receiver together: queues, socket buffers and not yet collected chunks (measured
  // 35-50 MiB), not the whole body (without write backpressure: 85+ MiB).
  expect(growth).toBeLessThan(70);
});

for (const transport of ["tcp", "unix"] as const) {
  test(`a streamed body sent from buffers refilled once written (onWritten) arrives intact (${transport})`, async () => {
    const digest = digestOf(CHUNKS);
    const address = transport === "tcp" ? "127.0.0.1:0" : `unix:${dir}/refill.sock`;
    const server = open.server(await listen(address, hashingHandler(), { streamBodies: true }));
    const client = open.client(await connect(server.address));
    const refilled = new RefilledBody();
    const replies = client[Symbol.asyncIterator]();
    const sent = client.sendStream({ filename: "big.bin", sha256: digest }, CHUNKS * MiB, refilled.chunks(CHUNKS), { onWritten: refilled.onWritten });
    await within(60_000, "64 MiB upload", sent);
    const reply = await within(60_000, "digest reply", replies.next());
    expect(reply.value!.header.received_bytes).toBe(CHUNKS * MiB);
    expect(reply.value!.header.received_sha256).toBe(digest);
    // As many as the write queue holds (its high-water mark is 1 MiB), not one per chunk.
    expect(refilled.made).toBeLessThanOrEqual(4);
  });
}
