import { afterAll, describe, expect, it } from "vitest";
import { connect, type Connection, listen, type Server } from "../src/index.ts";
import { releasedEcho } from "../../connection/test/released-echo.ts";
import { take, tempDir, text, upper, utf8, within } from "./helpers.ts";

const dir = tempDir();
afterAll(() => dir.remove());

/** Replies to each frame with its body upper-cased, echoing its id and filename. */
async function upperCaser(connection: Connection): Promise<void> {
  for await (const { header, body } of connection) {
    await connection.send({ id: header.id, filename: header.filename }, upper(body));
  }
}

const transports: Array<[string, () => string]> = [
  ["tcp", () => "127.0.0.1:0"],
  ["tcp over IPv6", () => "[::1]:0"],
  ["unix", () => `unix:${dir.path(`echo-${Math.random().toString(36).slice(2, 8)}.sock`)}`],
];

describe.each(transports)("echo over %s", (_name, address) => {
  async function withServer(handler: (connection: Connection) => Promise<void>, run: (server: Server) => Promise<void>) {
    const server = await listen(address(), handler);
    try {
      await within(30_000, run(server));
    } finally {
      await server.close();
    }
  }

  it("answers three frames with three replies, in order", async () => {
    await withServer(upperCaser, async (server) => {
      const client = await connect(server.address);
      const words = ["alpha", "beta", "gamma"];
      await Promise.all(words.map((word, i) => client.send({ filename: `f${i}` }, utf8.encode(word))));
      const replies = await take(client, 3);
      expect(replies.map((f) => [f.header.filename, text(f.body)])).toEqual([
        ["f0", "ALPHA"],
        ["f1", "BETA"],
        ["f2", "GAMMA"],
      ]);
      await client.close();
    });
  });

  it("resolves 100 concurrent requests by id when the server answers in reverse order", async () => {
    const count = 100;
    const reversing = async (connection: Connection) => {
      const held: Array<{ id: unknown; body: Uint8Array }> = [];
      for await (const { header, body } of connection) {
        held.push({ id: header.id, body });
        if (held.length === count) {
          for (const frame of held.reverse()) await connection.send({ id: frame.id as number }, upper(frame.body));
        }
      }
    };
    await withServer(reversing, async (server) => {
      const client = await connect(server.url);
      const replies = await Promise.all(Array.from({ length: count }, (_, i) => client.request({}, utf8.encode(`request ${i}`))));
      expect(replies.map((reply) => text(reply.body))).toEqual(Array.from({ length: count }, (_, i) => `REQUEST ${i}`));
      expect(client.pendingRequests).toBe(0);
      await client.close();
    });
  });

  it("delivers a burst of 10,000 small frames, sent without awaiting each, in order", async () => {
    const count = 10_000;
    await withServer(upperCaser, async (server) => {
      const client = await connect(server.address);
      const sends = Array.from({ length: count }, (_, i) => client.send({ id: i }, utf8.encode(`m${i}`)));
      const replies = take(client, count);
      await Promise.all(sends);
      const frames = await replies;
      expect(frames.length).toBe(count);
      frames.forEach((frame, i) => {
        expect(frame.header.id).toBe(i);
        expect(text(frame.body)).toBe(`M${i}`);
      });
      await client.close();
    });
  });

  it("echoes 1 MiB bodies released on both sides intact, in reused memory", async () => {
    const { intact, serverBuffers } = await within(60_000, releasedEcho(listen, connect, address()));
    expect(intact).toEqual(Array(24).fill(true));
    expect(serverBuffers).toBeLessThan(24);
  });

  it("streams an 8 MiB reply with requestStream, and a request given up on does not disturb the next", async () => {
    const size = 8 * 1024 * 1024;
    await withServer(upperCaser, async (server) => {
      const client = await connect(server.address, { streamBodies: true });
      const body = new Uint8Array(size).fill(0x61);
      const reply = await client.requestStream({ filename: "big" }, body);
      expect(reply.header.total_size).toBe(size);
      let received = 0;
      let allUpper = true;
      for await (const chunk of reply.body) {
        received += chunk.length;
        allUpper &&= chunk.every((octet) => octet === 0x41);
      }
      expect([received, allUpper]).toEqual([size, true]);
      const controller = new AbortController();
      const given = client.requestStream({}, utf8.encode("x"), { signal: controller.signal });
      controller.abort();
      await expect(given).rejects.toMatchObject({ name: "AbortError" });
      const next = await client.requestStream({}, utf8.encode("y"));
      expect(text(new Uint8Array(await new Response(next.body).arrayBuffer()))).toBe("Y");
      await client.close();
    });
  });
});

describe("connect({ signal })", () => {
  it("an aborted signal rejects with its reason and opens no socket", async () => {
    let accepted = 0;
    const server = await listen("127.0.0.1:0", async () => {
      accepted++;
    });
    try {
      const reason = new Error("not now");
      await expect(connect(server.address, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
      // A signal that does not fire changes nothing.
      const client = await connect(server.address, { signal: new AbortController().signal });
      await client.close();
      expect(accepted).toBe(1);
    } finally {
      await server.close();
    }
  });
});

