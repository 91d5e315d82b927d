import assert from "node:assert/strict";
import { bindDatagram, connect, listen } from "../src/index.ts";

// An option out of range must fail the call before a socket exists (Deno's sanitizers would also
// report a socket left open): before, listen() succeeded and the first connection threw, and
// bindDatagram() kept its port bound.
Deno.test("options: listen() with an option out of range rejects", async () => {
  await assert.rejects(listen("127.0.0.1:0", async () => undefined, { profile: "xx" } as never), RangeError);
  await assert.rejects(listen("127.0.0.1:0", async () => undefined, { maxConnections: -1 }), /maxConnections must be an integer >= 1/);
});

Deno.test("options: connect() with an option out of range rejects without connecting", async () => {
  let accepted = 0;
  const server = await listen("127.0.0.1:0", async () => void accepted++);
  try {
    await assert.rejects(connect(server.address, { maxQueuedFrames: 0 }), RangeError);
    await assert.rejects(connect(server.address, { profile: "xx" } as never), RangeError);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(accepted, 0);
  } finally {
    await server.close();
  }
});

Deno.test("options: bindDatagram() with an option out of range rejects and leaves the port free", async () => {
  const probe = await bindDatagram("udp://127.0.0.1:0");
  const port = probe.address.transport === "udp" ? probe.address.port : 0;
  await probe.close();
  await assert.rejects(bindDatagram(`udp://127.0.0.1:${port}`, { maxQueuedFrames: 0 }), RangeError);
  await assert.rejects(bindDatagram(`udp://127.0.0.1:${port}`, { maxDatagramBytes: -1 }), RangeError);
  const again = await bindDatagram(`udp://127.0.0.1:${port}`);
  await again.close();
});
