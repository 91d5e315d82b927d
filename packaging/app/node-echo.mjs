// Plain Node, no loader: the packages must resolve to their compiled dist/.
import assert from "node:assert/strict";
import { connect, encodeFrame, FrameDecoder, listen } from "@sockframe/node";

for (const name of ["@sockframe/node", "@sockframe/codec", "@sockframe/connection"]) {
  assert.match(import.meta.resolve(name), /\/node_modules\/@sockframe\/[a-z]+\/dist\/index\.js$/, name);
}
const server = await listen("127.0.0.1:0", async (connection) => {
  for await (const { header, body } of connection) await connection.send({ id: header.id, echoed: true }, body);
});
const client = await connect(server.address);
const reply = await client.request({ filename: "a.txt" }, new TextEncoder().encode("hello"));
assert.equal(new TextDecoder().decode(reply.body), "hello");
assert.equal(reply.header.echoed, true);
await client.close();
await server.close();

const decoder = new FrameDecoder();
decoder.push(encodeFrame({ filename: "b" }, new Uint8Array([1, 2, 3]), { checksums: ["md5"] }));
const frames = [...decoder];
assert.deepEqual([frames.length, frames[0].header.filename, frames[0].body.length], [1, "b", 3]);
console.log("node: echo over TCP and codec from dist: ok");
