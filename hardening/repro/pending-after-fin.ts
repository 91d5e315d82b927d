// Repro: request() promises in flight when the peer sends its FIN stay pending (no reply can come
// after a FIN) until the application closes or destroys the connection; client.closed never resolves.
import { connect, listen } from "@sockframe/node";
const server = await listen("127.0.0.1:0", async (connection) => {
  for await (const _ of connection) return; // the handler ends without answering: the server closes
});
const client = await connect(server.address);
let finAt: number | null = null;
const started = Date.now();
void (async () => {
  for await (const _ of client);
  finAt = Date.now() - started;
})();
const requests = Array.from({ length: 3 }, () => client.request({ op: "x" }).then(() => "answered", () => "rejected"));
await new Promise((r) => setTimeout(r, 1500));
console.log(JSON.stringify({ serverFinAtMs: finAt, pendingAfter1500Ms: client.pendingRequests, settled: await Promise.race([Promise.all(requests), new Promise((r) => setTimeout(() => r("not settled"), 100))]) }));
client.destroy();
console.log(JSON.stringify({ afterDestroy: await Promise.all(requests) }));
await server.close();
process.exit(0);
