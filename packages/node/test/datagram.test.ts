import { createSocket } from "node:dgram";
import { describe, expect, it } from "vitest";
import { bindDatagram, type DatagramEndpoint, type DatagramFrame, encodeFrame, MAX_DATAGRAM_BYTES } from "../src/index.ts";
import { text, utf8, within } from "./helpers.ts";

async function next(endpoint: DatagramEndpoint): Promise<DatagramFrame> {
  const iterator = endpoint[Symbol.asyncIterator]();
  const result = await within(5000, iterator.next(), "a datagram");
  if (result.done) throw new Error("endpoint closed");
  return result.value;
}

/** Sends raw octets from a plain node:dgram socket. */
async function sendRaw(datagram: Uint8Array, port: number, host = "127.0.0.1"): Promise<void> {
  const socket = createSocket(host.includes(":") ? "udp6" : "udp4");
  await new Promise<void>((resolve, reject) => socket.send(datagram, port, host, (error) => (error ? reject(error) : resolve())));
  await new Promise<void>((resolve) => socket.close(() => resolve()));
}

describe.each([
  ["IPv4", "udp://127.0.0.1:0"],
  ["IPv6", "udp://[::1]:0"],
])("UDP over %s", (_name, address) => {
  it("two endpoints exchange frames, one per datagram", async () => {
    const a = await bindDatagram(address);
    const b = await bindDatagram(address);
    try {
      expect(a.address).toMatchObject({ transport: "udp", port: expect.any(Number) });
      await a.send({ id: 1 }, utf8.encode("ping"), b.address);
      const ping = await next(b);
      expect([ping.header.id, text(ping.body)]).toEqual([1, "ping"]);
      expect(ping.from).toEqual(a.address);
      await b.send({ id: 1 }, utf8.encode("pong"), ping.from);
      const pong = await next(a);
      expect([pong.header.id, text(pong.body)]).toEqual([1, "pong"]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("drops and counts garbage and a datagram holding two frames, and keeps working", async () => {
    const a = await bindDatagram(address);
    const b = await bindDatagram(address);
    try {
      const { host, port } = b.address as { host: string; port: number };
      await sendRaw(utf8.encode("garbage, not a frame"), port, host);
      await sendRaw(new Uint8Array([0, 0, 0, 0]), port, host);
      const one = encodeFrame({ id: "x" }, utf8.encode("one"));
      await sendRaw(new Uint8Array([...one, ...one]), port, host);
      await a.send({ id: "after" }, utf8.encode("still works"), b.address);
      const frame = await next(b);
      expect([frame.header.id, text(frame.body)]).toEqual(["after", "still works"]);
      expect(b.stats).toMatchObject({ received: 4, dropped: 3 });
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe("UDP size limit", () => {
  it("carries a frame of exactly 65507 octets over IPv4 and refuses a larger one", async () => {
    const a = await bindDatagram("127.0.0.1:0");
    const b = await bindDatagram("udp://127.0.0.1:0");
    try {
      const headerSize = encodeFrame({ id: "big" }, new Uint8Array(60_000)).length - 60_000;
      const body = new Uint8Array(MAX_DATAGRAM_BYTES - headerSize).fill(42);
      await a.send({ id: "big" }, body, b.address);
      const frame = await next(b);
      expect(frame.body.length).toBe(body.length);
      await expect(a.send({ id: "big" }, new Uint8Array(body.length + 1), b.address)).rejects.toMatchObject({
        name: "SockframeError",
        code: "DATAGRAM_TOO_LARGE",
        stage: "encode",
      });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("takes only udp addresses", async () => {
    await expect(bindDatagram("tcp://127.0.0.1:0")).rejects.toThrow(TypeError);
    await expect(bindDatagram("unix:/tmp/sf-nope.sock")).rejects.toThrow(/udp address/);
    await expect(bindDatagram("/tmp/sf-nope.sock")).rejects.toThrow(/udp address/);
  });
});

describe("UDP sends", () => {
  it("to port 0 or a port out of range reject with the same RangeError as on Deno and Bun", async () => {
    const a = await bindDatagram("udp://127.0.0.1:0");
    try {
      for (const to of ["udp://127.0.0.1:0", { transport: "udp" as const, host: "127.0.0.1", port: 70000 }, { transport: "udp" as const, host: "127.0.0.1", port: 1.5 }]) {
        const error: unknown = await a.send({}, undefined, to).catch((failure: unknown) => failure);
        expect(error).toBeInstanceOf(RangeError);
        expect((error as Error).message).toMatch(/port must be an integer from/);
      }
    } finally {
      await a.close();
    }
  });

  it("go out in the order they were made, and one to a closed port does not fail the next", async () => {
    const a = await bindDatagram("udp://127.0.0.1:0");
    const b = await bindDatagram("udp://127.0.0.1:0");
    const gone = await bindDatagram("udp://127.0.0.1:0");
    const closedPort = gone.address;
    await gone.close();
    try {
      await Promise.all(Array.from({ length: 40 }, (_, i) => a.send({ i }, undefined, b.address)));
      const order: unknown[] = [];
      for (let i = 0; i < 40; i++) order.push((await next(b)).header.i);
      expect(order).toEqual(Array.from({ length: 40 }, (_, i) => i));
      for (let i = 0; i < 20; i++) {
        await a.send({ i }, undefined, closedPort).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 2));
        await a.send({ live: i }, undefined, b.address);
        expect((await next(b)).header.live).toBe(i);
      }
    } finally {
      await a.close();
      await b.close();
    }
  });
});
