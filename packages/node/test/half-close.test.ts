import { createServer, type Server as NetServer } from "node:net";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { connect, type Connection, encodeFrame, listen } from "../src/index.ts";
import { deferred, delay, framesOf, rawConnect, readToEnd, take, tempDir, text, upper, utf8, within } from "./helpers.ts";

const dir = tempDir();
afterAll(() => dir.remove());

describe.each([
  ["tcp", () => "127.0.0.1:0"],
  ["unix", () => `unix:${dir.path("half.sock")}`],
])("half-close over %s", (_name, address) => {
  it("the server still replies to every frame after the client's FIN, then closes", async () => {
    // Replies come well after the FIN: a server socket without allowHalfOpen would have ended by then.
    const slowUpper = async (connection: Connection) => {
      for await (const { header, body } of connection) {
        await delay(50);
        await connection.send({ id: header.id }, upper(body));
      }
    };
    const server = await listen(address(), slowUpper);
    try {
      const raw = await rawConnect(server.address, { allowHalfOpen: true });
      const replies = readToEnd(raw);
      for (const [i, word] of ["one", "two", "three"].entries()) raw.write(encodeFrame({ id: i }, utf8.encode(word)));
      raw.end();
      const frames = framesOf(await within(10_000, replies, "replies and EOF"));
      expect(frames.map((frame) => [frame.header.id, text(frame.body)])).toEqual([
        [0, "ONE"],
        [1, "TWO"],
        [2, "THREE"],
      ]);
    } finally {
      await server.close();
    }
  });
});

describe("half-close on the client side", () => {
  let netServer: NetServer | null = null;
  afterEach(() => {
    netServer?.close();
    netServer = null;
  });

  it("a client still sends after the server's FIN", async () => {
    const fromClient = deferred<Buffer>();
    netServer = createServer({ allowHalfOpen: true }, (socket) => {
      void readToEnd(socket).then(fromClient.resolve);
      socket.end(encodeFrame({ id: "hello" }, utf8.encode("greetings")));
    });
    await new Promise<void>((resolve) => netServer!.listen({ host: "127.0.0.1", port: 0 }, resolve));
    const { port } = netServer.address() as { port: number };

    const client = await connect({ transport: "tcp", host: "127.0.0.1", port });
    const [greeting] = await within(5000, take(client, 1));
    expect(text(greeting!.body)).toBe("greetings");
    // Iteration ends: the server has sent its FIN.
    expect(await within(5000, take(client, 1))).toEqual([]);
    await delay(50);
    await client.send({ id: "late" }, utf8.encode("still here"));
    await client.close();
    const frames = framesOf(await within(5000, fromClient.promise, "the client's frames"));
    expect(frames.map((frame) => [frame.header.id, text(frame.body)])).toEqual([["late", "still here"]]);
  });
});
