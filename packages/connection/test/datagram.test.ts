import { encodeFrame } from "@sockframe/codec";
import { describe, expect, it } from "vitest";
import { type Address, DatagramEndpoint, type DatagramTransport } from "../src/index.ts";

function fakeTransport(): DatagramTransport & { receive?: (d: Uint8Array, from: Address) => void; sent: Uint8Array[] } {
  return {
    address: { transport: "udp", host: "127.0.0.1", port: 9 },
    sent: [],
    start(receive) {
      this.receive = receive;
    },
    async send(datagram) {
      this.sent.push(datagram);
    },
    async close() {},
  };
}

describe("DatagramEndpoint", () => {
  it("takes datagrams that are exactly one frame, drops and counts the rest", async () => {
    const transport = fakeTransport();
    const endpoint = new DatagramEndpoint(transport);
    const from: Address = { transport: "udp", host: "127.0.0.1", port: 7 };
    const good = encodeFrame({ id: 1 });
    transport.receive!(new Uint8Array([1, 2, 3]), from);
    transport.receive!(new Uint8Array([...good, ...good]), from);
    transport.receive!(good.subarray(0, good.length - 1), from);
    transport.receive!(good, from);
    const first = await endpoint[Symbol.asyncIterator]().next();
    expect(first.value).toMatchObject({ header: { id: 1 }, from });
    expect(endpoint.stats).toMatchObject({ received: 4, dropped: 3 });
    expect(endpoint.stats.lastError?.code).toBe("TRUNCATED");
  });

  it("refuses to send a frame over the datagram limit", async () => {
    const endpoint = new DatagramEndpoint(fakeTransport(), { maxDatagramBytes: 100 });
    await expect(endpoint.send({}, new Uint8Array(200), { transport: "udp", host: "127.0.0.1", port: 1 })).rejects.toThrow(RangeError);
  });
});
