import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { checkBaseHeader, createCodec, HeaderSchema } from "../src/index.ts";
import { feed, rawFrame } from "./helpers.ts";

const hex = (length: number) => fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEFg"), minLength: length - 1, maxLength: length + 1 });
const number = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, 2 ** 53 - 1, 2 ** 53, -(2 ** 53 - 1), -(2 ** 53), 1.5, Number.POSITIVE_INFINITY, Number.NaN),
);
const anyValue = fc.oneof(number, fc.string(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}));
const fieldValue = {
  total_size: fc.oneof(number, anyValue),
  filename: fc.oneof(fc.string(), anyValue),
  md5: fc.oneof(hex(32), anyValue),
  sha256: fc.oneof(hex(64), anyValue),
  id: fc.oneof(number, fc.string(), anyValue),
  error: fc.oneof(
    fc.record({ code: fc.oneof(fc.string(), anyValue), message: fc.oneof(fc.string(), anyValue) }, { requiredKeys: [] }),
    anyValue,
  ),
  extra: anyValue,
};

describe("checkBaseHeader", () => {
  it("gives the same verdict as HeaderSchema on any header-like object", () => {
    fc.assert(
      fc.property(fc.record(fieldValue, { requiredKeys: [] }), (header) => {
        const fast = checkBaseHeader(header) === null;
        const zod = HeaderSchema.safeParse(header).success;
        expect(fast).toBe(zod);
      }),
      { numRuns: 20_000 },
    );
  });
});

describe("application header schemas", () => {
  const Job = HeaderSchema.extend({ job: z.enum(["build", "test"]), retries: z.number().int().default(0) });
  const codec = createCodec({ header: Job });

  it("types and checks application fields, applying the schema's defaults", () => {
    const { frames } = feed([codec.encode({ job: "build" })], codec.options);
    const header = frames[0]!.header as z.infer<typeof Job>;
    expect(header.job).toBe("build");
    expect(header.retries).toBe(0);
  });

  it("reports a failure as HEADER_INVALID with the zod issue path", () => {
    const { error } = feed([rawFrame('{"total_size":0,"job":"deploy","nested":{"x":1}}')], codec.options);
    expect(error).toMatchObject({ code: "HEADER_INVALID", stage: "header" });
    expect(error?.message).toMatch(/job:/);
  });

  it("reports a schema that throws on the peer's header (not a zod issue) as HEADER_INVALID, and stays fused", () => {
    const When = HeaderSchema.extend({ when: z.string().transform((text) => new Date(text).toISOString()) });
    const options = createCodec({ header: When }).options;
    const { frames, error } = feed([rawFrame('{"total_size":0,"when":"2020-01-01"}'), rawFrame('{"total_size":0,"when":"not a date"}')], options);
    expect(frames.map((frame) => frame.header)).toEqual([{ total_size: 0, when: "2020-01-01T00:00:00.000Z" }]);
    expect(error).toMatchObject({ name: "SockframeError", code: "HEADER_INVALID", stage: "header", frame: 1 });
    expect(error?.message).toMatch(/RangeError/);
  });

  it("still runs the base checks first", () => {
    const { error } = feed([rawFrame('{"total_size":0,"job":"build","md5":"XX"}')], codec.options);
    expect(error?.message).toMatch(/md5/);
  });
});
