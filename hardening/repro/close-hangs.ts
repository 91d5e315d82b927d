// Repro: server.close() never resolves when a handler ignores its connection's end (here: it awaits
// something that never settles), even after shutdownTimeoutMs has passed and the connection was destroyed.
import { connect, listen } from "@sockframe/node";
const server = await listen("127.0.0.1:0", async (connection) => {
  for await (const _ of connection) await new Promise(() => undefined); // stuck on something else
}, { shutdownTimeoutMs: 500 });
const client = await connect(server.address);
void client.send({ op: "work" });
await new Promise((r) => setTimeout(r, 200));
const started = Date.now();
const outcome = await Promise.race([server.close().then(() => "closed"), new Promise((r) => setTimeout(() => r("server.close() still pending after 3000 ms"), 3000))]);
console.log(JSON.stringify({ shutdownTimeoutMs: 500, outcome, afterMs: Date.now() - started }));
process.exit(0);
