import { afterEach, expect, test } from "bun:test";
import { bindDatagram, type DatagramEndpoint, type DatagramFrame, encodeFrame, MAX_DATAGRAM_BYTES } from "../src/index.ts";
import { bytes, concat, text, waitFor, within } from "./helpers.ts";

const endpoints: DatagramEndpoint[] = [];
afterEach(async () => {
  await Promise.all(endpoints.splice(0).map((endpoint) => endpoint.close()));
});

async function bind(address: string): Promise<DatagramEndpoint> {
  const endpoint = await bindDatagram(address);
  endpoints.push(endpoint);
  return endpoint;
}

async function nextFrame(endpoint: DatagramEndpoint): Promise<DatagramFrame> {
  const result = await within(5000, "a datagram", endpoint[Symbol.asyncIterator]().next());
  if (result.done) throw new Error("endpoint closed");
  return result.value;
}

for (const host of ["127.0.0.1", "[::1]"]) {
  test(`two endpoints exchange frames over ${host}`, async () => {
    const a = await bind(`udp://${host}:0`);
    const b = await bind(`udp://${host}:0`);
    expect(a.address.transport).toBe("udp");
    if (a.address.transport === "udp") expect(a.address.port).toBeGreaterThan(0);
    await a.send({ filename: "hello" }, bytes("ping"), b.address);
    const got = await nextFrame(b);
    expect(text(got.body)).toBe("ping");
    expect(got.header.filename).toBe("hello");
    expect(got.from).toEqual(a.address);
    await b.send({ filename: "reply" }, bytes("pong"), got.from);
    expect(text((await nextFrame(a)).body)).toBe("pong");
  });
}

test("garbage and two-frame datagrams are dropped and counted; the socket keeps working", async () => {
  const receiver = await bind("udp://127.0.0.1:0");
  const sender = await bind("udp://127.0.0.1:0");
  if (receiver.address.transport !== "udp") throw new Error("expected UDP");
  const raw = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = receiver.address.port;
    raw.send(bytes("definitely not a frame"), port, "127.0.0.1");
    raw.send(concat([encodeFrame({}, bytes("one")), encodeFrame({}, bytes("two"))]), port, "127.0.0.1");
    raw.send(encodeFrame({}, bytes("x")).subarray(0, 7), port, "127.0.0.1");
    await waitFor(() => receiver.stats.received === 3, 5000, "three bad datagrams");
    await sender.send({}, bytes("valid"), receiver.address);
    const got = await nextFrame(receiver);
    expect(text(got.body)).toBe("valid");
    expect(receiver.stats.received).toBe(4);
    expect(receiver.stats.dropped).toBe(3);
  } finally {
    raw.close();
  }
});

test("the largest IPv4 datagram frame goes through; a larger one is refused before sending", async () => {
  const a = await bind("udp://127.0.0.1:0");
  const b = await bind("udp://127.0.0.1:0");
  const overhead = encodeFrame({}, new Uint8Array(0)).length + String(MAX_DATAGRAM_BYTES).length - 1;
  const body = new Uint8Array(MAX_DATAGRAM_BYTES - overhead).fill(7);
  expect(encodeFrame({}, body).length).toBe(MAX_DATAGRAM_BYTES);
  await a.send({}, body, b.address);
  expect((await nextFrame(b)).body.length).toBe(body.length);
  await expect(a.send({}, new Uint8Array(MAX_DATAGRAM_BYTES), b.address)).rejects.toMatchObject({
    name: "SockframeError",
    code: "DATAGRAM_TOO_LARGE",
    stage: "encode",
  });
});

test("a hostname destination is resolved (Bun's send takes IP addresses only)", async () => {
  const a = await bind("udp://127.0.0.1:0");
  const b = await bind("udp://127.0.0.1:0");
  if (b.address.transport !== "udp") throw new Error("expected UDP");
  await a.send({}, bytes("by name"), { transport: "udp", host: "localhost", port: b.address.port });
  expect(text((await nextFrame(b)).body)).toBe("by name");
});

test("a send to a closed port does not fail the next send, nor throw from the socket (ICMP port unreachable)", async () => {
  const a = await bind("udp://127.0.0.1:0");
  const b = await bind("udp://127.0.0.1:0");
  const gone = await bindDatagram("udp://127.0.0.1:0");
  const closedPort = gone.address;
  await gone.close();
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => void uncaught.push(error);
  process.on("uncaughtException", onUncaught);
  try {
    for (let i = 0; i < 20; i++) {
      await a.send({ i }, undefined, closedPort).catch(() => undefined);
      await Bun.sleep(2); // lets the ICMP error come back before the next send
      await a.send({ live: i }, undefined, b.address);
      expect((await nextFrame(b)).header.live).toBe(i);
    }
    await Bun.sleep(20);
  } finally {
    process.off("uncaughtException", onUncaught);
  }
  expect(uncaught).toEqual([]);
});

test("datagrams sent together arrive in the order they were sent", async () => {
  const a = await bind("udp://127.0.0.1:0");
  const b = await bind("udp://127.0.0.1:0");
  await Promise.all(Array.from({ length: 40 }, (_, i) => a.send({ i }, undefined, b.address)));
  const order: unknown[] = [];
  for (let i = 0; i < 40; i++) order.push((await nextFrame(b)).header.i);
  expect(order).toEqual(Array.from({ length: 40 }, (_, i) => i));
});

test("a send to port 0 or a port out of range rejects with the same RangeError as on Node and Deno", async () => {
  const a = await bind("udp://127.0.0.1:0");
  for (const to of ["udp://127.0.0.1:0", { transport: "udp" as const, host: "127.0.0.1", port: 70000 }, { transport: "udp" as const, host: "127.0.0.1", port: 1.5 }]) {
    const error: unknown = await a.send({}, undefined, to).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toMatch(/port must be an integer from/);
  }
});

test("bindDatagram takes udp addresses only, with a message that says so", async () => {
  for (const address of ["tcp://127.0.0.1:0", "unix:/tmp/sf-bun-dgram.sock", "/tmp/sf-bun-dgram.sock"]) {
    await expect(bindDatagram(address)).rejects.toThrow(/udp address/);
  }
});
