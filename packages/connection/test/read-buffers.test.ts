import { describe, expect, it } from "vitest";
import { READ_SIZE, ReadBuffers, STREAM_READ_SIZE } from "../src/index.ts";

describe("ReadBuffers", () => {
  const events = { data: () => undefined, end: () => undefined, close: () => undefined };

  /** A ReadBuffers whose last read filled its small buffer: the next read goes to a READ_SIZE one. */
  function busy(): ReadBuffers {
    const buffers = new ReadBuffers();
    const small = buffers.next(events);
    buffers.deliver(events, small, small.length, () => true);
    return buffers;
  }

  it("reads into a small buffer while the peer sends little, into a READ_SIZE one while a read fills its buffer", () => {
    const buffers = new ReadBuffers();
    const small = buffers.next(events);
    expect(small.length).toBeLessThan(READ_SIZE);
    buffers.deliver(events, small, 100, () => true);
    expect(buffers.next(events)).toBe(small);

    buffers.deliver(events, small, small.length, () => true);
    const large = buffers.next(events);
    expect(large.length).toBe(READ_SIZE);
    buffers.deliver(events, large, READ_SIZE, () => true);
    expect(buffers.next(events)).toBe(large);

    // A read that leaves it unfilled: the octets stopped, and an idle connection holds the small buffer only.
    buffers.deliver(events, large, READ_SIZE - 1, () => true);
    expect(buffers.next(events)).toBe(small);
    buffers.deliver(events, small, small.length, () => true);
    expect(buffers.next(events)).not.toBe(large);
  });

  it("reads into the same large buffer again only when the connection kept nothing of the last read", () => {
    const buffers = busy();
    const first = buffers.next(events);
    const seen: Uint8Array[] = [];
    buffers.deliver(events, first, READ_SIZE, (chunk) => void seen.push(chunk));
    const second = buffers.next(events);
    expect(second.length).toBe(READ_SIZE);
    expect(second).not.toBe(first);
    expect(seen[0]!.buffer).toBe(first.buffer);

    buffers.deliver(events, second, READ_SIZE, () => true);
    expect(buffers.next(events)).toBe(second);
  });

  it("copies a small read out and keeps its buffer, whatever the connection keeps", () => {
    const buffers = new ReadBuffers();
    const buffer = buffers.next(events);
    buffer.set([1, 2, 3]);
    let chunk: Uint8Array | undefined;
    buffers.deliver(events, buffer, 3, (received) => void (chunk = received));
    expect(chunk).toEqual(new Uint8Array([1, 2, 3]));
    expect(chunk!.buffer).not.toBe(buffer.buffer);
    expect(buffers.next(events)).toBe(buffer);
  });

  it("with a shared buffer, copies every read out of it and keeps no buffer of its own", () => {
    const shared = new Uint8Array(READ_SIZE);
    const one = new ReadBuffers({ shared });
    const two = new ReadBuffers({ shared });
    expect(one.next(events)).toBe(shared);
    expect(two.next(events)).toBe(shared);
    shared.fill(7);
    let chunk: Uint8Array | undefined;
    // A large read, and the connection keeps a view of it: still a copy, the shared buffer reused.
    one.deliver(events, shared, READ_SIZE, (received) => {
      chunk = received;
      return false;
    });
    expect(chunk!.buffer).not.toBe(shared.buffer);
    expect(chunk!.length).toBe(READ_SIZE);
    shared.fill(9);
    expect(chunk!.every((octet) => octet === 7)).toBe(true);
    expect(one.next(events)).toBe(shared);

    // Nothing kept of the next read: its copy is freed at once, not left to the collector.
    let unused: Uint8Array | undefined;
    two.deliver(events, shared, READ_SIZE / 2, (received) => {
      unused = received;
      return true;
    });
    expect(unused!.buffer.byteLength).toBe(0);
  });

  it("reads into the connection's target when it has one, shared buffer or not", () => {
    const target = new Uint8Array(1024 * 1024);
    let landed = 0;
    const gathering = { ...events, readTarget: () => target, dataInTarget: (count: number) => void (landed += count) };
    const buffers = new ReadBuffers({ shared: new Uint8Array(READ_SIZE) });
    expect(buffers.next(gathering)).toBe(target);
    buffers.deliver(gathering, target, 500_000, () => {
      throw new Error("a read into the target is not a chunk");
    });
    expect(landed).toBe(500_000);
  });
  describe("while a streamed body flows", () => {
    /** Events whose connection gives out buffers of `size` for a streamed body (none: null). */
    const streaming = (size: number | null) => {
      const given: Uint8Array[] = [];
      return {
        given,
        events: {
          ...events,
          freshBuffer: () => {
            if (size === null) return null;
            given.push(new Uint8Array(size));
            return given.at(-1)!;
          },
        },
      };
    };

    /** A ReadBuffers (shared buffer or not) whose last read filled its buffer. */
    function flowing(shared: boolean): ReadBuffers {
      const buffers = new ReadBuffers(shared ? { shared: new Uint8Array(READ_SIZE) } : {});
      const first = buffers.next(events);
      buffers.deliver(events, first, first.length, () => true);
      return buffers;
    }

    for (const shared of [false, true]) {
      it(`reads into the connection's buffers and hands each on whole, not a copy (${shared ? "shared" : "own"} read buffer)`, () => {
        const buffers = flowing(shared);
        const { given, events: body } = streaming(STREAM_READ_SIZE);
        const fresh = buffers.next(body);
        expect(fresh).toBe(given[0]);
        const seen: Uint8Array[] = [];
        buffers.deliver(body, fresh, STREAM_READ_SIZE / 2, (chunk) => void seen.push(chunk));
        expect(seen[0]!.buffer).toBe(fresh.buffer);
        expect(seen[0]!.length).toBe(STREAM_READ_SIZE / 2);
        // Handed on: the next read needs another buffer.
        expect(buffers.next(body)).toBe(given[1]);
      });
    }

    it("copies a read that would pin the buffer more than four times its size, and drops the buffer once the octets stop", () => {
      const buffers = flowing(false);
      const { given, events: body } = streaming(STREAM_READ_SIZE);
      const fresh = buffers.next(body);
      let chunk: Uint8Array | undefined;
      buffers.deliver(body, fresh, STREAM_READ_SIZE / 4 - 1, (received) => void (chunk = received));
      expect(chunk!.buffer).not.toBe(fresh.buffer);
      expect(chunk!.length).toBe(STREAM_READ_SIZE / 4 - 1);
      // That read left its buffer unfilled: back to the small buffer, nothing of the body's held while idle.
      const after = buffers.next(body);
      expect(after.length).toBeLessThan(READ_SIZE);
      expect(given).toHaveLength(1);
    });

    it("keeps a buffer it copied a small read out of for the next read, while the octets flow", () => {
      const buffers = flowing(false);
      const { given, events: body } = streaming(4 * READ_SIZE * 4);
      const fresh = buffers.next(body);
      buffers.deliver(body, fresh, READ_SIZE, () => undefined);
      expect(buffers.next(body)).toBe(fresh);
      expect(given).toHaveLength(1);
    });

    it("asks for no buffer on the first read, and reads as before when the connection has none", () => {
      const idle = new ReadBuffers({ shared: new Uint8Array(READ_SIZE) });
      const { given, events: body } = streaming(STREAM_READ_SIZE);
      expect(idle.next(body).length).toBe(READ_SIZE);
      expect(given).toHaveLength(0);
      expect(flowing(false).next(streaming(null).events).length).toBe(READ_SIZE);
    });
  });
});
