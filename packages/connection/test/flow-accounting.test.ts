import { describe, expect, it } from "vitest";
import { Connection } from "../src/index.ts";
import { streamPair } from "./memory-stream.ts";

describe("incoming byte accounting", () => {
  it("frames handed straight to a waiting consumer count as taken: reading never stalls", async () => {
    // A consumer already waiting receives each frame as it is pushed (no queueing): those octets
    // must leave the count of unread octets too, or 16 MiB of bodies later reading pauses forever.
    const [a, b] = streamPair();
    const sender = new Connection(a);
    const receiver = new Connection(b, { maxQueuedBytes: 2 * 1024 * 1024 });
    const body = new Uint8Array(256 * 1024);
    let received = 0;
    const reading = (async () => {
      for await (const _ of receiver) if (++received === 64) break;
    })();
    for (let i = 0; i < 64; i++) {
      await sender.send({ id: i }, body);
      // Let the receiver take each frame as it arrives: it is waiting when the next one comes.
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await reading;
    expect(received).toBe(64);
    expect(b.spy.pauses).toBe(0);
  });
});
