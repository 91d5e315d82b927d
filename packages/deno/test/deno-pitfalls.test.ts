/**
 * Each test here fails if the adapter falls into one of Deno's socket pitfalls: partial writes,
 * conn.readable closing everything at end of stream, conn.writable.close() closing everything,
 * a reused read buffer, a pause that does not pause, one system call per small write.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { type ByteStreamEvents, Connection, DenoByteStream, encodeFrame, type Frame } from "../src/index.ts";
import { READ_SIZE } from "@sockframe/connection";
import type { DenoSocket } from "../src/byte-stream.ts";
import { writeAll } from "../src/write-all.ts";
import { parseFrames, readToEnd, sleep, tcpPair, text, utf8, within } from "./helpers.ts";

const MIB = 1024 * 1024;

/** Events that record what a stream delivers. */
function recorder() {
  const chunks: Uint8Array[] = [];
  const ended = Promise.withResolvers<void>();
  const closed = Promise.withResolvers<Error | undefined>();
  let bytes = 0;
  const events: ByteStreamEvents = {
    data(chunk) {
      chunks.push(chunk);
      bytes += chunk.length;
    },
    end: () => ended.resolve(),
    close: (error) => closed.resolve(error),
  };
  return { events, chunks, ended: ended.promise, closed: closed.promise, bytes: () => bytes };
}

Deno.test("partial writes: 64 MiB written in one call all reach a slow reader, intact", async () => {
  const [client, server] = await tcpPair();
  const stream = new DenoByteStream(client);
  const peer = recorder();
  stream.start(peer.events);
  const data = new Uint8Array(64 * MIB);
  for (let i = 0; i < data.length; i += 4096) data[i] = (i >>> 12) & 0xff;
  const sent = createHash("sha256").update(data).digest("hex");
  try {
    const writing = stream.write([data]);
    // A slow reader: the socket buffer fills, so each conn.write() takes only part of what is left.
    const hash = createHash("sha256");
    let received = 0;
    await within(60_000, "64 MiB read", (async () => {
      const buffer = new Uint8Array(256 * 1024);
      for (let reads = 0; received < data.length; reads++) {
        const count = await server.read(buffer);
        if (count === null) break;
        hash.update(buffer.subarray(0, count));
        received += count;
        if (reads % 64 === 0) await sleep(1);
      }
    })());
    await within(10_000, "write() resolves", writing);
    assert.equal(received, data.length);
    assert.equal(hash.digest("hex"), sent);
  } finally {
    stream.destroy();
    server.close();
  }
});

Deno.test("read buffers are fresh: frames kept while later reads arrive stay intact", async () => {
  const [client, server] = await tcpPair();
  const connection = new Connection(new DenoByteStream(server), { maxQueuedFrames: 100_000 });
  try {
    // 4000 frames of 1 KiB, each filled with its own byte: many per read, all held unread until the end.
    const frames = Array.from({ length: 4000 }, (_, n) => encodeFrame({ n }, new Uint8Array(1024).fill(n & 0xff)));
    const writing = (async () => {
      for (const frame of frames) await writeAll(client, frame);
      await client.closeWrite();
    })();
    const held: Frame[] = [];
    await within(20_000, "4000 frames", (async () => {
      for await (const frame of connection) held.push(frame);
    })());
    await writing;
    assert.equal(held.length, frames.length);
    for (const [i, frame] of held.entries()) {
      assert.equal(frame.header.n, i);
      assert.ok(frame.body.every((byte) => byte === (i & 0xff)), `body of frame ${i} was overwritten`);
    }
  } finally {
    connection.destroy();
    client.close();
    await connection.closed;
  }
});

Deno.test("large bodies: the rest is read straight into the body, and arrives intact", async () => {
  const [client, server] = await tcpPair();
  // Counts reads whose buffer is larger than a read buffer: those went into a body being gathered.
  let intoBody = 0;
  const counted: DenoSocket = {
    read: (buffer) => {
      if (buffer.length > READ_SIZE) intoBody++;
      return server.read(buffer);
    },
    write: (data) => server.write(data),
    closeWrite: () => server.closeWrite(),
    close: () => server.close(),
    localAddr: server.localAddr,
    remoteAddr: server.remoteAddr,
  };
  const connection = new Connection(new DenoByteStream(counted));
  try {
    const bodies = [4 * MIB, MIB + 1, 200_000].map((size, n) => Uint8Array.from({ length: size }, (_, i) => (i * 13 + n) & 0xff));
    const writing = (async () => {
      for (const body of bodies) await writeAll(client, encodeFrame({ size: body.length }, body, { checksums: ["sha256"] }));
      await client.closeWrite();
    })();
    const received: Frame[] = [];
    await within(20_000, "three large frames", (async () => {
      for await (const frame of connection) received.push(frame);
    })());
    await writing;
    assert.equal(received.length, 3);
    for (const [i, frame] of received.entries()) assert.deepEqual(createHash("sha256").update(frame.body).digest("hex"), createHash("sha256").update(bodies[i]!).digest("hex"));
    assert.ok(intoBody > 0, "no read went into a body");
  } finally {
    connection.destroy();
    client.close();
    await connection.closed;
  }
});

Deno.test("pause() stops the read loop; resume() starts it again", async () => {
  const [client, server] = await tcpPair();
  const stream = new DenoByteStream(server);
  const seen = recorder();
  stream.start(seen.events);
  try {
    stream.pause();
    // A read already in flight when pause() is called may still complete: let it.
    await client.write(utf8.encode("wake"));
    await within(5000, "first read", (async () => {
      while (seen.bytes() < 4) await sleep(5);
    })());
    const before = seen.bytes();
    const data = new Uint8Array(4 * MIB);
    const writing = (async () => {
      let offset = 0;
      while (offset < data.length) offset += await client.write(data.subarray(offset));
    })();
    await sleep(200);
    assert.equal(seen.bytes(), before, "data was read while paused");
    stream.resume();
    await within(10_000, "4 MiB after resume", writing);
    await within(10_000, "all read after resume", (async () => {
      while (seen.bytes() < before + data.length) await sleep(5);
    })());
  } finally {
    stream.destroy();
    client.close();
  }
});

Deno.test("small chunks are coalesced: 10,000 frames cost a handful of write calls, not 20,000", async () => {
  const [client, server] = await tcpPair();
  let writeCalls = 0;
  const counted = {
    read: (buffer: Uint8Array) => client.read(buffer),
    write: (data: Uint8Array) => (writeCalls++, client.write(data)),
    closeWrite: () => client.closeWrite(),
    close: () => client.close(),
    localAddr: client.localAddr,
    remoteAddr: client.remoteAddr,
  };
  const connection = new Connection(new DenoByteStream(counted));
  // Reads everything, then closes, so that the connection's close() needs no timeout.
  const sink = readToEnd(server, 20_000, Number.POSITIVE_INFINITY).finally(() => server.close());
  try {
    await Promise.all(Array.from({ length: 10_000 }, (_, n) => connection.send({ n }, utf8.encode(`small ${n}`))));
    await within(5000, "close", connection.close());
    const frames = parseFrames(await sink);
    assert.deepEqual(frames.map((frame) => frame.header.n), Array.from({ length: 10_000 }, (_, n) => n));
    assert.ok(writeCalls < 100, `${writeCalls} write calls`);
  } finally {
    connection.destroy();
    await sink.catch(() => undefined);
  }
});

Deno.test("closeWrite() sends FIN only: the stream still reads the peer's reply afterwards", async () => {
  const [client, server] = await tcpPair();
  const stream = new DenoByteStream(client);
  const seen = recorder();
  stream.start(seen.events);
  try {
    await stream.write([utf8.encode("question")]);
    await stream.closeWrite();
    assert.equal(text(await readToEnd(server)), "question");
    await server.write(utf8.encode("answer"));
    await server.closeWrite();
    await within(5000, "end after the reply", seen.ended);
    assert.equal(text(seen.chunks[0]!), "answer");
    assert.equal(await within(5000, "closed once both sides finished", seen.closed), undefined);
  } finally {
    stream.destroy();
    server.close();
  }
});

Deno.test("the peer's FIN does not close our side: a reply can follow it", async () => {
  const [client, server] = await tcpPair();
  const stream = new DenoByteStream(server);
  const seen = recorder();
  stream.start(seen.events);
  try {
    await client.write(utf8.encode("last words"));
    await client.closeWrite();
    await within(5000, "peer's FIN", seen.ended);
    await stream.write([utf8.encode("heard you")]);
    await stream.closeWrite();
    assert.equal(text(await readToEnd(client)), "heard you");
    await within(5000, "closed", seen.closed);
  } finally {
    stream.destroy();
    client.close();
  }
});

Deno.test("close is reported once, after destroy() too; writes after it are refused", async () => {
  const [client, server] = await tcpPair();
  const stream = new DenoByteStream(client);
  let closes = 0;
  stream.start({ data: () => undefined, end: () => undefined, close: () => closes++ });
  stream.destroy();
  stream.destroy();
  await sleep(10);
  assert.equal(closes, 1);
  await assert.rejects(stream.write([utf8.encode("late")]));
  assert.equal((await readToEnd(server)).length, 0);
  server.close();
});
