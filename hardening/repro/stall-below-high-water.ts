// Repro: a write that never completes is not detected by writeStallTimeoutMs when the octets still
// queued are <= writeHighWaterMark, although the sender is blocked in send().
import type { ByteStream, ByteStreamEvents } from "@sockframe/connection";
import { Connection } from "@sockframe/connection";

let writes = 0;
let destroyed = false;
let events: ByteStreamEvents | null = null;
const stream: ByteStream = {
  localAddress: "a",
  remoteAddress: "b",
  start(e) { events = e; },
  // The first write completes (the socket took it); every later one never does (the peer stopped reading).
  write: () => (++writes === 1 ? new Promise<void>((resolve) => setTimeout(resolve, 50)) : new Promise<void>(() => undefined)),
  pause() {},
  resume() {},
  closeWrite: () => new Promise<void>(() => undefined),
  destroy() {
    if (destroyed) return;
    destroyed = true;
    events?.close(new Error("destroyed"));
  },
};
const connection = new Connection(stream, { writeHighWaterMark: 1024, writeStallTimeoutMs: 200 });
await connection.send({ n: 1 }, new Uint8Array(800)); // queued <= high-water: resolves at once
await new Promise((r) => setTimeout(r, 0));
const blocked = connection.send({ n: 2 }, new Uint8Array(800)).then(() => "resolved", () => "rejected"); // over: waits for its write
const outcome = await Promise.race([blocked, connection.closed.then(() => "closed"), new Promise((r) => setTimeout(() => r("still blocked after 2000 ms"), 2000))]);
console.log(JSON.stringify({ writeStallTimeoutMs: 200, outcome, destroyed }));
process.exit(0);
