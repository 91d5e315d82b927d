import { createConnection } from "node:net";
import { afterEach, expect, test } from "bun:test";
import { type Connection, connect, decodeAll, encodeFrame, type Header, listen, SockframeError } from "../src/index.ts";
import { bytes, concat, Resources, text, within } from "./helpers.ts";

const open = new Resources();
afterEach(() => open.closeAll());

/** Sends `data` from a plain node:net client, then reads until the server closes; answers its FIN. */
function rawExchange(port: number, data: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: "127.0.0.1", port, allowHalfOpen: true });
    const received: Uint8Array[] = [];
    socket.on("connect", () => socket.write(data));
    socket.on("data", (chunk) => received.push(chunk));
    socket.on("end", () => {
      socket.end();
      resolve(concat(received));
    });
    socket.on("error", reject);
  });
}

test("a request in the same write as a bad frame is answered before the error frame (SPEC 7.3)", async () => {
  const server = open.server(
    await listen("127.0.0.1:0", async (connection: Connection) => {
      for await (const { header, body } of connection) await connection.send({ id: header.id }, bytes(text(body).toUpperCase()));
    }),
  );
  const port = server.address.transport === "tcp" ? server.address.port : 0;
  const garbage = new Uint8Array([0, 0, 0, 5, ...bytes("nope!")]);
  const received = await within(10_000, "the reply, the error frame and EOF", rawExchange(port, concat([encodeFrame({ id: 7 }, bytes("ok")), garbage])));
  const { frames } = decodeAll(received);
  expect(frames.map((frame) => (frame.header.error as { code?: string } | undefined)?.code ?? frame.header.id)).toEqual([7, "HEADER_INVALID_JSON"]);
  expect(text(frames[0]!.body)).toBe("OK");
});

test("garbage after a good frame: the handler gets the frame, then SockframeError; the peer an error frame and EOF", async () => {
  const outcomes: Array<{ frames: string[]; error: unknown }> = [];
  const server = open.server(
    await listen("127.0.0.1:0", async (connection: Connection) => {
      const frames: string[] = [];
      try {
        for await (const frame of connection) {
          frames.push(text(frame.body));
          if (frame.header.filename === "echo") await connection.send({ id: frame.header.id }, frame.body);
        }
        outcomes.push({ frames, error: null });
      } catch (error) {
        outcomes.push({ frames, error });
      }
    }),
  );
  if (server.address.transport !== "tcp") throw new Error("expected TCP");

  // A second client, connected before and served after the bad one.
  const other = open.client(await connect(server.address));
  expect(text((await other.request({ filename: "echo" }, bytes("before"))).body)).toBe("before");

  const garbage = concat([new Uint8Array([0, 0, 0, 5]), bytes("nope!")]);
  const reply = await within(5000, "the error frame and EOF", rawExchange(server.address.port, concat([encodeFrame({}, bytes("good")), garbage])));
  const { frames, error } = decodeAll(reply);
  expect(error).toBeNull();
  expect(frames).toHaveLength(1);
  const header = frames[0]!.header as Header;
  expect(header.total_size).toBe(0);
  expect(header.error?.code).toBe("HEADER_INVALID_JSON");
  expect(typeof header.error?.message).toBe("string");

  expect(outcomes).toHaveLength(1);
  expect(outcomes[0]!.frames).toEqual(["good"]);
  expect(outcomes[0]!.error).toBeInstanceOf(SockframeError);
  expect((outcomes[0]!.error as SockframeError).code).toBe("HEADER_INVALID_JSON");

  expect(text((await other.request({ filename: "echo" }, bytes("after"))).body)).toBe("after");
});
