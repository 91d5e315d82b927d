import { createHash } from "node:crypto";
import type { Server as NetServer } from "node:net";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { withOnread } from "../src/accepted-onread.ts";
import { type Connection, encodeFrame, listen, NetByteStream, READ_SIZE, ReadBuffers } from "../src/index.ts";
import { closeSocketPairs, deferred, framesOf, rawConnect, readToEnd, socketPair, tempDir, until, within } from "./helpers.ts";

const digest = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const bodyOf = (size: number, seed: number) => Uint8Array.from({ length: size }, (_, i) => (i * 13 + seed + (i >> 12)) & 0xff);

const dirs = tempDir();
afterAll(() => dirs.remove());

afterEach(() => {
  closeSocketPairs();
  vi.restoreAllMocks();
});

function connectionsOf(server: NetServer): number {
  return (server as unknown as { _connections: number })._connections;
}

function collect(stream: NetByteStream): { chunks: Uint8Array[]; ended: Promise<void> } {
  const chunks: Uint8Array[] = [];
  const ended = deferred<void>();
  stream.start({
    data: (chunk) => void chunks.push(chunk.slice()),
    end: () => ended.resolve(),
    close: () => ended.resolve(),
  });
  return { chunks, ended: ended.promise };
}

describe("withOnread: an accepted socket rewrapped to read into buffers of ours", () => {
  it("takes over the handle on Node, and every octet arrives, in order, with the FIN after", async () => {
    const { client, server: accepted, netServer } = await socketPair({ pauseOnConnect: true });
    const rewrapped = withOnread(accepted);
    // Null here would mean node:net's internals moved: accepted sockets would silently read through 'data' again.
    expect(rewrapped).not.toBeNull();
    expect(accepted.destroyed).toBe(true);
    await until(() => connectionsOf(netServer) === 0, 5000, "the old socket off the server's count");
    const stream = new NetByteStream(rewrapped!.socket, { localAddress: "server", remoteAddress: "client" }, rewrapped!.onread);
    // Written before start(): held until the connection starts, none lost.
    const payload = bodyOf(3 * 1024 * 1024 + 17, 1);
    client.end(payload);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const { chunks, ended } = collect(stream);
    await within(10_000, ended, "end of stream");
    expect(digest(Buffer.concat(chunks))).toBe(digest(payload));
    // Still writable: the handle's write side moved too.
    const back = deferred<Buffer>();
    client.once("data", (chunk: Buffer) => back.resolve(chunk));
    await stream.write([new TextEncoder().encode("after")]);
    expect((await within(5000, back.promise, "reply")).toString()).toBe("after");
    stream.destroy();
    client.destroy();
  });

  it("returns null and leaves the socket alone where the handle lacks what onread needs", async () => {
    const { client, server: accepted } = await socketPair({ pauseOnConnect: true });
    const internals = accepted as unknown as { _handle: Record<string, unknown> };
    const handle = internals._handle;
    internals._handle = { ...handle, useUserBuffer: undefined } as Record<string, unknown>;
    expect(withOnread(accepted)).toBeNull();
    internals._handle = handle;
    expect(accepted.destroyed).toBe(false);
    // The fallback: a paused socket read through 'data' once its stream starts.
    const stream = new NetByteStream(accepted, { localAddress: "server", remoteAddress: "client" });
    const payload = bodyOf(256 * 1024, 2);
    client.end(payload);
    const { chunks, ended } = collect(stream);
    await within(10_000, ended, "end of stream");
    expect(digest(Buffer.concat(chunks))).toBe(digest(payload));
    stream.destroy();
  });
});

describe.each([
  ["tcp", () => "127.0.0.1:0"],
  ["unix", () => `unix:${dirs.path(`a-${Math.random().toString(36).slice(2, 8)}.sock`)}`],
])("listen() over %s: the server reads large bodies straight into place", (_name, address) => {
  it("gathers each body from reads into it, and every body arrives intact", async () => {
    // Reads into a buffer larger than our own read buffer went into a body being gathered. The
    // client is a plain socket, so every read counted here is the server's.
    let intoBody = 0;
    const next = ReadBuffers.prototype.next;
    vi.spyOn(ReadBuffers.prototype, "next").mockImplementation(function (this: ReadBuffers, events) {
      const buffer = next.call(this, events);
      if (buffer.length > READ_SIZE) intoBody++;
      return buffer;
    });
    const bodies = [4 * 1024 * 1024, 1024 * 1024 + 1, 200_000, 5].map((size, n) => bodyOf(size, n));
    const digests: string[] = [];
    const server = await listen(address(), async (connection: Connection) => {
      for await (const { header, body } of connection) {
        digests.push(digest(body));
        await connection.send({ id: header.id, n: digests.length });
      }
    });
    try {
      const client = await rawConnect(server.address, { allowHalfOpen: true });
      for (const [id, body] of bodies.entries()) client.write(encodeFrame({ id }, body));
      client.end();
      const replies = framesOf(await within(20_000, readToEnd(client), "replies"));
      expect(replies.map((frame) => frame.header.n)).toEqual([1, 2, 3, 4]);
      expect(digests).toEqual(bodies.map(digest));
      expect(intoBody).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });
});
