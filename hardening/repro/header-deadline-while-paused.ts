// Repro: a well-behaved client pipelining requests to a slow handler is cut with TIMEOUT: the
// server paused reading itself (maxQueuedFrames) with part of a header buffered, and the header
// deadline keeps running while the server is the one not reading.
import { connect, listen } from "@sockframe/node";
const server = await listen("127.0.0.1:0", async (c) => {
  for await (const { header } of c) {
    await new Promise((r) => setTimeout(r, 10)); // a slow handler: 10 ms per request
    await c.send({ id: header.id });
  }
}, { headerTimeoutMs: 500 });
const client = await connect(server.address);
const padding = "p".repeat(2000); // ~2 KiB headers: a 64 KiB read likely ends inside one
let cut: string | null = null;
void (async () => {
  // An error frame or the server's FIN: nothing more can come, give up (see pending-after-fin.ts).
  for await (const { header } of client) cut ??= header.error?.code ?? null;
  cut ??= "FIN";
  client.destroy();
})();
const results = await Promise.allSettled(Array.from({ length: 1000 }, (_, i) => client.request({ i, padding })));
const failed = results.filter((r) => r.status === "rejected");
console.log(JSON.stringify({
  requests: results.length,
  answered: results.length - failed.length,
  cut,
  failures: [...new Set(failed.map((r) => String((r as PromiseRejectedResult).reason)))],
}));
await client.close().catch(() => undefined);
await server.close();
process.exit(0);
