import { createConnection, createServer } from "node:net";
import { afterEach, expect, test } from "bun:test";
import { connect, decodeAll, encodeFrame, listen } from "../src/index.ts";
import { bytes, concat, Resources, sleep, text, within } from "./helpers.ts";

const open = new Resources();
afterEach(() => open.closeAll());

test("server side: a client sends frames then FIN; the server still replies to all, then closes", async () => {
  // The handler reads to the end (the client's FIN) before replying: Bun's sockets close on a
  // peer's FIN unless opened with allowHalfOpen.
  const server = open.server(
    await listen("127.0.0.1:0", async (connection) => {
      const bodies: Uint8Array[] = [];
      for await (const frame of connection) bodies.push(frame.body);
      await sleep(20);
      for (const body of bodies) await connection.send({}, bytes(text(body).toUpperCase()));
    }),
  );
  if (server.address.transport !== "tcp") throw new Error("expected TCP");
  const port = server.address.port;
  const reply = await within(
    5000,
    "replies after our FIN",
    new Promise<Uint8Array>((resolve, reject) => {
      const socket = createConnection({ host: "127.0.0.1", port, allowHalfOpen: true });
      const received: Uint8Array[] = [];
      socket.on("connect", () => socket.end(concat(["a", "b", "c"].map((word) => encodeFrame({}, bytes(word))))));
      socket.on("data", (chunk) => received.push(chunk));
      socket.on("end", () => resolve(concat(received)));
      socket.on("error", reject);
    }),
  );
  const { frames, error } = decodeAll(reply);
  expect(error).toBeNull();
  expect(frames.map((frame) => text(frame.body))).toEqual(["A", "B", "C"]);
});

test("client side: the server sends a frame then FIN; the client can still send its answer", async () => {
  let answer!: (bytes: Uint8Array) => void;
  const answered = new Promise<Uint8Array>((resolve) => (answer = resolve));
  const raw = createServer({ allowHalfOpen: true }, (socket) => {
    const received: Uint8Array[] = [];
    socket.on("data", (chunk) => received.push(chunk));
    socket.on("end", () => {
      answer(concat(received));
      socket.end();
    });
    socket.end(encodeFrame({ filename: "question" }, bytes("ping")));
  });
  await new Promise<void>((resolve) => raw.listen(0, "127.0.0.1", resolve));
  try {
    const port = (raw.address() as { port: number }).port;
    const client = open.client(await connect({ transport: "tcp", host: "127.0.0.1", port }));
    const frames: string[] = [];
    for await (const frame of client) frames.push(text(frame.body));
    expect(frames).toEqual(["ping"]);
    await sleep(20);
    await client.send({}, bytes("pong"));
    await client.close();
    const { frames: got } = decodeAll(await within(5000, "the client's answer", answered));
    expect(got.map((frame) => text(frame.body))).toEqual(["pong"]);
  } finally {
    raw.close();
  }
});
