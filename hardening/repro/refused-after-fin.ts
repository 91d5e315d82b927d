// Repro: a frame that arrives after the server's FIN (graceful close under way) is counted in
// connection.refusedFrames, but no SHUTTING_DOWN error frame is sent for it (send() refuses while closing).
import { connect as netConnect } from "node:net";
import { type Connection, decodeAll, encodeFrame, listen } from "@sockframe/node";
let served: Connection | null = null;
const server = await listen("127.0.0.1:0", async (c) => {
  served = c;
  for await (const f of c) await c.send({ id: f.header.id });
}, { closeTimeoutMs: 1000 });
const socket = netConnect({ host: "127.0.0.1", port: (server.address as { port: number }).port, allowHalfOpen: true });
await new Promise((r) => socket.once("connect", r));
const received: Buffer[] = [];
socket.on("data", (b: Buffer) => received.push(b));
socket.write(encodeFrame({ id: 1 }));
await new Promise((r) => setTimeout(r, 100));
const closing = server.close();
// The server's FIN: we send one more request after it (a peer cannot know the FIN is coming).
socket.once("end", () => socket.write(encodeFrame({ id: 2 })));
await closing;
await new Promise((r) => setTimeout(r, 100));
const { frames } = decodeAll(Buffer.concat(received));
console.log(JSON.stringify({
  refusedFrames: served!.refusedFrames,
  repliesReceived: frames.map((f) => f.header),
}));
socket.destroy();
process.exit(0);
