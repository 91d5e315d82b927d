import { describe, expect, it } from "vitest";
import { connect, type Connection, listen } from "../src/index.ts";
import { within } from "./helpers.ts";

const MiB = 1024 * 1024;

/** Reads the first streamed body to its end: its octets. */
async function firstBody(connection: Connection): Promise<number> {
  for await (const { body } of connection.receiveStreams()) {
    let octets = 0;
    for await (const chunk of body) octets += chunk.length;
    return octets;
  }
  return -1;
}

// Reading stopped once more than maxWriteBufferBytes (8 MiB) waited to be written, counting the
// frame being queued: with a source chunk of 64 MiB, each end stopped reading to wait for the other
// to read, until writeStallTimeoutMs destroyed both.
describe("both ends streaming a body in one large chunk at once", () => {
  it("do not wait for each other", async () => {
    const chunk = new Uint8Array(64 * MiB).fill(1);
    async function* source() {
      yield chunk;
    }
    const options = { streamBodies: true, writeStallTimeoutMs: 20_000 } as const;
    let served: Promise<[number, void]> | null = null;
    const server = await listen("127.0.0.1:0", async (connection) => {
      served = Promise.all([firstBody(connection), connection.sendStream({ from: "server" }, chunk.length, source())]);
      await served;
    }, options);
    const client = await connect(server.address, options);
    try {
      const both = Promise.all([firstBody(client), client.sendStream({ from: "client" }, chunk.length, source())]);
      const [clientGot] = await within(10_000, both, "both bodies");
      expect(clientGot).toBe(chunk.length);
      expect((await served!)[0]).toBe(chunk.length);
    } finally {
      client.destroy();
      await server.close();
    }
  });
});
