import assert from "node:assert/strict";
import { connect, encodeFrame, type Frame, listen, SockframeError } from "../src/index.ts";
import { parseFrames, readToEnd, text, utf8, within } from "./helpers.ts";

Deno.test("protocol error: a request in the same write as the bad frame is answered before the error frame (SPEC 7.3)", async () => {
  const server = await listen("127.0.0.1:0", async (connection) => {
    for await (const { header, body } of connection) await connection.send({ id: header.id }, utf8.encode(text(body).toUpperCase()));
  });
  const port = server.address.transport === "tcp" ? server.address.port : 0;
  const raw = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const good = encodeFrame({ id: 7 }, utf8.encode("ok"));
    const garbage = new Uint8Array([0, 0, 0, 5, ...utf8.encode("{nope")]);
    const both = new Uint8Array(good.length + garbage.length);
    both.set(good);
    both.set(garbage, good.length);
    await raw.write(both);
    const frames = parseFrames(await readToEnd(raw));
    assert.deepEqual(frames.map((frame) => (frame.header.error as { code?: string } | undefined)?.code ?? frame.header.id), [7, "HEADER_INVALID_JSON"]);
    assert.equal(text(frames[0]!.body), "OK");
  } finally {
    raw.close();
    await server.close();
  }
});

Deno.test("protocol error: the good frame is delivered, then SockframeError; the peer gets an error frame and EOF", async () => {
  const received: Frame[] = [];
  const failure = Promise.withResolvers<unknown>();
  const server = await listen("127.0.0.1:0", async (connection) => {
    try {
      for await (const frame of connection) {
        received.push(frame);
        if (frame.header.echo === true) await connection.send({ id: frame.header.id }, frame.body);
      }
      failure.resolve(null);
    } catch (error) {
      failure.resolve(error);
    }
  });
  const port = server.address.transport === "tcp" ? server.address.port : 0;
  const raw = await Deno.connect({ hostname: "127.0.0.1", port });
  const other = await connect(server.address);
  try {
    const garbage = new Uint8Array([0, 0, 0, 5, ...utf8.encode("{nope")]);
    const good = encodeFrame({ filename: "good.txt" }, utf8.encode("good body"));
    const bytes = new Uint8Array(good.length + garbage.length);
    bytes.set(good);
    bytes.set(garbage, good.length);
    await raw.write(bytes);

    const error = await within(5000, "handler error", failure.promise);
    assert.ok(error instanceof SockframeError, `handler got ${String(error)}`);
    assert.equal(error.code, "HEADER_INVALID_JSON");
    assert.equal(received.length, 1);
    assert.equal(received[0]!.header.filename, "good.txt");
    assert.equal(text(received[0]!.body), "good body");

    // Another client is served meanwhile, on the same server.
    const reply = await within(5000, "other client's reply", other.request({ echo: true }, utf8.encode("still here")));
    assert.equal(text(reply.body), "still here");

    const answer = parseFrames(await readToEnd(raw));
    assert.equal(answer.length, 1);
    assert.equal(answer[0]!.header.total_size, 0);
    assert.equal((answer[0]!.header.error as { code: string }).code, "HEADER_INVALID_JSON");
    assert.equal(typeof (answer[0]!.header.error as { message: unknown }).message, "string");
  } finally {
    raw.close();
    await other.close();
    await server.close();
  }
});
