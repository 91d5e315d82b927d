// Bun runs the TypeScript sources the tarball ships (the "bun" export condition).
import { connect, listen } from "@sockframe/bun";

const resolved = import.meta.resolve("@sockframe/bun");
if (!/\/node_modules\/@sockframe\/bun\/src\/index\.ts$/.test(resolved)) throw new Error(`@sockframe/bun resolved to ${resolved}`);
const server = await listen("127.0.0.1:0", async (connection) => {
  for await (const { header, body } of connection) await connection.send({ id: header.id }, body);
});
const client = await connect(server.address);
const reply = await client.request({}, new TextEncoder().encode("hello"));
if (new TextDecoder().decode(reply.body) !== "hello") throw new Error("bun: wrong echo");
await client.close();
await server.close();
console.log("bun: echo over TCP from the tarball's sources: ok");
