import { describe, expect, it } from "vitest";
import { formatAddress, isLocalAddress, parseAddress } from "../src/index.ts";

describe("parseAddress", () => {
  it.each([
    ["127.0.0.1:80", { transport: "tcp", host: "127.0.0.1", port: 80 }],
    [":0", { transport: "tcp", host: "127.0.0.1", port: 0 }],
    ["8080", { transport: "tcp", host: "127.0.0.1", port: 8080 }],
    ["tcp://localhost:1", { transport: "tcp", host: "localhost", port: 1 }],
    ["[::1]:9", { transport: "tcp", host: "::1", port: 9 }],
    ["udp://127.0.0.1:53", { transport: "udp", host: "127.0.0.1", port: 53 }],
    ["unix:/tmp/s.sock", { transport: "unix", path: "/tmp/s.sock" }],
    ["unix:///tmp/s.sock", { transport: "unix", path: "/tmp/s.sock" }],
    ["/tmp/x.sock", { transport: "unix", path: "/tmp/x.sock" }],
  ])("%s", (input, expected) => {
    expect(parseAddress(input)).toEqual(expected);
  });

  it("rejects bad ports, unknown schemes, bare IPv6 and over-long Unix paths", () => {
    expect(() => parseAddress("host:99999")).toThrow(/port/);
    expect(() => parseAddress("http://x:1")).toThrow(/scheme/);
    expect(() => parseAddress("::1:80")).toThrow(/brackets/);
    expect(() => parseAddress(`unix:/tmp/${"x".repeat(110)}`)).toThrow(/over the limit of 107/);
  });

  it("checks address objects as it checks text: one error on every runtime, not each socket API's own", () => {
    expect(parseAddress({ transport: "tcp", host: "::1", port: 0 })).toEqual({ transport: "tcp", host: "::1", port: 0 });
    expect(() => parseAddress({ transport: "tcp", host: "127.0.0.1", port: 70000 })).toThrow(RangeError);
    expect(() => parseAddress({ transport: "udp", host: "127.0.0.1", port: 1.5 })).toThrow(/port must be an integer from 0 to 65535, got 1.5/);
    expect(() => parseAddress({ transport: "tcp", host: "127.0.0.1", port: "80" } as never)).toThrow(RangeError);
    expect(() => parseAddress({ transport: "tcp", host: "", port: 80 })).toThrow(/non-empty string/);
    expect(() => parseAddress({ transport: "sctp", host: "h", port: 1 } as never)).toThrow(/unknown transport "sctp"/);
    expect(() => parseAddress({ transport: "unix", path: "" })).toThrow(/empty Unix socket path/);
  });

  it("formats and classifies addresses", () => {
    expect(formatAddress({ transport: "tcp", host: "::1", port: 5 })).toBe("tcp://[::1]:5");
    expect(isLocalAddress(parseAddress("127.0.0.2:1"))).toBe(true);
    expect(isLocalAddress(parseAddress("0.0.0.0:1"))).toBe(false);
    expect(isLocalAddress(parseAddress("unix:/x"))).toBe(true);
  });
});
