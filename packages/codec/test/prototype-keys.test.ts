/**
 * SPEC 3.4.8: header members named `__proto__`, `constructor` and `prototype`, at any depth, are
 * plain data. Wherever the codec copies or merges a header (decoders in both modes, the async and
 * Web Streams helpers, decodeAll, the encoder and its canonical JSON, createCodec with a zod schema)
 * they must be carried unchanged, change no prototype, and leave Object.prototype untouched.
 */
import fc from "fast-check";
import * as z from "zod";
import { afterAll, describe, expect, it } from "vitest";
import {
  checkBaseHeader,
  type CodecConfig,
  createCodec,
  decodeAll,
  decodeFrameEvents,
  decodeFrames,
  encodeFrame,
  encodeHeader,
  type Frame,
  FrameDecoder,
  FrameEncoderStream,
  type Header,
  HeaderSchema,
  type OutgoingHeader,
  type Profile,
  StreamingFrameDecoder,
} from "../src/index.ts";
import { canonical } from "./reference-decoder.ts";
import { concat, rawFrame, text } from "./helpers.ts";

/** Everything observable about a shared prototype: own keys with their descriptors, and its own prototype. */
function snapshot(object: object): string {
  const keys = Reflect.ownKeys(object).map((key) => {
    const d = Object.getOwnPropertyDescriptor(object, key)!;
    return `${String(key)}:${typeof d.value}:${String(d.writable)}:${String(d.enumerable)}:${String(d.configurable)}:${typeof d.get}:${typeof d.set}`;
  });
  return `${keys.sort().join("|")}|proto=${String(Object.getPrototypeOf(object) === null)}`;
}
const SHARED = [Object.prototype, Array.prototype, Function.prototype, String.prototype, Number.prototype];
const before = SHARED.map(snapshot);
const beforeValues = Object.getOwnPropertyNames(Object.prototype).map((k) => (Object.prototype as Record<string, unknown>)[k]);

function expectSharedUntouched(): void {
  expect(SHARED.map(snapshot)).toEqual(before);
  expect(Object.getOwnPropertyNames(Object.prototype).map((k) => (Object.prototype as Record<string, unknown>)[k])).toEqual(beforeValues);
  const fresh: Record<string, unknown> = {};
  for (const key of ["polluted", "total_size", "filename", "isAdmin"]) expect(fresh[key]).toBeUndefined();
  expect(Object.getPrototypeOf(fresh)).toBe(Object.prototype);
}

/** Every object in a value has the prototype a JSON.parse result would have. */
function expectOrdinaryPrototypes(value: unknown, path = "header"): void {
  const stack: Array<[unknown, string]> = [[value, path]];
  while (stack.length > 0) {
    const [v, p] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    expect(Object.getPrototypeOf(v), `prototype of ${p}`).toBe(Array.isArray(v) ? Array.prototype : Object.prototype);
    for (const key of Object.keys(v)) stack.push([(v as Record<string, unknown>)[key], `${p}.${key}`]);
  }
}

/** What a header text means: JSON.parse's own data properties, total_size -0 read as 0. */
function meaning(headerText: string): string {
  const value = JSON.parse(headerText) as Record<string, unknown>;
  if (Object.is(value.total_size, -0)) value.total_size = 0;
  return canonical(value);
}

const HEADERS = [
  '{"total_size":0,"__proto__":{"polluted":"yes","total_size":5,"isAdmin":true}}',
  '{"__proto__":{"total_size":3},"total_size":0}',
  '{"total_size":0,"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"total_size":0,"prototype":{"polluted":"yes"},"constructor":"c"}',
  '{"total_size":0,"__proto__":null}',
  '{"total_size":0,"__proto__":[{"polluted":"yes"}]}',
  '{"total_size":0,"__proto__":"string","constructor":1,"prototype":true}',
  '{"total_size":0,"__proto__":{"__proto__":{"__proto__":{"polluted":"yes"}}}}',
  '{"total_size":0,"n":{"__proto__":{"polluted":"yes"},"a":[{"__proto__":{"polluted":"yes"}},{"constructor":{"prototype":{"polluted":"yes"}}}]}}',
  '{"total_size":3,"id":"p","filename":"f","__proto__":{"filename":"../../etc/passwd"}}',
  '{"total_size":0,"toString":"x","hasOwnProperty":1,"valueOf":null,"__defineGetter__":[]}',
];
/** Headers with `__proto__` inside `error` (see the known deviation below). */
const ERROR_HEADERS = [
  '{"total_size":2,"id":7,"error":{"code":"E","message":"m","__proto__":{"polluted":"yes"}}}',
  '{"total_size":0,"error":{"code":"E","message":"m","constructor":{"prototype":{"polluted":"yes"}},"prototype":1}}',
];

const Extended = HeaderSchema.extend({ n: z.unknown().optional(), prototype: z.unknown().optional() });
const SCHEMAS: Array<[string, CodecConfig<Header>["header"]]> = [
  ["no schema", undefined],
  ["HeaderSchema", HeaderSchema],
  ["HeaderSchema.extend", Extended as unknown as CodecConfig<Header>["header"]],
];
const PROFILES: Profile[] = ["be", "le"];

function frameOf(headerText: string, profile: Profile): Uint8Array {
  const size = (JSON.parse(headerText) as { total_size: number }).total_size;
  return rawFrame(headerText, new Uint8Array(size).fill(0x41), profile === "le");
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Every way the codec hands out decoded headers, for one input. */
async function decodeEveryWay(bytes: Uint8Array, config: CodecConfig<Header>): Promise<Array<[string, Header]>> {
  const codec = createCodec<Header>(config);
  const out: Array<[string, Header]> = [];
  const buffered = codec.decoder();
  buffered.push(bytes);
  for (const frame of buffered) out.push(["FrameDecoder", frame.header]);
  const streaming = codec.streamingDecoder();
  // One octet at a time: the header is assembled from many chunks.
  for (const octet of bytes) {
    streaming.push(Uint8Array.of(octet));
    for (const event of streaming) if (event.type !== "data") out.push([`StreamingFrameDecoder ${event.type}`, event.header]);
  }
  for (const frame of decodeAll<Header>(bytes, config).frames) out.push(["decodeAll", frame.header]);
  for (const frame of await collect(codec.decode([bytes.subarray(0, 3), bytes.subarray(3)]))) out.push(["codec.decode", frame.header]);
  for (const frame of await collect(decodeFrames<Header>([bytes], config))) out.push(["decodeFrames", frame.header]);
  for (const event of await collect(decodeFrameEvents<Header>([bytes], config))) if (event.type === "head") out.push(["decodeFrameEvents", event.header]);
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  }).pipeThrough(codec.decoderStream());
  for (const frame of await collect(stream as unknown as AsyncIterable<Frame<Header>>)) out.push(["decoderStream", frame.header]);
  return out;
}

describe("__proto__, constructor and prototype members (SPEC 3.4.8)", () => {
  afterAll(() => {
    expectSharedUntouched();
  });

  for (const [schemaName, schema] of SCHEMAS) {
    it(`are carried as plain data by every decoding API (${schemaName})`, async () => {
      for (const profile of PROFILES) {
        for (const headerText of HEADERS) {
          const bytes = frameOf(headerText, profile);
          const decoded = await decodeEveryWay(bytes, { profile, header: schema });
          expect(decoded.length).toBe(8);
          for (const [api, header] of decoded) {
            expect(canonical(header), `${api}, ${schemaName}: ${headerText}`).toBe(meaning(headerText));
            expectOrdinaryPrototypes(header);
            // The dangerous member is an own data property, not a prototype.
            expect(Object.hasOwn(header, "__proto__")).toBe(Object.hasOwn(JSON.parse(headerText) as object, "__proto__"));
            expect((header as Record<string, unknown>).polluted).toBeUndefined();
            expect((header as Record<string, unknown>).isAdmin).toBeUndefined();
          }
          expectSharedUntouched();
        }
      }
    });
  }

  it("a __proto__ member does not supply fields: a header whose total_size is only under __proto__ is HEADER_INVALID", () => {
    for (const config of [{}, { header: HeaderSchema }]) {
      const result = decodeAll(rawFrame('{"__proto__":{"total_size":3}}', new Uint8Array(3)), config);
      expect(result.frames).toHaveLength(0);
      expect(result.error?.code).toBe("HEADER_INVALID");
    }
    // Nor does it hide one: a real total_size with a decoy under __proto__ frames by the real one.
    const bytes = concat([rawFrame('{"__proto__":{"total_size":3},"total_size":1}', Uint8Array.of(1)), rawFrame('{"total_size":0}')]);
    expect(decodeAll(bytes).frames.map((f) => f.header.total_size)).toEqual([1, 0]);
    expect(checkBaseHeader(JSON.parse('{"__proto__":{"total_size":1}}') as Record<string, unknown>)).toMatch(/total_size/);
    expectSharedUntouched();
  });

  it("encode(decode(x)) keeps them, byte for byte, in both profiles and with every schema", () => {
    for (const [schemaName, schema] of SCHEMAS) {
      for (const profile of PROFILES) {
        for (const headerText of HEADERS) {
          const bytes = frameOf(headerText, profile);
          const [frame] = decodeAll<Header>(bytes, { profile, header: schema }).frames;
          const again = encodeFrame(frame!.header, frame!.body, { profile });
          // The same octets as the canonical encoding of what JSON.parse reads from the text.
          expect(text(again.subarray(4)), `${schemaName}: ${headerText}`).toBe(text(encodeFrame(JSON.parse(headerText) as OutgoingHeader, frame!.body, { profile }).subarray(4)));
          const [round] = decodeAll(again, { profile }).frames;
          expect(canonical(round!.header)).toBe(meaning(headerText));
          expectOrdinaryPrototypes(round!.header);
        }
      }
    }
    expectSharedUntouched();
  });

  it("copies of decoded headers (spread, structuredClone, JSON round trip) keep them as own data", () => {
    for (const headerText of HEADERS) {
      const [frame] = decodeAll(frameOf(headerText, "be")).frames;
      const header = frame!.header;
      for (const copy of [{ ...header }, structuredClone(header), JSON.parse(JSON.stringify(header)) as Header]) {
        expect(canonical(copy)).toBe(meaning(headerText));
        expectOrdinaryPrototypes(copy);
        expect(Object.hasOwn(copy, "__proto__")).toBe(Object.hasOwn(header, "__proto__"));
      }
      // A caller who merges the decoded header into its own object with spread is safe too.
      const merged = { defaults: true, ...header, total_size: 1 };
      expectOrdinaryPrototypes(merged);
    }
    expectSharedUntouched();
  });

  it("the encoder sends own members of plain objects only: a header with a prototype of its own is refused", () => {
    const inherited = { filename: "inherited", total_size: 99, polluted: "yes" };
    const header = Object.create(inherited) as OutgoingHeader;
    header.id = 1;
    // Not plain data (SPEC 8.2): sending only its own members would silently drop what it inherits.
    expect(() => encodeHeader(header, 0)).toThrow(/plain object/);
    // A null-prototype header (and nested object) is plain data too.
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { id: 2, nested: Object.assign(Object.create(null) as object, { a: 1 }) });
    expect(text(encodeHeader(bare as OutgoingHeader, 0))).toBe('{"total_size":0,"id":2,"nested":{"a":1}}');
    // An own __proto__ member made with a computed key or defineProperty is sent as a member.
    const own = { ["__proto__"]: { polluted: "yes" }, id: 3 } as OutgoingHeader;
    expect(text(encodeHeader(own, 0))).toBe('{"total_size":0,"id":3,"__proto__":{"polluted":"yes"}}');
    expectSharedUntouched();
  });

  it("the encoder stream and a codec with checksums handle them like any member", async () => {
    const codec = createCodec<Header>({ header: HeaderSchema, checksums: ["md5", "sha256"] });
    const outgoing = JSON.parse('{"id":1,"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}') as OutgoingHeader;
    const body = Uint8Array.of(1, 2, 3);
    const encoded = codec.encode(outgoing, body);
    const streamed = new ReadableStream({
      start(controller) {
        controller.enqueue({ header: outgoing, body });
        controller.close();
      },
    }).pipeThrough(new FrameEncoderStream({ checksums: ["md5", "sha256"] }));
    const chunks = await collect(streamed as unknown as AsyncIterable<Uint8Array>);
    expect(concat(chunks)).toEqual(encoded);
    const decoder = codec.decoder();
    decoder.push(encoded);
    const [frame] = [...decoder];
    expect(Object.hasOwn(frame!.header, "__proto__")).toBe(true);
    expect(frame!.header.__proto__).toEqual({ polluted: "yes" });
    expectOrdinaryPrototypes(frame!.header);
    expectSharedUntouched();
  });

  it("random headers with dangerous names at any depth round-trip through every mode without side effects", () => {
    const name = fc.constantFrom("__proto__", "constructor", "prototype", "toString", "valueOf", "a");
    const tree = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: "small", withCrossShrink: true }, fc.jsonValue({ maxDepth: 0 }), tie("object"), fc.array(tie("value"), { maxLength: 3 })),
      object: fc.dictionary(name, tie("value"), { maxKeys: 4 }),
    }));
    fc.assert(
      fc.property(tree.object as fc.Arbitrary<Record<string, unknown>>, fc.constantFrom(...PROFILES), fc.boolean(), (extensions, profile, withSchema) => {
        const header = { ...extensions } as OutgoingHeader;
        const bytes = encodeFrame(header, Uint8Array.of(9), { profile });
        const config = { profile, header: withSchema ? HeaderSchema : undefined };
        const expected = meaning(text(bytes.subarray(4, bytes.length - 1)));
        const buffered = new FrameDecoder(config);
        buffered.push(bytes);
        const streaming = new StreamingFrameDecoder(config);
        streaming.push(bytes);
        const headers = [...buffered].map((f) => f.header).concat([...streaming].filter((e) => e.type === "head").map((e) => (e as { header: Header }).header));
        expect(headers).toHaveLength(2);
        for (const h of headers) {
          expect(canonical(h)).toBe(expected);
          expectOrdinaryPrototypes(h);
          expect(text(encodeFrame(h, Uint8Array.of(9), { profile }))).toBe(text(bytes));
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 300 },
    );
    expectSharedUntouched();
  });

  it("in an error object they are carried as data without a schema", async () => {
    for (const headerText of ERROR_HEADERS) {
      for (const [api, header] of await decodeEveryWay(frameOf(headerText, "be"), {})) {
        expect(canonical(header), api).toBe(meaning(headerText));
        expectOrdinaryPrototypes(header);
      }
    }
    expectSharedUntouched();
  });

  it("in an error object they never change a prototype, with a schema either", async () => {
    for (const [, schema] of SCHEMAS) {
      for (const headerText of ERROR_HEADERS) {
        for (const [, header] of await decodeEveryWay(frameOf(headerText, "be"), { header: schema })) {
          expectOrdinaryPrototypes(header);
          expect((header.error as Record<string, unknown>).polluted).toBeUndefined();
        }
      }
    }
    expectSharedUntouched();
  });

  // HeaderSchema's `error` is a z.looseObject, which rebuilds the error object and would drop its
  // `__proto__` member; the decoder restores such members at any depth (SPEC 3.4.6, 3.4.8).
  it("in an error object they are carried as data with a schema too", async () => {
    const headerText = ERROR_HEADERS[0]!;
    for (const [api, header] of await decodeEveryWay(frameOf(headerText, "be"), { header: HeaderSchema })) {
      expect(canonical(header), api).toBe(meaning(headerText));
    }
  });
});
