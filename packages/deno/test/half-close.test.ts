import assert from "node:assert/strict";
import { connect, encodeFrame, listen } from "../src/index.ts";
import { concat, parseFrames, readToEnd, sleep, text, utf8, within } from "./helpers.ts";

/** Answers each frame after a delay, so every reply is written after the client's FIN arrived. */
const slowUpper = () =>
  listen("127.0.0.1:0", async (connection) => {
    for await (const { header, body } of connection) {
      await sleep(20);
      await connection.send({ id: header.id }, utf8.encode(text(body).toUpperCase()));
    }
  });

Deno.test("half-close: a raw client sends frames then FIN; the server still replies to all, then closes", async () => {
  const server = await slowUpper();
  const port = server.address.transport === "tcp" ? server.address.port : 0;
  const raw = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await raw.write(concat(["a", "b", "c"].map((word, id) => encodeFrame({ id }, utf8.encode(word)))));
    await raw.closeWrite();
    // EOF after the replies: the server closed its side once its handler was done.
    const replies = parseFrames(await readToEnd(raw));
    assert.deepEqual(replies.map((frame) => [frame.header.id, text(frame.body)]), [[0, "A"], [1, "B"], [2, "C"]]);
  } finally {
    raw.close();
    await server.close();
  }
});

Deno.test("half-close: a client's close() sends FIN (closeWrite, not writable.close) and still reads the replies", async () => {
  const server = await slowUpper();
  const client = await connect(server.address);
  try {
    await Promise.all(["x", "y", "z"].map((word) => client.send({}, utf8.encode(word))));
    const closing = client.close();
    const replies: string[] = [];
    await within(5000, "replies after our FIN", (async () => {
      for await (const frame of client) replies.push(text(frame.body));
    })());
    const info = await closing;
    assert.deepEqual(replies, ["X", "Y", "Z"]);
    assert.equal(info.socketError, null);
  } finally {
    client.destroy();
    await server.close();
  }
});
