import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkBaseHeader } from "../src/header.ts";
import { parseCanonicalHeader, parseFlatHeader } from "../src/header-fast.ts";
import { parseHeaderText } from "../src/header-text.ts";

const utf8 = new TextEncoder();

/** The full path's verdict: the parsed object, or the error code. */
function full(bytes: Uint8Array): { value?: unknown; code?: string } {
  try {
    return { value: parseHeaderText(bytes, 0, 0) };
  } catch (error) {
    return { code: (error as { code: string }).code };
  }
}

/** Where the fast path answers, it must answer exactly as the full path; else it must decline. */
function agrees(text: string | Uint8Array, padding = 0): void {
  const header = typeof text === "string" ? utf8.encode(text) : text;
  // The header sits inside a larger buffer, with octets after it that must not be read.
  const buffer = new Uint8Array(header.length + padding + 8).fill(0x7d);
  buffer.set(header, padding);
  const fast = parseFlatHeader(buffer, padding, padding + header.length);
  if (fast === undefined) return;
  const reference = full(header);
  expect(reference.code, `fast path accepted what the full path rejects: ${JSON.stringify(text)}`).toBeUndefined();
  expect(Object.is(fast.total_size, -0)).toBe(Object.is((reference.value as Record<string, unknown>).total_size, -0));
  expect(fast).toStrictEqual(reference.value);
  expect(Object.keys(fast)).toEqual(Object.keys(reference.value as object));
  // A header vouched for as canonical must read the same, pass SPEC 3.4 and ask for no digest.
  const canonical = parseCanonicalHeader(buffer, padding, padding + header.length);
  if (canonical !== undefined) {
    expect(canonical).toStrictEqual(fast);
    expect(checkBaseHeader(fast)).toBeNull();
    expect(Object.keys(fast).every((key) => key === "total_size" || key === "id")).toBe(true);
    expect(Object.is(fast.total_size, -0)).toBe(false);
  }
}

const parse = (text: string) => {
  const bytes = utf8.encode(text);
  return parseFlatHeader(bytes, 0, bytes.length);
};

describe("parseFlatHeader (the fast path of header parsing)", () => {
  it("reads the common headers", () => {
    expect(parse('{"total_size":64,"id":1000017}')).toEqual({ total_size: 64, id: 1000017 });
    expect(parse(' {\t"a" : "b" ,\r\n"c":true,"d":false,"e":null,"n":-12 } ')).toEqual({
      a: "b",
      c: true,
      d: false,
      e: null,
      n: -12,
    });
    expect(parse("{}")).toEqual({});
    expect(Object.is(parse('{"total_size":-0}')!.total_size, -0)).toBe(true);
  });

  it.each([
    '{"a":1.5}',
    '{"a":1e3}',
    '{"a":1E3}',
    '{"a":01}',
    '{"a":-}',
    '{"a":1234567890123456}',
    '{"a":"\\u0041"}',
    '{"a":"é"}',
    '{"a":{}}',
    '{"a":[]}',
    '{"a":1,"a":2}',
    '{"__proto__":1}',
    '{"toString":1}',
    '{"constructor":"x"}',
    '{"a":1,}',
    '{,}',
    '{"a" 1}',
    '{"a":tru}',
    '{"a":truex}',
    '{"a":nul}',
    '{"a":1}x',
    '[1]',
    '"a"',
    "",
    "   ",
    '{"a":"b\tc"}',
    '{"a":1',
    '{"a"',
  ])("declines %j, which is the full path's to answer", (text) => {
    expect(parse(text)).toBeUndefined();
    agrees(text);
  });

  it("vouches for the canonical plain and request headers only", () => {
    const valid = (text: string) => {
      const bytes = utf8.encode(text);
      return parse(text) === undefined ? undefined : parseCanonicalHeader(bytes, 0, bytes.length) !== undefined;
    };
    expect(valid('{"total_size":64}')).toBe(true);
    expect(valid('{"total_size":0,"id":17}')).toBe(true);
    expect(valid('{"total_size":9,"id":-999999999999999}')).toBe(true);
    expect(valid('{"total_size":9,"id":"req-1"}')).toBe(true);
    expect(parse('{"total_size":9,"id":"req-1"}')).toEqual({ total_size: 9, id: "req-1" });
    expect(valid('{"total_size":-1}')).toBe(false);
    expect(valid('{"total_size":1,"id":true}')).toBe(false);
    expect(valid('{"total_size":1,"id":2,"x":3}')).toBe(false);
    expect(valid('{"total_size":1, "id":2}')).toBe(false);
    expect(valid('{"id":2,"total_size":1}')).toBe(false);
    expect(valid('{"total_size":1,"md5":"x"}')).toBe(false);
    for (const text of ['{"total_size":01}', '{"total_size":1e3}', '{"total_size":1,"id":1.5}', '{"total_size":1234567890123456}', '{"total_size":1,"id":"a\\b"}']) {
      expect(valid(text)).not.toBe(true);
      agrees(text);
    }
  });

  it("never reads past the end of the header", () => {
    // The octets after the header would complete it: they must not be looked at.
    const bytes = utf8.encode('{"a":1}');
    for (let end = 0; end < bytes.length; end++) expect(parseFlatHeader(bytes, 0, end)).toBeUndefined();
    expect(parseFlatHeader(utf8.encode('{"a":12}'), 0, 6)).toBeUndefined();
    expect(parseFlatHeader(utf8.encode('{"a":true}'), 0, 8)).toBeUndefined();
    for (const text of ['{"total_size":12}', '{"total_size":1,"id":23}', '{"total_size":1,"id":"ab"}']) {
      const canonical = utf8.encode(text);
      expect(parseCanonicalHeader(canonical, 0, canonical.length)).toBeDefined();
      for (let end = 0; end < canonical.length; end++) expect(parseCanonicalHeader(canonical, 0, end)).toBeUndefined();
    }
  });

  it("agrees with the full path on generated flat headers", () => {
    const name = fc.oneof(
      fc.constantFrom("total_size", "id", "filename", "md5", "sha256", "error", "code", "__proto__", "toString", "a", ""),
      fc.string({ maxLength: 30 }),
    );
    const value = fc.oneof(
      fc.integer(),
      fc.constantFrom(0, -0, 2 ** 53 - 1, 999_999_999_999_999, 1_000_000_000_000_000, 1.5, 1e21),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.string({ maxLength: 40 }),
      fc.boolean(),
      fc.constant(null),
      fc.constant({}),
    );
    const space = fc.constantFrom("", " ", "\t", "\n", "\r\n  ");
    const member = fc.tuple(name, value, space, space);
    fc.assert(
      fc.property(fc.array(member, { maxLength: 6 }), space, fc.nat(5), (members, outer, padding) => {
        const body = members.map(([n, v, s1, s2]) => `${s1}${JSON.stringify(n)}${s2}:${s1}${JSON.stringify(v)}${s2}`).join(",");
        agrees(`${outer}{${body}}${outer}`, padding);
      }),
      { numRuns: 3000 },
    );
  });

  it("agrees with the full path on mutated canonical headers", () => {
    const bases = ['{"total_size":64,"id":1000017}', '{"total_size":0}', '{"total_size":123,"id":"r-9"}'].map((t) => utf8.encode(t));
    fc.assert(
      fc.property(fc.nat(bases.length - 1), fc.array(fc.tuple(fc.nat(40), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }), (which, edits) => {
        const bytes = bases[which]!.slice();
        for (const [at, octet] of edits) bytes[at % bytes.length] = octet;
        agrees(bytes, which);
      }),
      { numRuns: 5000 },
    );
  });

  it("agrees with the full path on mutated octets", () => {
    const base = utf8.encode('{"total_size":64,"id":1000017,"filename":"a.txt","ok":true,"x":null}');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }), (edits) => {
        const bytes = base.slice();
        for (const [at, octet] of edits) bytes[at] = octet;
        agrees(bytes);
      }),
      { numRuns: 3000 },
    );
  });
});
