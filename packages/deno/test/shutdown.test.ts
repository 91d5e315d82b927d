import assert from "node:assert/strict";
import { connect, listen } from "../src/index.ts";
import { sleep, text, utf8, within } from "./helpers.ts";

Deno.test("server.close() is graceful: the in-flight handler's reply is flushed first; then connections are refused", async () => {
  const handling = Promise.withResolvers<void>();
  const events: string[] = [];
  const server = await listen("127.0.0.1:0", async (connection) => {
    for await (const { header, body } of connection) {
      handling.resolve();
      await sleep(200);
      await connection.send({ id: header.id }, utf8.encode(`done: ${text(body)}`));
    }
    events.push("handler done");
  });
  const address = server.address;
  const client = await connect(address);
  try {
    const reply = client.request({}, utf8.encode("slow job")).then((frame) => {
      events.push("reply received");
      return frame;
    });
    await within(5000, "handler started", handling.promise);
    const closing = server.close().then(() => events.push("server closed"));
    assert.equal(text((await within(5000, "reply", reply)).body), "done: slow job");
    // The server has sent its FIN after the reply; the client answers with its own.
    await within(5000, "client close", client.close());
    await within(5000, "server.close()", closing);
    assert.deepEqual([...events.slice(0, 2)].sort(), ["handler done", "reply received"]);
    assert.equal(events[2], "server closed");
    assert.equal(server.connections, 0);
    await assert.rejects(connect(address), Deno.errors.ConnectionRefused);
  } finally {
    client.destroy();
    await client.closed;
  }
});

Deno.test("server.close() ends idle connections: their iteration ends, and the port is released", async () => {
  const server = await listen("127.0.0.1:0", async (connection) => {
    for await (const _ of connection) {
      // Idle until the server shuts down.
    }
  });
  const client = await connect(server.address);
  // A client that closes when the server's frames end, as applications do.
  const clientDone = (async () => {
    for await (const _ of client) {
      // No frames come.
    }
    return await client.close();
  })();
  try {
    await sleep(20);
    assert.equal(server.connections, 1);
    const started = performance.now();
    await within(10_000, "server.close()", server.close());
    // Well under closeTimeoutMs (5 s): both FINs crossed, nobody waited for a timeout.
    assert.ok(performance.now() - started < 2000, `server.close() took ${performance.now() - started} ms`);
    const info = await within(5000, "client sees the close", clientDone);
    assert.equal(info.protocolError, null);
    assert.equal(info.socketError, null);
  } finally {
    client.destroy();
  }
});
