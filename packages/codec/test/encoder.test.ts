import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { headerToJson } from "../src/canonical-json.ts";
import {
  checkBaseHeader,
  encodeErrorFrame,
  encodeFrame,
  encodeFrameParts,
  encodeHeader,
  encodeHeadInto,
  encodeStreamHead,
  FrameDecoder,
  PLAIN_HEAD_ROOM,
  SockframeError,
} from "../src/index.ts";
import { feed, text, utf8 } from "./helpers.ts";

const headerText = (frame: Uint8Array) => text(frame.subarray(4, 4 + new DataView(frame.buffer, frame.byteOffset).getUint32(0)));

describe("encodeFrame", () => {
  it("sets total_size from the body, whatever the caller said", () => {
    const frame = encodeFrame({ total_size: 999 }, utf8.encode("abc"));
    expect(headerText(frame)).toBe('{"total_size":3}');
    expect(text(frame.subarray(-3))).toBe("abc");
  });

  it("orders members canonically: known fields, then extensions and nested keys by UTF-16 code units", () => {
    const frame = encodeFrame({
      zeta: 1,
      error: { extra: true, message: "m", code: "C" },
      sha256: "a".repeat(64),
      md5: "b".repeat(32),
      filename: "f",
      id: "x",
      "10": "ten",
      "2": "two",
      "\u{1F600}": "astral",
      "\uFFFF": "bmp",
      nested: { b: [3, { d: 1, c: 2 }], a: null },
    });
    expect(headerText(frame)).toBe(
      `{"total_size":0,"id":"x","filename":"f","md5":"${"b".repeat(32)}","sha256":"${"a".repeat(64)}",` +
        `"error":{"code":"C","message":"m","extra":true},"10":"ten","2":"two","nested":{"a":null,"b":[3,{"c":2,"d":1}]},` +
        `"zeta":1,"\u{1F600}":"astral","\uFFFF":"bmp"}`,
    );
  });

  it("escapes strings as SPEC 8.1.4 says", () => {
    const frame = encodeFrame({ s: '"\\\b\t\n\f\r\u0001\u001f\u007f/\u2028é' });
    expect(headerText(frame)).toBe('{"total_size":0,"s":"\\"\\\\\\b\\t\\n\\f\\r\\u0001\\u001f\u007f/\u2028é"}');
  });

  it("writes -0 as 0 and leaves out undefined members", () => {
    expect(headerText(encodeFrame({ n: -0, gone: undefined, list: [undefined] }))).toBe('{"total_size":0,"list":[null],"n":0}');
  });

  it("refuses what a decoder would reject", () => {
    const refused = (header: Record<string, unknown>, code = "HEADER_INVALID") => {
      let caught: unknown;
      try {
        encodeFrame(header);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(SockframeError);
      expect(caught).toMatchObject({ code, stage: "encode" });
    };
    refused({ md5: "A".repeat(32) });
    refused({ id: 1.5 });
    refused({ s: "\ud800" });
    refused({ ["\udc00"]: 1 });
    refused({ n: Number.NaN });
    refused({ n: Number.POSITIVE_INFINITY });
    refused({ f: () => 1 });
    refused({ d: new Date(0) });
    refused({ b: 1n });
    refused({ error: { code: "", message: "x" } });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    refused({ cyclic });
    let caught: unknown;
    try {
      encodeFrame({ big: "x".repeat(100) }, undefined, { maxHeaderBytes: 50 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: "HEADER_TOO_LARGE", stage: "encode" });
  });

  it("refuses a class instance as the header or as its error, on every entry point (SPEC 8.2)", () => {
    class Request {
      id = 7;
      extra = "x";
    }
    const instances: object[] = [new Date(0), new Map([["id", 1]]), new Request(), new SockframeError("HEADER_INVALID", "header", "bad")];
    const headers = [...instances, ...instances.map((error) => ({ error: Object.assign(error, { code: "X", message: "m" }) }))];
    const entryPoints: Array<[string, (header: never) => unknown]> = [
      ["encodeFrame", (header) => encodeFrame(header)],
      ["encodeFrame with checksums", (header) => encodeFrame(header, undefined, { checksums: ["md5"] })],
      ["encodeFrameParts", (header) => encodeFrameParts(header)],
      ["encodeHeader", (header) => encodeHeader(header, 0)],
      ["encodeStreamHead", (header) => encodeStreamHead(header, 10)],
      ["encodeHeadInto", (header) => encodeHeadInto(new Uint8Array(256), 0, header, 0)],
    ];
    for (const header of headers) {
      for (const [name, encode] of entryPoints) {
        let caught: unknown;
        try {
          encode(header as never);
        } catch (error) {
          caught = error;
        }
        expect(caught, `${name}(${header.constructor.name})`).toMatchObject({ code: "HEADER_INVALID", stage: "encode" });
      }
    }
    // Objects without a prototype have a JSON form: accepted, as header and as error.
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { id: 3 });
    const bareError = Object.assign(Object.create(null) as Record<string, unknown>, { code: "X", message: "m" });
    expect(headerText(encodeFrame(bare))).toBe('{"total_size":0,"id":3}');
    expect(headerText(encodeFrame({ error: bareError } as never))).toBe('{"total_size":0,"error":{"code":"X","message":"m"}}');
  });

  it("computes checksums on request", () => {
    const frame = encodeFrame({}, utf8.encode("hello"), { checksums: ["md5", "sha256"] });
    expect(JSON.parse(headerText(frame))).toEqual({
      total_size: 5,
      md5: "5d41402abc4b2a76b9719d911017c592",
      sha256: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
    });
    expect(feed([frame]).frames).toHaveLength(1);
  });

  it("writes the le prefix", () => {
    const frame = encodeFrame({}, undefined, { profile: "le" });
    expect([...frame.subarray(0, 4)]).toEqual([16, 0, 0, 0]);
  });

  it("keeps __proto__, constructor and prototype as inert data", () => {
    const header = JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"prototype":1}');
    const frame = encodeFrame(header);
    expect(headerText(frame)).toBe('{"total_size":0,"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"prototype":1}');
    const decoded = feed([frame]).frames[0]!.header;
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.keys(decoded)).toEqual(["total_size", "__proto__", "constructor", "prototype"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(headerText(encodeFrame(decoded))).toBe(headerText(frame));
  });
});

describe("encodeFrameParts", () => {
  it("returns the body itself, not a copy", () => {
    const body = utf8.encode("payload");
    const [head, same] = encodeFrameParts({ id: 1 }, body);
    expect(same).toBe(body);
    const decoder = new FrameDecoder();
    decoder.push(head);
    decoder.push(body);
    expect(text(decoder.next()!.body)).toBe("payload");
  });
});

describe("encodeHeadInto", () => {
  /** encodeHeadInto's octets at `offset` of a buffer of `size` filled with 0xee; or the error's code. */
  const into = (header: Record<string, unknown>, bodySize: number, options: Parameters<typeof encodeHeadInto>[4] = {}, offset = 3, size = 4096) => {
    const target = new Uint8Array(size).fill(0xee);
    try {
      const end = encodeHeadInto(target, offset, header, bodySize, options);
      expect(target.subarray(0, offset).every((octet) => octet === 0xee)).toBe(true);
      return end < 0 ? end : target.slice(offset, end);
    } catch (error) {
      return (error as SockframeError).code;
    }
  };
  /** encodeStreamHead's octets (what encodeFrame begins with, without a body to allocate); or the error's code. */
  const whole = (header: Record<string, unknown>, bodySize: number, options: Parameters<typeof encodeStreamHead>[2] = {}) => {
    try {
      return encodeStreamHead(header, bodySize, options);
    } catch (error) {
      return (error as SockframeError).code;
    }
  };

  it("writes the octets encodeStreamHead (and encodeFrame) begin with, plain headers and any other, any id and size", () => {
    const id = fc.oneof(fc.constant(undefined), fc.integer(), fc.maxSafeInteger(), fc.maxSafeNat(), fc.constant(-0), fc.double(), fc.string(), fc.string({ unit: "binary" }));
    const extra = fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
    const header = fc.tuple(id, fc.option(extra, { nil: undefined }), fc.option(fc.jsonValue({ maxDepth: 0 }), { nil: undefined })).map(([id, more, total]) => {
      const h: Record<string, unknown> = { ...more };
      if (id !== undefined) h.id = id;
      if (total !== undefined) h.total_size = total;
      return h;
    });
    const options = fc.record({ profile: fc.constantFrom("be" as const, "le" as const), maxHeaderBytes: fc.constantFrom(undefined, 20, 30, 64 * 1024) });
    fc.assert(
      fc.property(header, fc.oneof(fc.nat(300), fc.maxSafeNat()), options, (h, size, opts) => {
        expect(into(h, size, opts)).toEqual(whole(h, size, opts));
      }),
      { numRuns: 3000 },
    );
  });

  it("writes sizes and ids of every length as String() would, -0 as 0", () => {
    for (const n of [0, 1, 9, 10, 99, 100, 12345, 2 ** 32, 2 ** 53 - 1]) {
      for (const id of [undefined, 0, -0, 7, -7, 10, -10, 2 ** 53 - 1, -(2 ** 53 - 1)]) {
        const header = id === undefined ? {} : { id };
        const got = into(header, n) as Uint8Array;
        const text = new TextDecoder().decode(got.subarray(4));
        expect(text).toBe(id === undefined ? `{"total_size":${n}}` : `{"total_size":${n},"id":${String(id)}}`);
        expect(new DataView(got.buffer).getUint32(0)).toBe(text.length);
      }
    }
  });

  it("says -1 when the head does not fit, and fits in PLAIN_HEAD_ROOM when plain", () => {
    const largest = { id: -(2 ** 53 - 1) };
    expect(into(largest, 2 ** 53 - 1, {}, 0, PLAIN_HEAD_ROOM)).toEqual(whole(largest, 2 ** 53 - 1));
    expect(whole(largest, 2 ** 53 - 1).length).toBe(PLAIN_HEAD_ROOM);
    expect(into({ id: 1 }, 5, {}, 0, PLAIN_HEAD_ROOM - 1)).toBe(-1);
    expect(into({ filename: "a".repeat(100) }, 5, {}, 10, 100)).toBe(-1);
    expect(into({ filename: "é".repeat(40) }, 5, {}, 0, 4 + 60)).toBe(-1);
    expect(into({ filename: "é".repeat(40) }, 5, {}, 0, 4 + 120)).toEqual(whole({ filename: "é".repeat(40) }, 5));
  });

  it("refuses what encodeFrame refuses, before looking at the room", () => {
    expect(into({ filename: "a".repeat(100) }, 0, { maxHeaderBytes: 50 }, 0, 10)).toBe("HEADER_TOO_LARGE");
    expect(into({ id: 1 }, 0, { maxHeaderBytes: 10 })).toBe("HEADER_TOO_LARGE");
    expect(into({ id: Number.NaN }, 0)).toBe("HEADER_INVALID");
    expect(into({}, -1)).toBe("HEADER_INVALID");
    expect(into({}, 2 ** 53)).toBe("HEADER_INVALID");
  });

  it("computes the digests options.checksums names from the body it is given", () => {
    const body = utf8.encode("abc");
    const target = new Uint8Array(256);
    const end = encodeHeadInto(target, 0, { id: 2 }, body.length, { checksums: ["md5"] }, [body]);
    expect(target.slice(0, end)).toEqual(encodeFrameParts({ id: 2 }, body, { checksums: ["md5"] })[0]);
  });
});

describe("encodeStreamHead", () => {
  it("announces a body the caller streams afterwards", () => {
    const head = encodeStreamHead({ filename: "big" }, 10);
    expect(headerText(head)).toBe('{"total_size":10,"filename":"big"}');
    expect(head.length).toBe(4 + 34);
    expect(() => encodeStreamHead({}, -1)).toThrow(SockframeError);
  });
});

describe("encodeErrorFrame", () => {
  it("builds the SPEC 7.3 error frame", () => {
    expect(headerText(encodeErrorFrame({ code: "HEADER_INVALID_JSON", message: "bad" }))).toBe(
      '{"total_size":0,"error":{"code":"HEADER_INVALID_JSON","message":"bad"}}',
    );
  });
});

describe("the plain-header fast path of the encoder", () => {
  it("writes exactly what the full canonical path writes, or refuses the same way", () => {
    const id = fc.oneof(
      fc.integer(),
      fc.constantFrom(0, -0, 2 ** 53 - 1, 2 ** 53, -(2 ** 53 - 1), 1.5, Number.NaN, Number.POSITIVE_INFINITY, "\ud800", "a\u2028b", ""),
      fc.double(),
      fc.string(),
      fc.constant(null),
      fc.constant(undefined),
      fc.constant({}),
    );
    const header = fc.oneof(
      fc.record({ id }, { requiredKeys: [] }),
      fc.record({ id, total_size: fc.oneof(fc.integer(), fc.string()) }, { requiredKeys: [] }),
    );
    fc.assert(
      fc.property(header, fc.nat(1 << 20), (generated, size) => {
        // Untyped on purpose: the encoder must cope with whatever a JavaScript caller passes.
        const h = generated as unknown as Parameters<typeof encodeHeader>[0];
        let expected: string;
        try {
          const full: Record<string, unknown> = { ...h, total_size: size };
          if (checkBaseHeader(full) !== null) throw new Error("invalid");
          expected = headerToJson(full);
        } catch {
          expect(() => encodeHeader(h, size)).toThrow();
          return;
        }
        expect(new TextDecoder().decode(encodeHeader(h, size))).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it("leaves inherited members to the full path, which ignores them", () => {
    // A polluted Object.prototype: its enumerable `id` and `extra` are inherited by every header.
    const polluted = Object.prototype as Record<string, unknown>;
    polluted.id = 5;
    polluted.extra = 1;
    try {
      expect(new TextDecoder().decode(encodeHeader({}, 3))).toBe('{"total_size":3}');
      expect(new TextDecoder().decode(encodeHeader({ filename: "a" }, 3))).toBe('{"total_size":3,"filename":"a"}');
    } finally {
      delete polluted.id;
      delete polluted.extra;
    }
    // An object with a prototype of its own is not plain, so has no JSON form (SPEC 8.2).
    expect(() => encodeHeader(Object.create({ id: 5 }) as Record<string, unknown>, 3)).toThrow(/plain object/);
  });
});
