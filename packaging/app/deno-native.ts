// Deno with the native transport straight from a checkout of the repository, through its import
// map (packages/deno/imports.json), as a Deno user does until the packages are on JSR:
//   deno run --import-map=PATH/packages/deno/imports.json --allow-net=127.0.0.1 app.ts
import { connect, listen } from "@sockframe/deno";

const resolved = import.meta.resolve("@sockframe/deno");
if (!resolved.endsWith("/packages/deno/src/index.ts")) throw new Error(`@sockframe/deno resolved to ${resolved}`);
const server = await listen("127.0.0.1:0", async (connection) => {
  for await (const { header, body } of connection) await connection.send({ id: header.id }, body);
});
const client = await connect(server.address);
const reply = await client.request({ filename: "a.txt" }, new TextEncoder().encode("hello"));
if (new TextDecoder().decode(reply.body) !== "hello") throw new Error("deno native: wrong echo");
await client.close();
await server.close();
console.log("deno: @sockframe/deno (Deno.listen) from the repository's import map: ok");
