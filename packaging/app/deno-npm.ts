// Deno with the npm packages: it may not run TypeScript from node_modules, so the packages must
// resolve to dist/ here (no "deno" condition pointing at sources). @sockframe/node runs on Deno's
// node:net.
import { connect, FrameDecoder, encodeFrame, listen } from "@sockframe/node";

for (const name of ["@sockframe/node", "@sockframe/codec", "@sockframe/connection"]) {
  const resolved = import.meta.resolve(name);
  if (!/\/node_modules\/@sockframe\/[a-z]+\/dist\/index\.js$/.test(resolved)) throw new Error(`${name} resolved to ${resolved}`);
}
const decoder = new FrameDecoder();
decoder.push(encodeFrame({ filename: "b" }, new Uint8Array([1, 2, 3])));
if ([...decoder].length !== 1) throw new Error("deno: codec did not decode its own frame");
const server = await listen("127.0.0.1:0", async (connection) => {
  for await (const { header, body } of connection) await connection.send({ id: header.id }, body);
});
const client = await connect(server.address);
const reply = await client.request({}, new TextEncoder().encode("hello"));
if (new TextDecoder().decode(reply.body) !== "hello") throw new Error("deno: wrong echo");
await client.close();
await server.close();
console.log("deno: codec and @sockframe/node over node:net from dist: ok");
