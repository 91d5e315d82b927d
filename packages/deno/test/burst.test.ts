import assert from "node:assert/strict";
import { connect, listen } from "../src/index.ts";
import { utf8, within } from "./helpers.ts";

Deno.test("a burst of 10,000 small frames, sent without awaiting each, arrives whole and in order", async () => {
  const count = 10_000;
  const seen: number[] = [];
  let badBody = 0;
  const done = Promise.withResolvers<void>();
  const server = await listen("127.0.0.1:0", async (connection) => {
    for await (const { header, body } of connection) {
      const n = header.n as number;
      if (new TextDecoder().decode(body) !== `frame ${n}`) badBody++;
      seen.push(n);
      if (seen.length === count) done.resolve();
    }
  });
  const client = await connect(server.address);
  try {
    await within(20_000, "10,000 sends", Promise.all(Array.from({ length: count }, (_, n) => client.send({ n }, utf8.encode(`frame ${n}`)))));
    await within(20_000, "10,000 frames received", done.promise);
    assert.equal(badBody, 0);
    assert.deepEqual(seen, Array.from({ length: count }, (_, n) => n));
  } finally {
    await client.close();
    await server.close();
  }
});
