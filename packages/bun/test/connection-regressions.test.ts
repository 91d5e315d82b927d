/**
 * Regression tests for two bugs of @sockframe/connection that showed through this adapter (fixed
 * there: pause reasons are tracked separately, and close() reads again after its FIN).
 */
import { expect, test } from "bun:test";
import { connect, listen } from "../src/index.ts";
import { pattern, sleep, within } from "./helpers.ts";

// Connection#bodyData pauses reading when the body stream's queue is full, and only the stream's
// pull() resumes it; a body that ends while its queue is full is closed, so pull() never comes.
test("a streamed body that ends while its reader is behind does not leave reading paused", async () => {
  const sizes: number[] = [];
  const server = await listen(
    "127.0.0.1:0",
    async (connection) => {
      for await (const frame of connection.receiveStreams()) {
        let size = 0;
        for await (const chunk of frame.body) {
          size += chunk.length;
          await sleep(2);
        }
        sizes.push(size);
      }
    },
    { streamBodies: true, closeTimeoutMs: 200 },
  );
  const waitForSecond = async () => {
    while (sizes.length < 2) await sleep(10);
  };
  const client = await connect(server.address);
  try {
    await client.send({}, pattern(4 * 1024 * 1024));
    await sleep(300);
    await client.send({}, pattern(1000));
    await within(2000, "the second frame", waitForSecond());
    expect(sizes).toEqual([4 * 1024 * 1024, 1000]);
  } finally {
    client.destroy();
    await server.close();
  }
});

// Server.close() calls stopReceiving(), which pauses reading; Connection.close() then waits up to
// closeTimeoutMs for the peer's close, which a paused socket cannot see.
test("server.close() completes as soon as an idle client answers the FIN", async () => {
  const server = await listen(
    "127.0.0.1:0",
    async (connection) => {
      for await (const _ of connection);
    },
    { closeTimeoutMs: 2500 },
  );
  const client = await connect(server.address);
  void (async () => {
    for await (const _ of client);
    await client.close();
  })();
  await sleep(50);
  const started = Date.now();
  await server.close();
  expect(Date.now() - started).toBeLessThan(2000);
});
