// Repro: the idle deadline closes a connection whose peer is waiting for answers the server's
// (slow) handler has not sent yet: "idle" counts only octets received, not work queued for the peer.
import { connect, listen } from "@sockframe/node";
const server = await listen("127.0.0.1:0", async (c) => {
  for await (const { header } of c) {
    await new Promise((r) => setTimeout(r, 10)); // 10 ms per request
    await c.send({ id: header.id });
  }
}, { idleTimeoutMs: 1000 });
const client = await connect(server.address);
let answered = 0;
let serverFinAt: number | null = null;
const t0 = Date.now();
void (async () => { for await (const _ of client); serverFinAt = Date.now() - t0; client.destroy(); })();
// 200 requests (fewer than maxQueuedFrames: reading never pauses), all sent at once; the answers take ~2 s.
const results = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => client.request({ i }).then(() => answered++)));
console.log(JSON.stringify({ requests: 200, answered, rejected: results.filter((r) => r.status === "rejected").length, serverFinAtMs: serverFinAt }));
await server.close();
process.exit(0);
