/**
 * Fixed scenarios for two issues of @sockframe/connection found while writing this soak, both
 * fixed since. Each runs once per soak and fails the run if the issue comes back.
 *
 * - deadline-carry-over: a valid stream whose chunks keep ending inside some frame's header (a
 *   steady stream of header-only frames, read in arbitrary chunks) must not hit headerTimeoutMs
 *   when every single header completes in time. The connection once reset the header clock only
 *   when a chunk left the decoder in the body or idle stage, so an earlier frame's clock carried
 *   over and the connection was closed with TIMEOUT.
 * - queued-bytes: while a handler is busy, a peer that pipelines large frames must be slowed down
 *   (docs/api.md: "a slow handler slows its peer down instead of growing memory"). The queue of
 *   unread frames was once bounded by count alone (maxQueuedFrames, 256): up to 256 x maxBodyBytes
 *   (4 GiB with the defaults) per connection. maxQueuedBytes (16 MiB) now bounds it too.
 */
import { createConnection } from "node:net";
import { encodeFrame, FrameDecoder } from "@sockframe/codec";
import { concat } from "../../packages/codec/test/fuzz-support.ts";

export interface ScenarioResult {
  name: string;
  reproduced: boolean;
  detail: string;
}

function connectRaw(port: number) {
  const socket = createConnection({ host: "127.0.0.1", port });
  socket.setNoDelay(true);
  const received: Uint8Array[] = [];
  socket.on("data", (data: Buffer) => received.push(data));
  socket.on("error", () => undefined);
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  const connected = new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return { socket, received, closed, connected };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Header-only frames, each write ending 5 octets into the next header, a quarter deadline apart. */
export async function deadlineCarryOver(port: number, headerTimeoutMs: number): Promise<ScenarioResult> {
  const count = 12;
  const frames = Array.from({ length: count }, (_, n) => encodeFrame({ n }));
  const stream = concat(frames);
  const { socket, received, closed, connected } = connectRaw(port);
  await connected;
  let at = 0;
  let end = 0;
  for (const frame of frames) {
    end += frame.length;
    const stop = Math.min(stream.length, end + 5);
    if (socket.destroyed) break;
    socket.write(stream.subarray(at, stop));
    at = stop;
    await sleep(headerTimeoutMs / 4);
  }
  socket.end();
  await Promise.race([closed, sleep(10_000)]);
  socket.destroy();
  const decoder = new FrameDecoder();
  decoder.push(concat(received));
  const replies = [...decoder];
  const timeout = replies.find((f) => f.header.error !== undefined);
  const echoes = replies.length - (timeout ? 1 : 0);
  return {
    name: "deadline-carry-over",
    reproduced: timeout !== undefined || echoes !== count,
    detail: `${count} valid header-only frames, each header complete within ${headerTimeoutMs / 4} ms, over ${(count * headerTimeoutMs) / 4} ms: ` +
      `${echoes} echoed${timeout ? `, then error frame ${timeout.header.error!.code}` : ""} (headerTimeoutMs ${headerTimeoutMs})`,
  };
}

/** Pipelines `count` frames of `size` octets to a handler that takes one per second. */
export async function queuedBytes(port: number, serverBuffers: () => Promise<number | null>): Promise<ScenarioResult> {
  const count = 10;
  const size = 4 * 1024 * 1024;
  const before = await serverBuffers();
  const { socket, closed, connected } = connectRaw(port);
  await connected;
  const frame = encodeFrame({}, new Uint8Array(size).fill(1));
  for (let i = 0; i < count; i++) {
    if (!socket.write(frame)) await Promise.race([new Promise((resolve) => socket.once("drain", resolve)), sleep(1000)]);
  }
  await sleep(1500);
  const during = await serverBuffers();
  const unsent = socket.writableLength;
  socket.destroy();
  await closed;
  const held = before === null || during === null ? null : during - before;
  const MiB = 1024 * 1024;
  // Bounded: maxQueuedBytes (the server's default, 16 MiB) of queued bodies, one being assembled, and
  // slack for what the soak's other inputs allocate meanwhile; unbounded, all 40 MiB would be held.
  const reproduced = held !== null && held > 16 * MiB + 3 * size;
  return {
    name: "queued-bytes",
    reproduced,
    detail: `${count} x ${size / MiB} MiB frames pipelined to a handler that takes one per second: the server holds ` +
      `${held === null ? "?" : (held / MiB).toFixed(0)} MiB more ArrayBuffer memory after 1.5 s; ${(unsent / MiB).toFixed(0)} MiB still unsent by the peer`,
  };
}
