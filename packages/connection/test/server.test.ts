import { describe, expect, it, vi } from "vitest";
import { Connection, type Listener, Server } from "../src/index.ts";
import { rawPeer, streamPair } from "./memory-stream.ts";
import { decodeAll } from "@sockframe/codec";

function fakeListener(): Listener & { closed: boolean } {
  return {
    address: { transport: "tcp", host: "127.0.0.1", port: 1 },
    closed: false,
    async close() {
      this.closed = true;
    },
  };
}

describe("Server", () => {
  it("shuts down gracefully: stops accepting, lets handlers answer what they have, then closes", async () => {
    const listener = fakeListener();
    const handled: unknown[] = [];
    let firstArrived!: () => void;
    const arrived = new Promise<void>((resolve) => (firstArrived = resolve));
    const server = new Server(listener, async (connection) => {
      for await (const frame of connection) {
        firstArrived();
        await new Promise((resolve) => setTimeout(resolve, 20));
        handled.push(frame.header.id);
        await connection.send({ id: frame.header.id as number });
      }
    });
    const [a, b] = streamPair();
    server.accept(b);
    const client = new Connection(a);
    void (async () => {
      for await (const _ of client);
      await client.close();
    })();
    // Both requests go out in one write, so once one has arrived both have.
    const replies = Promise.all([client.request({}), client.request({})]);
    await arrived;
    await server.close();
    expect(listener.closed).toBe(true);
    expect((await replies).length).toBe(2);
    // The ids of the opening end's requests are odd (SPEC 3.4.5).
    expect(handled).toEqual([1, 3]);
    expect(server.connections).toBe(0);
    const [c, d] = streamPair();
    expect(server.accept(d)).toBeNull();
    void c;
  });

  describe("an error thrown by a handler", () => {
    async function throwing(options: ConstructorParameters<typeof Server>[2]): Promise<string> {
      const server = new Server(fakeListener(), async (connection) => {
        for await (const _ of connection) throw new Error("boom");
      }, options);
      const [a, b] = streamPair();
      server.accept(b);
      const client = new Connection(a);
      const outcome = await client.request({}).then(() => "answered", (error: unknown) => String(error));
      await client.close();
      await server.close();
      return outcome;
    }

    it("is reported on the console by default, with the peer's address, and its connection is closed", async () => {
      const console_ = vi.spyOn(console, "error").mockImplementation(() => undefined);
      try {
        expect(await throwing({})).toMatch(/closed before replying/);
        expect(console_).toHaveBeenCalledTimes(1);
        expect(String(console_.mock.calls[0]![0])).toMatch(/sockframe: a connection handler threw \(peer memory\)/);
        expect(console_.mock.calls[0]![1]).toMatchObject({ message: "boom" });
      } finally {
        console_.mockRestore();
      }
    });

    it("is not reported when it is what the peer caused: the decode error the handler's iteration threw", async () => {
      const console_ = vi.spyOn(console, "error").mockImplementation(() => undefined);
      try {
        let thrown: unknown;
        const server = new Server(fakeListener(), async (connection) => {
          try {
            for await (const _ of connection);
          } catch (error) {
            thrown = error;
            throw error;
          }
        });
        const [a, b] = streamPair();
        server.accept(b);
        const peer = rawPeer(a);
        await a.write([new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n")]);
        await peer.ended;
        await server.close();
        expect(thrown).toMatchObject({ code: "HEADER_TOO_LARGE" });
        expect(console_).not.toHaveBeenCalled();
      } finally {
        console_.mockRestore();
      }
    });

    it("goes to onHandlerError instead, when given", async () => {
      const console_ = vi.spyOn(console, "error").mockImplementation(() => undefined);
      const seen: unknown[] = [];
      try {
        await throwing({ onHandlerError: (error) => seen.push(error) });
        expect(seen).toMatchObject([{ message: "boom" }]);
        expect(console_).not.toHaveBeenCalled();
      } finally {
        console_.mockRestore();
      }
    });
  });

  it("tells a connection over maxConnections why it is refused, with an error frame, then closes it", async () => {
    const refused: string[] = [];
    const server = new Server(fakeListener(), async (connection) => {
      for await (const _ of connection);
    }, { maxConnections: 1, onConnectionRefused: (address) => refused.push(address) });
    const [a, b] = streamPair();
    expect(server.accept(b)).not.toBeNull();
    const [c, d] = streamPair();
    const peer = rawPeer(c);
    expect(server.accept(d)).toBeNull();
    await peer.ended;
    expect(decodeAll(peer.received()).frames.map((frame) => frame.header.error)).toMatchObject([{ code: "TOO_MANY_CONNECTIONS", message: expect.stringMatching(/maximum of 1 connections/) }]);
    expect(d.spy.finSent).toBe(true);
    expect(server.rejectedConnections).toBe(1);
    expect(refused).toEqual(["memory"]);
    // A sockframe client learns it from its request.
    const [e, f] = streamPair();
    const client = new Connection(e);
    expect(server.accept(f)).toBeNull();
    await expect(client.request({})).rejects.toMatchObject({ name: "RemoteError", code: "TOO_MANY_CONNECTIONS" });
    // A refused peer that neither reads nor closes is released by the server's close, not left to its timer.
    const [g, h] = streamPair();
    rawPeer(g);
    expect(server.accept(h)).toBeNull();
    await new Connection(a).close();
    await server.close();
    expect(h.spy.destroyed).toBe(true);
  });

  it("reports the bound address as a URL", () => {
    expect(new Server(fakeListener(), () => undefined).url).toBe("tcp://127.0.0.1:1");
  });

  it("closes without waiting out the close timeout for a client that only made requests", async () => {
    const server = new Server(fakeListener(), async (connection) => {
      for await (const { header } of connection) await connection.send({ id: header.id });
    }, { closeTimeoutMs: 10_000 });
    const [a, b] = streamPair();
    server.accept(b);
    const client = new Connection(a);
    await client.request({});
    const started = Date.now();
    await server.close();
    // The client closed its side once the server's FIN came: it never iterates, and no reply could come.
    expect(Date.now() - started).toBeLessThan(5000);
    expect(a.spy.finSent).toBe(true);
    await expect(client.request({})).rejects.toMatchObject({ code: "PEER_CLOSED" });
  });

  it("leaves a client that iterates to close itself, and one that sends to the end of its stream", async () => {
    const [a, b] = streamPair();
    const server = new Connection(b, { accepted: true, closeTimeoutMs: 100 });
    const client = new Connection(a);
    const iterating = (async () => {
      for await (const _ of client);
    })();
    await server.close();
    await iterating;
    expect(a.spy.finSent).toBe(false);
    await client.send({ id: "after the peer's FIN" });
    await client.close();
    expect(a.spy.finSent).toBe(true);
  });

  it("closes idle connections without waiting out the close timeout", async () => {
    const server = new Server(fakeListener(), async (connection) => {
      for await (const _ of connection);
    }, { closeTimeoutMs: 10_000 });
    const [a, b] = streamPair();
    server.accept(b);
    const client = new Connection(a);
    void (async () => {
      for await (const _ of client);
      await client.close();
    })();
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
