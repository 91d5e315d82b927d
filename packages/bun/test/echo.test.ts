import { afterEach, describe, expect, test } from "bun:test";
import { type Connection, connect, listen } from "../src/index.ts";
import { releasedEcho } from "../../connection/test/released-echo.ts";
import { bytes, Resources, sleep, socketDir, text, within } from "./helpers.ts";

const dir = socketDir();
const open = new Resources();
afterEach(() => open.closeAll());

/** Replies to each frame with its body upper-cased, keeping the id. */
async function upperCase(connection: Connection): Promise<void> {
  for await (const { header, body } of connection) {
    await connection.send({ id: header.id, filename: header.filename }, bytes(text(body).toUpperCase()));
  }
}

for (const transport of ["tcp", "unix"] as const) {
  describe(`echo over ${transport}`, () => {
    const address = () => (transport === "tcp" ? "127.0.0.1:0" : `unix:${dir}/echo-${Math.random().toString(36).slice(2, 8)}.sock`);

    test("three frames, three replies in order", async () => {
      const server = open.server(await listen(address(), upperCase));
      expect(server.address.transport).toBe(transport);
      if (server.address.transport === "tcp") expect(server.address.port).toBeGreaterThan(0);
      const client = open.client(await connect(server.address));
      await Promise.all(["one", "two", "three"].map((word, i) => client.send({ filename: `f${i}` }, bytes(word))));
      const replies: string[] = [];
      await within(5000, "three replies", (async () => {
        for await (const frame of client) {
          replies.push(`${frame.header.filename}:${text(frame.body)}`);
          if (replies.length === 3) break;
        }
      })());
      expect(replies).toEqual(["f0:ONE", "f1:TWO", "f2:THREE"]);
    });

    test("1 MiB bodies released on both sides come back intact, in reused memory", async () => {
      const { intact, serverBuffers } = await within(60_000, "24 echoes", releasedEcho(listen, connect, address()));
      expect(intact).toEqual(Array(24).fill(true));
      expect(serverBuffers).toBeLessThan(24);
    });

    test("100 concurrent requests resolved by id", async () => {
      const server = open.server(await listen(address(), upperCase));
      const client = open.client(await connect(server.address));
      const words = Array.from({ length: 100 }, (_, i) => `word-${i}`);
      const replies = await within(5000, "100 replies", Promise.all(words.map((word) => client.request({}, bytes(word)))));
      expect(replies.map((frame) => text(frame.body))).toEqual(words.map((word) => word.toUpperCase()));
      expect(client.pendingRequests).toBe(0);
    });

    test("a server replying out of order still resolves each request with its own reply", async () => {
      const server = await listen(address(), async (connection) => {
        const held: Array<{ id: unknown; body: Uint8Array }> = [];
        for await (const { header, body } of connection) {
          held.push({ id: header.id, body });
          if (held.length === 100) break;
        }
        // Reverse order, with pauses, so that replies do not arrive in request order.
        for (const [i, { id, body }] of held.reverse().entries()) {
          await connection.send({ id: id as number }, bytes(`reply to ${text(body)}`));
          if (i % 10 === 0) await sleep(1);
        }
      });
      open.server(server);
      const client = open.client(await connect(server.address));
      const order: number[] = [];
      const requests = Array.from({ length: 100 }, (_, i) =>
        client.request({}, bytes(String(i))).then((frame) => {
          order.push(i);
          return text(frame.body);
        }),
      );
      const replies = await within(5000, "100 out-of-order replies", Promise.all(requests));
      expect(replies).toEqual(Array.from({ length: 100 }, (_, i) => `reply to ${i}`));
      expect(order[0]).toBe(99);
    });
  });
}
