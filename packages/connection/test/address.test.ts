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

  it("formats and classifies addresses", () => {
    expect(formatAddress({ transport: "tcp", host: "::1", port: 5 })).toBe("tcp://[::1]:5");
    expect(isLocalAddress(parseAddress("127.0.0.2:1"))).toBe(true);
    expect(isLocalAddress(parseAddress("0.0.0.0:1"))).toBe(false);
    expect(isLocalAddress(parseAddress("unix:/x"))).toBe(true);
  });
});
