import { createHash } from "node:crypto";
import { afterEach, expect, test } from "bun:test";
import { type Connection, connect, listen } from "../src/index.ts";
import { pattern, Resources, sleep, socketDir, within } from "./helpers.ts";

const open = new Resources();
const dir = socketDir();
afterEach(() => open.closeAll());

const MiB = 1024 * 1024;
const CHUNKS = 64;

/** The same 64 MiB every time, made 1 MiB at a time: the test never holds the whole body. */
async function* body(): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < CHUNKS; i++) yield pattern(MiB, i + 1);
}

/** The sha256 of the body body() yields. */
async function bodyDigest(): Promise<string> {
  const expected = createHash("sha256");
  for await (const chunk of body()) expected.update(chunk);
  return expected.digest("hex");
}

/**
 * Hashes each streamed body as it arrives and answers with its size (in `filename`) and digest;
 * `slow`: a reader slower than the network, which without read backpressure piles the body up.
 */
function hashingHandler(slow: boolean): (connection: Connection) => Promise<void> {
  return async (connection) => {
    for await (const frame of connection.receiveStreams()) {
      const hash = createHash("sha256");
      let size = 0;
      for await (const chunk of frame.body) {
        hash.update(chunk);
        size += chunk.length;
        if (slow && size % MiB < chunk.length) await sleep(4);
      }
      await connection.send({ id: frame.header.id, filename: `${size}`, digest: hash.digest("hex") });
    }
  };
}

test("a 64 MiB streamed body arrives intact, hashed on the fly, in bounded memory", async () => {
  const digest = await bodyDigest();
  const server = open.server(await listen("127.0.0.1:0", hashingHandler(true), { streamBodies: true }));
  const client = open.client(await connect(server.address));

  Bun.gc(true);
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
  try {
    const replies = client[Symbol.asyncIterator]();
    await within(60_000, "64 MiB upload", client.sendStream({ filename: "big.bin", sha256: digest }, CHUNKS * MiB, body()));
    const reply = await within(60_000, "digest reply", replies.next());
    expect(reply.done).toBe(false);
    expect(reply.value!.header.filename).toBe(String(CHUNKS * MiB));
    expect(reply.value!.header.digest).toBe(digest);
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
    const digest = await bodyDigest();
    const address = transport === "tcp" ? "127.0.0.1:0" : `unix:${dir}/refill.sock`;
    const server = open.server(await listen(address, hashingHandler(false), { streamBodies: true }));
    const client = open.client(await connect(server.address));
    const free: Uint8Array[] = [];
    let made = 0;
    async function* refilled(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < CHUNKS; i++) {
        let buffer = free.pop();
        if (buffer === undefined) {
          buffer = new Uint8Array(MiB);
          made++;
        }
        buffer.set(pattern(MiB, i + 1));
        yield buffer;
      }
    }
    const replies = client[Symbol.asyncIterator]();
    const sent = client.sendStream({ filename: "big.bin", sha256: digest }, CHUNKS * MiB, refilled(), { onWritten: (chunk) => free.push(chunk) });
    await within(60_000, "64 MiB upload", sent);
    const reply = await within(60_000, "digest reply", replies.next());
    expect(reply.value!.header.filename).toBe(String(CHUNKS * MiB));
    expect(reply.value!.header.digest).toBe(digest);
    // As many as the write queue holds (its high-water mark is 1 MiB), not one per chunk.
    expect(made).toBeLessThanOrEqual(4);
  });
}
