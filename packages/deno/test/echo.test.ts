import assert from "node:assert/strict";
import { type Address, connect, type Connection, listen, RemoteError } from "../src/index.ts";
import { releasedEcho } from "../../connection/test/released-echo.ts";
import { freshSocketDir, SOCKET_A, text, utf8, within } from "./helpers.ts";

const upper = (body: Uint8Array) => utf8.encode(text(body).toUpperCase());

async function upperCaseServer(connection: Connection): Promise<void> {
  for await (const { header, body } of connection) await connection.send({ id: header.id }, upper(body));
}

const addresses: Array<[string, () => Promise<string | Address>]> = [
  ["tcp", () => Promise.resolve("127.0.0.1:0")],
  ["tcp6", () => Promise.resolve("[::1]:0")],
  ["unix", async () => (await freshSocketDir(), `unix:${SOCKET_A}`)],
];

for (const [transport, address] of addresses) {
  Deno.test(`echo over ${transport}: 3 frames, 3 upper-cased replies in order`, async () => {
    const server = await listen(await address(), upperCaseServer);
    const client = await connect(server.address);
    try {
      await Promise.all(["one", "two", "three"].map((word) => client.send({}, utf8.encode(word))));
      const replies: string[] = [];
      await within(5000, "3 replies", (async () => {
        for await (const frame of client) {
          replies.push(text(frame.body));
          if (replies.length === 3) break;
        }
      })());
      assert.deepEqual(replies, ["ONE", "TWO", "THREE"]);
    } finally {
      await client.close();
      await server.close();
    }
  });

  Deno.test(`request() over ${transport}: 100 in flight, resolved by id`, async () => {
    const server = await listen(await address(), upperCaseServer);
    const client = await connect(server.address);
    try {
      const words = Array.from({ length: 100 }, (_, i) => `word ${i}`);
      const replies = await within(5000, "100 replies", Promise.all(words.map((word) => client.request({}, utf8.encode(word)))));
      assert.deepEqual(replies.map((reply) => text(reply.body)), words.map((word) => word.toUpperCase()));
    } finally {
      await client.close();
      await server.close();
    }
  });
}

for (const [transport, address] of addresses) {
  Deno.test(`release() over ${transport}: 1 MiB bodies released on both sides come back intact, in reused memory`, async () => {
    const { intact, serverBuffers } = await within(60_000, "24 echoes", releasedEcho(listen, connect, await address()));
    assert.deepEqual(intact, Array(24).fill(true));
    assert.ok(serverBuffers < 24, `${serverBuffers} buffers for 24 bodies`);
  });
}

Deno.test("request(): replies out of order and error replies reach the right callers", async () => {
  // Holds every request until 100 have arrived, then answers them last to first.
  const server = await listen("127.0.0.1:0", async (connection) => {
    const held: Array<{ id: unknown; body: Uint8Array }> = [];
    for await (const { header, body } of connection) {
      held.push({ id: header.id, body });
      if (held.length === 100) break;
    }
    for (const { id, body } of held.reverse()) {
      const word = text(body);
      if (word.endsWith("7")) await connection.send({ id, error: { code: "APP_SEVEN", message: `no ${word}` } });
      else await connection.send({ id }, upper(body));
    }
  });
  const client = await connect(server.address);
  try {
    const words = Array.from({ length: 100 }, (_, i) => `w${i}`);
    const settled = await within(5000, "100 replies", Promise.allSettled(words.map((word) => client.request({}, utf8.encode(word)))));
    settled.forEach((outcome, i) => {
      if (words[i]!.endsWith("7")) {
        assert.equal(outcome.status, "rejected");
        assert.ok(outcome.status === "rejected" && outcome.reason instanceof RemoteError);
        assert.equal((outcome as PromiseRejectedResult).reason.code, "APP_SEVEN");
      } else {
        assert.equal(outcome.status, "fulfilled");
        assert.equal(text((outcome as PromiseFulfilledResult<{ body: Uint8Array }>).value.body), words[i]!.toUpperCase());
      }
    });
    assert.equal(client.pendingRequests, 0);
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("listen: port 0 reports the real port; the default host is loopback, never 0.0.0.0", async () => {
  for (const address of [":0", "0", "tcp://127.0.0.1:0"]) {
    const server = await listen(address, () => undefined);
    try {
      assert.equal(server.address.transport, "tcp");
      assert.ok(server.address.transport === "tcp" && server.address.port > 0);
      assert.ok(server.address.transport === "tcp" && server.address.host === "127.0.0.1", `${address} bound ${server.url}`);
    } finally {
      await server.close();
    }
  }
});

Deno.test("listen: a port in use is EADDRINUSE by its code, as on Node and Bun", async () => {
  const server = await listen("127.0.0.1:0", () => undefined);
  try {
    await assert.rejects(listen(server.address, () => undefined), (error: unknown) => {
      assert.ok(error instanceof Deno.errors.AddrInUse);
      assert.equal((error as { code?: string }).code, "EADDRINUSE");
      return true;
    });
  } finally {
    await server.close();
  }
});

Deno.test("listen/connect refuse UDP addresses (bindDatagram is for those)", async () => {
  await assert.rejects(listen("udp://127.0.0.1:0", () => undefined), TypeError);
  await assert.rejects(connect("udp://127.0.0.1:9"), TypeError);
});
