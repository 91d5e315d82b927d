import { describe, expect, it } from "vitest";
import { connect, type Connection, listen } from "../src/index.ts";
import { deferred, delay } from "./helpers.ts";

// Over TCP the peer's FIN waits behind the unread octets in the socket: a connection whose reading
// stayed paused on a full queue saw it only when closeTimeoutMs was up, and then reset.
describe("a handler that leaves frames unread: its connection closes at the client's FIN", () => {
  it("frames left in the queue", async () => {
    const handlerDone = deferred();
    let served!: Connection;
    const server = await listen("127.0.0.1:0", async (connection) => {
      served = connection;
      await handlerDone.promise; // reads nothing
    }, { maxQueuedFrames: 4, closeTimeoutMs: 4000 });
    const client = await connect(server.address);
    for (let i = 0; i < 200; i++) {
      await client.send({ id: `u${i}` }, new Uint8Array(100));
      await delay(1); // a write each
    }
    const clientClosed = client.close();
    await delay(50);
    const started = Date.now();
    handlerDone.resolve();
    const info = await served.closed;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(info.socketError).toBeNull();
    expect(served.discardedFrames).toBe(200);
    await clientClosed;
    await server.close();
  });

  it("a streamed body left unread by a handler that threw", async () => {
    let served!: Connection;
    const server = await listen("127.0.0.1:0", async (connection) => {
      served = connection;
      for await (const _frame of connection.receiveStreams()) {
        await delay(50);
        throw new Error("handler bug");
      }
    }, { streamBodies: true, closeTimeoutMs: 4000, onHandlerError: () => undefined });
    const client = await connect(server.address);
    const chunk = new Uint8Array(64 * 1024);
    async function* body() {
      for (let i = 0; i < 64; i++) yield chunk;
    }
    const started = Date.now();
    const streaming = client.sendStream({}, 64 * chunk.length, body());
    await delay(100);
    await client.close();
    await streaming;
    await served.closed;
    expect(Date.now() - started).toBeLessThan(2000);
    await server.close();
  });
});
