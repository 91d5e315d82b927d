import { describe, expect, it } from "vitest";
import { FrameDecoder, StreamingFrameDecoder } from "../src/index.ts";
import { decodePast } from "./helpers.ts";

// V8 only: vitest.config.ts starts the workers with --allow-natives-syntax.
const haveSameMap = new Function("a", "b", "return %HaveSameMap(a, b)") as (a: object, b: object) => boolean;
const queueOf = (decoder: object): object => (decoder as { queue: object }).queue;

describe("object shapes (V8)", () => {
  it("decoders and their queues keep their shape past 2^31 octets: no count turns from small integer to double", () => {
    // Made and used first: had a field changed representation since, these would keep the old maps.
    const early = [new FrameDecoder(), new StreamingFrameDecoder()];
    for (const decoder of early) decodePast(decoder, 0);
    const used = [new FrameDecoder(), new StreamingFrameDecoder()];
    for (const decoder of used) decodePast(decoder);
    for (const [i, decoder] of used.entries()) {
      expect(haveSameMap(early[i]!, decoder)).toBe(true);
      expect(haveSameMap(queueOf(early[i]!), queueOf(decoder))).toBe(true);
    }
  });
});
