import { encodeFrame } from "@sockframe/codec";
import { describe, expect, it } from "vitest";
import { type Address, DatagramEndpoint, type DatagramOptions, type DatagramTransport } from "../src/index.ts";

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
  const from: Address = { transport: "udp", host: "127.0.0.1", port: 7 };

  it("takes datagrams that are exactly one frame, drops and counts the rest", async () => {
    const transport = fakeTransport();
    const endpoint = new DatagramEndpoint(transport);
    const good = encodeFrame({ id: 1 });
    transport.receive!(new Uint8Array([1, 2, 3]), from);
    transport.receive!(new Uint8Array([...good, ...good]), from);
    transport.receive!(good.subarray(0, good.length - 1), from);
    transport.receive!(good, from);
    const first = await endpoint[Symbol.asyncIterator]().next();
    expect(first.value).toMatchObject({ header: { id: 1 }, from });
    expect(endpoint.stats).toMatchObject({ received: 4, dropped: 3, invalid: 3, overflowed: 0 });
    expect(endpoint.stats.lastError?.code).toBe("TRUNCATED");
  });

  it("keeps why each invalid datagram was dropped (SPEC 9), with its code and stage", () => {
    const transport = fakeTransport();
    const endpoint = new DatagramEndpoint(transport, { maxDatagramBytes: 64 });
    const good = encodeFrame({ id: 1 });
    const cases: Array<[Uint8Array, string, string]> = [
      [new Uint8Array(0), "TRUNCATED", "end"],
      [new Uint8Array([...good, 0]), "DATAGRAM_TRAILING_OCTETS", "end"],
      [new Uint8Array([...good, ...good]), "DATAGRAM_TRAILING_OCTETS", "end"],
      [new Uint8Array(65), "DATAGRAM_TOO_LARGE", "prefix"],
      [new Uint8Array([0, 0, 0, 0]), "HEADER_LENGTH_INVALID", "prefix"],
      [encodeFrame({ md5: "0".repeat(32) }, new Uint8Array(1)), "CHECKSUM_MISMATCH", "body"],
    ];
    for (const [datagram, code, stage] of cases) {
      transport.receive!(datagram, from);
      expect(endpoint.stats.lastError).toMatchObject({ name: "SockframeError", code, stage });
    }
    expect(endpoint.stats).toMatchObject({ received: cases.length, dropped: cases.length, invalid: cases.length });
  });

  it("counts valid frames dropped for a full queue apart, keeping the last invalid datagram's error", async () => {
    const transport = fakeTransport();
    const endpoint = new DatagramEndpoint(transport, { maxQueuedFrames: 2 });
    transport.receive!(new Uint8Array(3), from);
    for (let id = 1; id <= 5; id++) transport.receive!(encodeFrame({ id }), from);
    expect(endpoint.stats).toMatchObject({ received: 6, dropped: 4, invalid: 1, overflowed: 3 });
    expect(endpoint.stats.lastError?.code).toBe("TRUNCATED");
    const frames = endpoint[Symbol.asyncIterator]();
    expect((await frames.next()).value.header.id).toBe(1);
    expect((await frames.next()).value.header.id).toBe(2);
  });

  it("bounds the memory of unread frames too, headers weighing HEADER_MEMORY_FACTOR octets per octet", async () => {
    const transport = fakeTransport();
    const endpoint = new DatagramEndpoint(transport, { maxQueuedBytes: 1024 * 1024 });
    const pad = "[".repeat(10_000); // about 320 KiB counted per frame
    for (let id = 1; id <= 5; id++) transport.receive!(encodeFrame({ id, pad }), from);
    expect(endpoint.stats).toMatchObject({ received: 5, dropped: 2, overflowed: 2 });
    const frames = endpoint[Symbol.asyncIterator]();
    for (let id = 1; id <= 3; id++) expect((await frames.next()).value.header.id).toBe(id);
    transport.receive!(encodeFrame({ id: 6, pad }), from); // room again once read
    expect((await frames.next()).value.header.id).toBe(6);
  });

  it("refuses to send a frame over the datagram limit, with DATAGRAM_TOO_LARGE at stage encode", async () => {
    const transport = fakeTransport();
    const endpoint = new DatagramEndpoint(transport, { maxDatagramBytes: 100 });
    const to: Address = { transport: "udp", host: "127.0.0.1", port: 1 };
    await expect(endpoint.send({}, new Uint8Array(200), to)).rejects.toMatchObject({ code: "DATAGRAM_TOO_LARGE", stage: "encode" });
    await expect(endpoint.send({ md5: "X" }, undefined, to)).rejects.toMatchObject({ code: "HEADER_INVALID", stage: "encode" });
    const fits = 100 - (encodeFrame({}, new Uint8Array(50)).length - 50); // a two-digit total_size either way
    await endpoint.send({}, new Uint8Array(fits), to);
    expect(transport.sent.map((datagram) => datagram.length)).toEqual([100]);
  });

  it("drops a datagram whose header an application schema throws on, as HEADER_INVALID, and goes on", async () => {
    const transport = fakeTransport();
    // As a zod transform does with `new Date(text).toISOString()` on a bad date.
    const header = {
      safeParse: (raw: { when: string }) => ({ success: true, data: { ...raw, when: new Date(raw.when).toISOString() } }),
    } as unknown as DatagramOptions["header"];
    const endpoint = new DatagramEndpoint(transport, { header });
    transport.receive!(encodeFrame({ when: "not a date" }), from);
    transport.receive!(encodeFrame({ when: "2020-01-01" }), from);
    expect(endpoint.stats).toMatchObject({ received: 2, invalid: 1, lastError: { code: "HEADER_INVALID" } });
    expect((await endpoint[Symbol.asyncIterator]().next()).value.header.when).toBe("2020-01-01T00:00:00.000Z");
  });

  it("sends to udp addresses only, as objects or text, and nothing after close()", async () => {
    const transport = fakeTransport();
    const endpoint = new DatagramEndpoint(transport);
    await endpoint.send({}, undefined, "127.0.0.1:9");
    await endpoint.send({}, undefined, "udp://[::1]:9");
    await expect(endpoint.send({}, undefined, { transport: "tcp", host: "127.0.0.1", port: 9 })).rejects.toThrow(TypeError);
    await expect(endpoint.send({}, undefined, "unix:/tmp/x.sock")).rejects.toThrow(TypeError);
    await endpoint.close();
    await expect(endpoint.send({}, undefined, "127.0.0.1:9")).rejects.toThrow(/closed/);
    expect(transport.sent).toHaveLength(2);
  });

  it("rejects a destination port outside 1..65535, port 0 included, with a RangeError before sending", async () => {
    const transport = fakeTransport();
    const endpoint = new DatagramEndpoint(transport);
    const udp = (port: number): Address => ({ transport: "udp", host: "127.0.0.1", port });
    for (const to of ["udp://127.0.0.1:0", "127.0.0.1:0", "0", udp(0), udp(-1), udp(65536), udp(1.5), udp(Number.NaN), udp(Infinity)]) {
      await expect(endpoint.send({}, undefined, to), JSON.stringify(to)).rejects.toThrow(RangeError);
    }
    expect(transport.sent).toHaveLength(0);
    await endpoint.send({}, undefined, udp(1));
    await endpoint.send({}, undefined, "udp://127.0.0.1:65535");
    expect(transport.sent).toHaveLength(2);
  });

  it("rejects every send after close() with CLOSING, before looking at the frame or the address", async () => {
    const transport = fakeTransport();
    const endpoint = new DatagramEndpoint(transport, { maxDatagramBytes: 100 });
    await endpoint.close();
    const sends: Array<() => Promise<void>> = [
      () => endpoint.send({}, undefined, "127.0.0.1:9"),
      () => endpoint.send({}, new Uint8Array(200), "127.0.0.1:9"),
      () => endpoint.send({ md5: "X" }, undefined, "127.0.0.1:9"),
      () => endpoint.send({}, undefined, { transport: "tcp", host: "127.0.0.1", port: 9 }),
      () => endpoint.send({}, undefined, "unix:/tmp/x.sock"),
      () => endpoint.send({}, undefined, "udp://127.0.0.1:99999"),
    ];
    for (const send of sends) await expect(send()).rejects.toMatchObject({ name: "ConnectionClosedError", code: "CLOSING" });
    expect(transport.sent).toHaveLength(0);
  });

  it("rejects a send still in flight when close() begins, whatever the runtime's socket does with it", async () => {
    const transport = { ...fakeTransport(), send: () => new Promise<void>(() => undefined) }; // Node's send callback never comes
    const endpoint = new DatagramEndpoint(transport);
    const sent = endpoint.send({}, undefined, "127.0.0.1:9").then(() => "sent", (error: Error) => error.message);
    await endpoint.close();
    expect(await sent).toMatch(/closed before the datagram was sent/);
  });

  it("checks maxDatagramBytes when it is made, not at the first datagram", () => {
    expect(() => new DatagramEndpoint(fakeTransport(), { maxDatagramBytes: -1 })).toThrow(RangeError);
    expect(() => new DatagramEndpoint(fakeTransport(), { maxDatagramBytes: 1.5 })).toThrow(RangeError);
    expect(() => new DatagramEndpoint(fakeTransport(), { maxBodyBytes: -1 })).toThrow(RangeError);
  });
});
