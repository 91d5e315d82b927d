/**
 * The ways Bun's sockets differ from Node's, each handled in BunSocketStream and pinned here at
 * the ByteStream level (a Connection would hide some of them by awaiting every write).
 */
import { afterEach, expect, test } from "bun:test";
import type { Socket, TCPSocketListener } from "bun";
import type { ByteStreamEvents } from "../src/index.ts";
import { openStream } from "../src/connect.ts";
import type { BunSocketStream } from "../src/socket-stream.ts";
import { concat, pattern, sha256Hex, sleep, waitFor, within } from "./helpers.ts";

const MiB = 1024 * 1024;
const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const step of cleanup.splice(0).reverse()) step();
});

/** What a raw Bun peer saw: its received octets (hashed as they come) and whether EOF came. */
interface Peer {
  listener: TCPSocketListener<undefined>;
  socket: () => Socket<undefined>;
  accepted: () => boolean;
  received: () => number;
  digest: () => string;
  eof: Promise<void>;
}

/** A raw Bun.listen peer that starts paused for `pausedMs`, then reads and hashes everything. */
function rawPeer(pausedMs: number): Peer {
  const hash = new Bun.CryptoHasher("sha256");
  let count = 0;
  let accepted: Socket<undefined> | null = null;
  let sawEof!: () => void;
  const eof = new Promise<void>((resolve) => (sawEof = resolve));
  const listener = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    allowHalfOpen: true,
    socket: {
      open(socket) {
        accepted = socket;
        socket.pause();
        setTimeout(() => socket.resume(), pausedMs);
      },
      data(_socket, chunk) {
        hash.update(chunk);
        count += chunk.length;
      },
      end(socket) {
        sawEof();
        socket.end();
      },
      close() {
        sawEof();
      },
    },
  });
  cleanup.push(() => listener.stop(true));
  return {
    listener,
    socket: () => {
      if (accepted === null) throw new Error("the peer has not accepted yet");
      return accepted;
    },
    accepted: () => accepted !== null,
    received: () => count,
    digest: () => hash.digest("hex"),
    eof,
  };
}

function recorder(): ByteStreamEvents & { chunks: Uint8Array[]; ended: boolean; closed: boolean } {
  const events = {
    chunks: [] as Uint8Array[],
    ended: false,
    closed: false,
    data(chunk: Uint8Array) {
      events.chunks.push(chunk);
    },
    end() {
      events.ended = true;
    },
    close() {
      events.closed = true;
    },
  };
  return events;
}

async function clientOf(port: number): Promise<BunSocketStream> {
  const stream = await openStream({ transport: "tcp", host: "127.0.0.1", port });
  cleanup.push(() => stream.destroy());
  return stream;
}

test("each read is handed over in a buffer of its own, freed at once when the connection says it kept nothing of it", async () => {
  const peer = rawPeer(0);
  const stream = await clientOf(peer.listener.port);
  await waitFor(peer.accepted, 3000, "the peer to accept");
  const seen: Array<{ read: Uint8Array; copy: Uint8Array }> = [];
  let received = 0;
  stream.start({
    ...recorder(),
    data(chunk) {
      seen.push({ read: chunk, copy: chunk.slice() });
      received += chunk.length;
      return seen.length % 2 === 1; // every other read: "nothing kept"
    },
  });
  const payload = pattern(4 * MiB, 5);
  for (let offset = 0; offset < payload.length; offset += 64 * 1024) {
    peer.socket().write(payload.subarray(offset, offset + 64 * 1024));
    await sleep(1);
  }
  await waitFor(() => received === payload.length, 10_000, "every octet to arrive");
  expect(seen.length).toBeGreaterThan(2);
  expect(concat(seen.map(({ copy }) => copy))).toEqual(payload);
  seen.forEach(({ read, copy }, index) => {
    if (index % 2 === 0) expect(read.buffer.byteLength).toBe(0);
    else expect(read).toEqual(copy);
  });
});

test("write() keeps what the socket did not take and resumes on drain: 64 MiB to a paused reader arrive intact", async () => {
  const peer = rawPeer(300);
  const stream = await clientOf(peer.listener.port);
  stream.start(recorder());
  const payload = [pattern(40 * MiB, 1), pattern(24 * MiB, 2)];
  let done = false;
  const written = stream.write(payload).then(() => (done = true));
  await sleep(100);
  // The reader is paused: the kernel's buffers are full and the rest must still be queued here.
  expect(done).toBe(false);
  await within(30_000, "64 MiB handed to the OS", written);
  await stream.closeWrite();
  await within(30_000, "EOF at the peer", peer.eof);
  expect(peer.received()).toBe(64 * MiB);
  expect(peer.digest()).toBe(sha256Hex(...payload));
});

test("closeWrite() right after a large write flushes every queued octet before the FIN", async () => {
  const peer = rawPeer(200);
  const stream = await clientOf(peer.listener.port);
  stream.start(recorder());
  const payload = pattern(16 * MiB, 3);
  const written = stream.write([payload]);
  const finished = stream.closeWrite();
  await within(30_000, "write and FIN", Promise.all([written, finished]));
  await within(30_000, "EOF at the peer", peer.eof);
  expect(peer.received()).toBe(payload.length);
  expect(peer.digest()).toBe(sha256Hex(payload));
});

test("pause() stops reading: the peer's writes back up until resume()", async () => {
  const peer = rawPeer(0);
  const stream = await clientOf(peer.listener.port);
  const events = recorder();
  stream.start(events);
  await waitFor(peer.accepted, 2000, "the peer to accept");
  stream.pause();
  await sleep(20);
  const payload = pattern(32 * MiB, 4);
  const server = peer.socket();
  let sent = server.write(payload);
  await sleep(200);
  const receivedWhilePaused = events.chunks.reduce((n, chunk) => n + chunk.length, 0);
  expect(receivedWhilePaused).toBe(0);
  expect(sent).toBeLessThan(payload.length);
  stream.resume();
  // Feed the rest as the socket drains (the raw peer has no queue of its own).
  const deadline = Date.now() + 30_000;
  while (sent < payload.length && Date.now() < deadline) {
    await sleep(1);
    const more = server.write(payload.subarray(sent));
    if (more < 0) throw new Error("peer socket closed");
    sent += more;
  }
  await waitFor(() => events.chunks.reduce((n, chunk) => n + chunk.length, 0) === payload.length, 30_000, "all octets after resume");
  expect(sha256Hex(...events.chunks)).toBe(sha256Hex(payload));
});

test("every data() chunk is a buffer of its own: kept chunks are never overwritten by later reads", async () => {
  const peer = rawPeer(0);
  const stream = await clientOf(peer.listener.port);
  const events = recorder();
  const snapshots: Uint8Array[] = [];
  stream.start({
    ...events,
    data(chunk) {
      events.chunks.push(chunk);
      snapshots.push(chunk.slice());
    },
  });
  await waitFor(peer.accepted, 2000, "the peer to accept");
  const pieces = Array.from({ length: 64 }, (_, i) => pattern(3000 + i, i + 10));
  for (const piece of pieces) {
    expect(peer.socket().write(piece)).toBe(piece.length);
    await sleep(1);
  }
  const total = pieces.reduce((n, piece) => n + piece.length, 0);
  await waitFor(() => events.chunks.reduce((n, chunk) => n + chunk.length, 0) === total, 5000, "all pieces");
  expect(events.chunks.length).toBeGreaterThan(1);
  events.chunks.forEach((chunk, i) => expect(chunk).toEqual(snapshots[i]!));
  expect(new Set(events.chunks.map((chunk) => chunk.buffer)).size).toBe(events.chunks.length);
  expect(concat(events.chunks)).toEqual(concat(pieces));
});

test("a reset with writes queued rejects them, and close() comes once", async () => {
  const peer = rawPeer(60_000);
  const stream = await clientOf(peer.listener.port);
  const events = recorder();
  let closes = 0;
  stream.start({ ...events, close: () => closes++ });
  await waitFor(peer.accepted, 2000, "the peer to accept");
  const written = stream.write([pattern(64 * MiB, 5)]);
  await sleep(50);
  peer.socket().terminate();
  await expect(within(5000, "the pending write to fail", written)).rejects.toThrow();
  await waitFor(() => closes > 0, 5000, "close");
  stream.destroy();
  await sleep(20);
  expect(closes).toBe(1);
});
