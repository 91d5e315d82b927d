import type { Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { Connection, encodeFrame, type Frame, NetByteStream, READ_SIZE } from "../src/index.ts";
import { OnreadBuffers } from "../src/net-byte-stream.ts";
import { closeSocketPairs, deferred, socketPair, until, within } from "./helpers.ts";

afterEach(closeSocketPairs);

/** Counts the socket's system-call-level writes: one `_write` per lone chunk, one `_writev` per batch. */
function countWrites(socket: Socket): { write: number; writev: number; chunksPerWritev: number[] } {
  const counts = { write: 0, writev: 0, chunksPerWritev: [] as number[] };
  const internals = socket as unknown as {
    _write: (...args: unknown[]) => void;
    _writev: (chunks: unknown[], callback: unknown) => void;
  };
  const write = internals._write.bind(socket);
  const writev = internals._writev.bind(socket);
  internals._write = (...args) => {
    counts.write++;
    write(...args);
  };
  internals._writev = (chunks, callback) => {
    counts.writev++;
    counts.chunksPerWritev.push(chunks.length);
    writev(chunks, callback);
  };
  return counts;
}

describe("batched writes (small chunks merged, large ones uncopied, one system call)", () => {
  it("sends the chunks of one write() in a single system call", async () => {
    const { client, server } = await socketPair();
    const stream = new NetByteStream(client, { localAddress: "client", remoteAddress: "server" });
    stream.start({ data: () => undefined, end: () => undefined, close: () => undefined });
    const received: Buffer[] = [];
    server.on("data", (chunk: Buffer) => received.push(chunk));

    const chunks = Array.from({ length: 1000 }, (_, i) => new TextEncoder().encode(`chunk ${String(i).padStart(4, "0")};`));
    const counts = countWrites(client);
    await within(10_000, stream.write(chunks), "write");
    // Merged into one buffer: unmerged, the bench's 64-octet echo ran at half the rate.
    expect(counts).toEqual({ write: 1, writev: 0, chunksPerWritev: [] });

    const expected = Buffer.concat(chunks);
    await until(() => received.reduce((n, chunk) => n + chunk.length, 0) >= expected.length, 10_000, "all octets");
    expect(Buffer.concat(received).equals(expected)).toBe(true);
    stream.destroy();
    server.destroy();
  });

  it("passes large chunks to the socket as they are, uncopied", async () => {
    const { client, server } = await socketPair();
    const stream = new NetByteStream(client, { localAddress: "client", remoteAddress: "server" });
    stream.start({ data: () => undefined, end: () => undefined, close: () => undefined });
    server.resume();
    const body = new Uint8Array(256 * 1024).fill(7);
    const handed: unknown[] = [];
    const internals = client as unknown as { _writev: (chunks: Array<{ chunk: unknown }>, callback: unknown) => void };
    const writev = internals._writev.bind(client);
    internals._writev = (chunks, callback) => {
      handed.push(...chunks.map((entry) => entry.chunk));
      writev(chunks, callback);
    };
    await within(10_000, stream.write([new Uint8Array([1, 2, 3, 4]), body]), "write");
    const passed = handed[1] as Uint8Array;
    expect(passed.buffer).toBe(body.buffer);
    stream.destroy();
    server.destroy();
  });
});

describe("a write under way when the socket is destroyed", () => {
  // node:net calls such a write back with null, as if it had completed (onWriteComplete:
  // `if (stream.destroyed) callback(null)`). 64 MiB to a peer that does not read cannot all fit in
  // the socket buffers: the write is still under way when the socket goes.
  const much = (): Uint8Array[] => [new Uint8Array(64 * 1024 * 1024)];

  it("rejects, saying the socket closed first, when destroyed without an error", async () => {
    const { client, server } = await socketPair({ pauseOnConnect: true });
    const stream = new NetByteStream(client, { localAddress: "client", remoteAddress: "server" });
    stream.start({ data: () => undefined, end: () => undefined, close: () => undefined });
    const written = stream.write(much()).then(() => "resolved", (error: Error) => error.message);
    stream.destroy();
    expect(await within(10_000, written, "the write to settle")).toMatch(/closed before the write completed/);
    server.destroy();
  });

  it("rejects with the socket's error when it failed (a reset, say)", async () => {
    const { client, server } = await socketPair({ pauseOnConnect: true });
    const stream = new NetByteStream(client, { localAddress: "client", remoteAddress: "server" });
    stream.start({ data: () => undefined, end: () => undefined, close: () => undefined });
    const written = stream.write(much()).then(() => "resolved", (error: unknown) => error);
    const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    client.destroy(reset);
    expect(await within(10_000, written, "the write to settle")).toBe(reset);
    server.destroy();
  });
});

describe("a failing consumer", () => {
  it("fails its own connection only: the exception does not escape into node's event loop", async () => {
    const { client, server } = await socketPair();
    const stream = new NetByteStream(client, { localAddress: "client", remoteAddress: "server" });
    const closed = deferred<Error | undefined>();
    stream.start({
      data: () => {
        throw new Error("consumer bug");
      },
      end: () => undefined,
      close: (error) => closed.resolve(error),
    });
    server.write("boom");
    const error = await within(5000, closed.promise, "close");
    expect(error?.message).toBe("consumer bug");
    expect(client.destroyed).toBe(true);
    server.destroy();
  });

  it("with onread, reads the rest of a large body straight into it, intact, and small reads still arrive", async () => {
    const onread = new OnreadBuffers();
    // Counts reads into buffers larger than a read buffer: those went into a body being gathered.
    let intoBody = 0;
    const buffer = onread.option.buffer;
    onread.option.buffer = () => {
      const next = buffer();
      if (next.length > READ_SIZE) intoBody++;
      return next;
    };
    const { client, server } = await socketPair({ onread: onread.option });
    const connection = new Connection(new NetByteStream(client, { localAddress: "client", remoteAddress: "server" }, onread));
    const bodies = [4 * 1024 * 1024, 1024 * 1024 + 1, 200_000, 5].map((size, n) => Uint8Array.from({ length: size }, (_, i) => (i * 13 + n) & 0xff));
    for (const body of bodies) server.write(encodeFrame({ size: body.length }, body, { checksums: ["sha256"] }));
    server.end();
    const received: Frame[] = [];
    await within(20_000, (async () => {
      for await (const frame of connection) received.push(frame);
    })(), "four frames");
    expect(received.map((frame) => frame.body.length)).toEqual(bodies.map((body) => body.length));
    const digest = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
    received.forEach((frame, i) => expect(digest(frame.body)).toBe(digest(bodies[i]!)));
    expect(intoBody).toBeGreaterThan(0);
    connection.destroy();
    server.destroy();
  });
});

describe("reads through 'data' (accepted sockets: node:net gives them no onread)", () => {
  it("frees each read at once when the consumer kept nothing of it, and leaves the others whole", async () => {
    const { client, server } = await socketPair();
    const stream = new NetByteStream(server, { localAddress: "server", remoteAddress: "client" });
    const seen: Array<{ read: Uint8Array; copy: Uint8Array }> = [];
    let received = 0;
    stream.start({
      data: (chunk) => {
        // A copy: Buffer#slice would be a view.
        seen.push({ read: chunk, copy: Uint8Array.prototype.slice.call(chunk) });
        received += chunk.length;
        return seen.length % 2 === 1; // every other read: "nothing kept"
      },
      end: () => undefined,
      close: () => undefined,
    });
    const payload = Uint8Array.from({ length: 4 * 1024 * 1024 }, (_, i) => (i * 7 + (i >> 16)) & 0xff);
    for (let offset = 0; offset < payload.length; offset += 64 * 1024) {
      client.write(payload.subarray(offset, offset + 64 * 1024));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await until(() => received === payload.length, 10_000, "every octet");
    expect(seen.length).toBeGreaterThan(2);
    expect(Buffer.concat(seen.map(({ copy }) => copy)).equals(payload)).toBe(true);
    seen.forEach(({ read, copy }, index) => {
      if (index % 2 === 0) expect(read.buffer.byteLength).toBe(0);
      else expect(Buffer.compare(read, copy)).toBe(0);
    });
    stream.destroy();
    client.destroy();
  });

  it("leaves reads whole when another 'data' listener of the socket may hold them", async () => {
    const { client, server } = await socketPair();
    const theirs: Buffer[] = [];
    server.on("data", (chunk: Buffer) => theirs.push(chunk));
    const stream = new NetByteStream(server, { localAddress: "server", remoteAddress: "client" });
    let received = 0;
    stream.start({
      data: (chunk) => {
        received += chunk.length;
        return true;
      },
      end: () => undefined,
      close: () => undefined,
    });
    const payload = Uint8Array.from({ length: 1024 * 1024 }, (_, i) => (i * 11 + (i >> 16)) & 0xff);
    for (let offset = 0; offset < payload.length; offset += 64 * 1024) {
      client.write(payload.subarray(offset, offset + 64 * 1024));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await until(() => received === payload.length, 10_000, "every octet");
    expect(Buffer.concat(theirs).equals(payload)).toBe(true);
    stream.destroy();
    client.destroy();
  });
});
