import { expect, test } from "bun:test";
import { bindDatagram, connect, listen } from "../src/index.ts";

// An option out of range must fail the call before a socket exists: before, listen() succeeded and
// the first connection threw, and bindDatagram() kept its port bound for good.
test("listen() with an option out of range rejects", async () => {
  await expect(listen("127.0.0.1:0", async () => undefined, { profile: "xx" } as never)).rejects.toThrow(RangeError);
  await expect(listen("127.0.0.1:0", async () => undefined, { maxConnections: -1 })).rejects.toThrow("maxConnections must be an integer >= 1");
});

test("connect() with an option out of range rejects without connecting", async () => {
  let accepted = 0;
  const server = await listen("127.0.0.1:0", async () => void accepted++);
  try {
    await expect(connect(server.address, { maxQueuedFrames: 0 })).rejects.toThrow(RangeError);
    await expect(connect(server.address, { profile: "xx" } as never)).rejects.toThrow(RangeError);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(accepted).toBe(0);
  } finally {
    await server.close();
  }
});

test("bindDatagram() with an option out of range rejects and leaves the port free", async () => {
  const probe = await bindDatagram("udp://127.0.0.1:0");
  const port = probe.address.transport === "udp" ? probe.address.port : 0;
  await probe.close();
  await expect(bindDatagram(`udp://127.0.0.1:${port}`, { maxQueuedFrames: 0 })).rejects.toThrow(RangeError);
  await expect(bindDatagram(`udp://127.0.0.1:${port}`, { maxDatagramBytes: -1 })).rejects.toThrow(RangeError);
  const again = await bindDatagram(`udp://127.0.0.1:${port}`);
  await again.close();
});
