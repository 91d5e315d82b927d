import assert from "node:assert/strict";
import { DenoDatagramTransport } from "../src/datagram.ts";
import { type Address, bindDatagram, DatagramEndpoint, type DatagramFrame, encodeFrame, isSockframeError, MAX_DATAGRAM_BYTES } from "../src/index.ts";
import { sleep, text, utf8, within } from "./helpers.ts";

async function next(endpoint: DatagramEndpoint): Promise<DatagramFrame> {
  const iterator = endpoint[Symbol.asyncIterator]();
  const result = await within(5000, "a datagram", iterator.next());
  assert.ok(!result.done);
  return result.value;
}

async function rawSend(bytes: Uint8Array, to: Address): Promise<void> {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  try {
    assert.ok(to.transport === "udp");
    await socket.send(bytes, { transport: "udp", hostname: to.host, port: to.port });
  } finally {
    socket.close();
  }
}

Deno.test("udp: two endpoints exchange frames, one per datagram, and see who sent them", async () => {
  const a = await bindDatagram("udp://127.0.0.1:0");
  const b = await bindDatagram("udp://127.0.0.1:0");
  try {
    assert.equal(a.address.transport, "udp");
    await assert.rejects(bindDatagram("unix:/tmp/sf-deno-test/no.sock"), TypeError);
    await a.send({ n: 1 }, utf8.encode("ping"), b.address);
    const ping = await next(b);
    assert.equal(text(ping.body), "ping");
    assert.deepEqual(ping.from, a.address);
    await b.send({ n: 2 }, utf8.encode("pong"), ping.from);
    const pong = await next(a);
    assert.equal(text(pong.body), "pong");
    assert.equal(pong.header.n, 2);
  } finally {
    await a.close();
    await b.close();
  }
});

Deno.test("udp: over IPv6 loopback too", async () => {
  const a = await bindDatagram("udp://[::1]:0");
  const b = await bindDatagram("udp://[::1]:0");
  try {
    await a.send({}, utf8.encode("six"), b.address);
    assert.equal(text((await next(b)).body), "six");
  } finally {
    await a.close();
    await b.close();
  }
});

Deno.test("udp: frames queued unread stay intact while later datagrams arrive", async () => {
  const a = await bindDatagram("udp://127.0.0.1:0");
  const b = await bindDatagram("udp://127.0.0.1:0");
  try {
    for (let n = 0; n < 5; n++) await a.send({ n }, new Uint8Array(1000).fill(n + 1), b.address);
    for (let n = 0; n < 5; n++) {
      const frame = await next(b);
      assert.equal(frame.header.n, n);
      assert.ok(frame.body.every((byte) => byte === n + 1), `frame ${n} was overwritten`);
    }
  } finally {
    await a.close();
    await b.close();
  }
});

Deno.test("udp: garbage, two frames in one datagram, and a truncated frame are dropped and counted; the socket goes on", async () => {
  const endpoint = await bindDatagram("udp://127.0.0.1:0");
  try {
    const one = encodeFrame({}, utf8.encode("one"));
    const two = new Uint8Array(one.length * 2);
    two.set(one);
    two.set(one, one.length);
    await rawSend(utf8.encode("garbage, not a frame"), endpoint.address);
    await rawSend(two, endpoint.address);
    await rawSend(one.subarray(0, one.length - 1), endpoint.address);
    await rawSend(encodeFrame({ ok: true }, utf8.encode("good")), endpoint.address);
    const frame = await next(endpoint);
    assert.equal(text(frame.body), "good");
    assert.equal(endpoint.stats.received, 4);
    assert.equal(endpoint.stats.dropped, 3);
  } finally {
    await endpoint.close();
  }
});

Deno.test("udp: the largest frame that fits a datagram goes through intact; a larger one is refused", async () => {
  const a = await bindDatagram("udp://127.0.0.1:0");
  const b = await bindDatagram("udp://127.0.0.1:0");
  try {
    const head = encodeFrame({}, new Uint8Array(0)).length;
    const body = new Uint8Array(MAX_DATAGRAM_BYTES - head - 8).map((_, i) => i & 0xff);
    await a.send({}, body, b.address);
    const frame = await next(b);
    assert.deepEqual(frame.body, body);
    await assert.rejects(a.send({}, new Uint8Array(MAX_DATAGRAM_BYTES), b.address), (error: unknown) => {
      assert.ok(isSockframeError(error));
      assert.equal(error.code, "DATAGRAM_TOO_LARGE");
      assert.equal(error.stage, "encode");
      return true;
    });
  } finally {
    await a.close();
    await b.close();
  }
});

Deno.test("udp: sending to a closed port does not disturb the socket", async () => {
  const endpoint = await bindDatagram("udp://127.0.0.1:0");
  const peer = await bindDatagram("udp://127.0.0.1:0");
  const gone = await bindDatagram("udp://127.0.0.1:0");
  const goneAddress = gone.address;
  await gone.close();
  try {
    for (let i = 0; i < 3; i++) {
      await endpoint.send({}, utf8.encode("into the void"), goneAddress);
      await sleep(10);
    }
    await peer.send({}, utf8.encode("still listening?"), endpoint.address);
    assert.equal(text((await next(endpoint)).body), "still listening?");
  } finally {
    await endpoint.close();
    await peer.close();
  }
});

Deno.test("udp: a failed receive (Windows reports ICMP port-unreachable so) does not end the receive loop", async () => {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  let failures = 1;
  const flaky = {
    addr: socket.addr,
    send: (data: Uint8Array, to: Deno.Addr) => socket.send(data, to),
    receive: (buffer?: Uint8Array) =>
      failures-- > 0 ? Promise.reject(new Deno.errors.ConnectionReset("port unreachable")) : socket.receive(buffer),
    close: () => socket.close(),
  } as unknown as Deno.DatagramConn;
  const endpoint = new DatagramEndpoint(new DenoDatagramTransport(flaky));
  const peer = await bindDatagram("udp://127.0.0.1:0");
  try {
    await peer.send({}, utf8.encode("after the failure"), endpoint.address);
    assert.equal(text((await next(endpoint)).body), "after the failure");
  } finally {
    await endpoint.close();
    await peer.close();
  }
});

Deno.test("udp: without --unstable-net, bindDatagram says which flag is missing", async () => {
  const original = Object.getOwnPropertyDescriptor(Deno, "listenDatagram");
  // What Deno looks like when run without --unstable-net: no listenDatagram at all.
  Object.defineProperty(Deno, "listenDatagram", { value: undefined, configurable: true });
  try {
    await assert.rejects(bindDatagram("udp://127.0.0.1:0"), /--unstable-net/);
  } finally {
    Object.defineProperty(Deno, "listenDatagram", original!);
  }
});

Deno.test("udp: datagrams sent together arrive in the order they were sent (Deno alone would reverse them)", async () => {
  const a = await bindDatagram("udp://127.0.0.1:0");
  const b = await bindDatagram("udp://127.0.0.1:0");
  try {
    await Promise.all(Array.from({ length: 40 }, (_, i) => a.send({ i }, undefined, b.address)));
    const order: unknown[] = [];
    const frames = b[Symbol.asyncIterator]();
    for (let i = 0; i < 40; i++) order.push((await within(5000, "a datagram", frames.next())).value?.header.i);
    assert.deepEqual(order, Array.from({ length: 40 }, (_, i) => i));
  } finally {
    await a.close();
    await b.close();
  }
});

Deno.test("udp: a send to a closed port does not fail the next send", async () => {
  const a = await bindDatagram("udp://127.0.0.1:0");
  const b = await bindDatagram("udp://127.0.0.1:0");
  const gone = await bindDatagram("udp://127.0.0.1:0");
  const closedPort = gone.address;
  await gone.close();
  try {
    const frames = b[Symbol.asyncIterator]();
    for (let i = 0; i < 20; i++) {
      await a.send({ i }, undefined, closedPort).catch(() => undefined);
      await sleep(2);
      await a.send({ live: i }, undefined, b.address);
      assert.equal((await within(5000, "a datagram", frames.next())).value?.header.live, i);
    }
  } finally {
    await a.close();
    await b.close();
  }
});

Deno.test("udp: a send to port 0 or a port out of range rejects with the same RangeError as on Node and Bun", async () => {
  const a = await bindDatagram("udp://127.0.0.1:0");
  try {
    for (const to of ["udp://127.0.0.1:0", { transport: "udp" as const, host: "127.0.0.1", port: 70000 }, { transport: "udp" as const, host: "127.0.0.1", port: 1.5 }]) {
      await assert.rejects(a.send({}, undefined, to), { name: "RangeError", message: /port must be an integer from/ });
    }
  } finally {
    await a.close();
  }
});

Deno.test("udp: bindDatagram takes udp addresses only, as the other runtimes do", async () => {
  for (const address of ["tcp://127.0.0.1:0", "unix:/tmp/sf-deno-test/d.sock", "/tmp/sf-deno-test/d.sock"]) {
    await assert.rejects(bindDatagram(address), /udp address/);
  }
  await assert.rejects(bindDatagram({ transport: "tcp", host: "127.0.0.1", port: 0 }), TypeError);
});
