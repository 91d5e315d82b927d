import { describe, expect, it } from "vitest";
import { type ByteStream, Connection } from "../src/index.ts";

// V8 only: vitest.config.ts starts the workers with --allow-natives-syntax.
const haveSameMap = new Function("a", "b", "return %HaveSameMap(a, b)") as (a: object, b: object) => boolean;

/** A socket that takes every write at once and never reads. */
function sink(): ByteStream {
  return {
    localAddress: "sink",
    remoteAddress: "sink",
    start() {},
    write: () => Promise.resolve(),
    pause() {},
    resume() {},
    closeWrite: () => Promise.resolve(),
    destroy() {},
  };
}

async function sendPast(connection: Connection, octets: number): Promise<void> {
  const body = new Uint8Array(1024 * 1024);
  for (let sent = 0; sent <= octets; sent += body.length) await connection.send({}, body);
}

describe("object shapes (V8)", () => {
  it("a connection keeps its shape after writing more than 2^31 octets: no count turns from small integer to double", async () => {
    // Made and used first: had a field changed representation since, this one would keep the old map.
    const early = new Connection(sink());
    await sendPast(early, 0);
    const used = new Connection(sink());
    await sendPast(used, 2 ** 31);
    expect(haveSameMap(early, used)).toBe(true);
    early.destroy();
    used.destroy();
  });
});
