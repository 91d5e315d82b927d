import { describe, expect, it } from "vitest";
import { decodeDatagram, encodeDatagram, encodeFrame, MAX_DATAGRAM_BYTES, SockframeError } from "../src/index.ts";

// The outcomes of SPEC 9 are pinned by conformance/vectors/11-datagrams.json; these are the API's own promises.
describe("decodeDatagram", () => {
  it("gives the frame, its body a view of the datagram (no copy)", () => {
    const datagram = encodeFrame({ id: 7 }, new TextEncoder().encode("ping"));
    const { frame, error } = decodeDatagram(datagram);
    expect(error).toBeNull();
    expect(frame?.header).toEqual({ total_size: 4, id: 7 });
    expect(frame?.body.buffer).toBe(datagram.buffer);
  });

  it("locates the error: the offset where the trailing octets start, as frame 1", () => {
    const frame = encodeFrame({});
    const { error } = decodeDatagram(new Uint8Array([...frame, 1, 2]));
    expect(error).toBeInstanceOf(SockframeError);
    expect(error).toMatchObject({ code: "DATAGRAM_TRAILING_OCTETS", stage: "end", offset: frame.length, frame: 1 });
  });

  it("decides DATAGRAM_TOO_LARGE from the length alone, at the default 65507", () => {
    expect(decodeDatagram(new Uint8Array(MAX_DATAGRAM_BYTES + 1)).error).toMatchObject({ code: "DATAGRAM_TOO_LARGE", stage: "prefix", offset: 0 });
    expect(decodeDatagram(new Uint8Array(MAX_DATAGRAM_BYTES)).error?.code).toBe("HEADER_LENGTH_INVALID");
  });

  it("throws a RangeError for an invalid limit, as the decoders do", () => {
    expect(() => decodeDatagram(new Uint8Array(0), { maxDatagramBytes: -1 })).toThrow(RangeError);
    expect(() => decodeDatagram(new Uint8Array(0), { maxHeaderBytes: Number.NaN })).toThrow(RangeError);
  });
});

describe("encodeDatagram", () => {
  it("writes what encodeFrame writes, up to maxDatagramBytes inclusive", () => {
    const body = new Uint8Array(100).fill(3);
    const frame = encodeFrame({ id: 1 }, body, { checksums: ["sha256"] });
    expect(encodeDatagram({ id: 1 }, body, { checksums: ["sha256"], maxDatagramBytes: frame.length })).toEqual(frame);
  });

  it("refuses a longer frame with DATAGRAM_TOO_LARGE at stage encode, and a bad header with the encoder's error", () => {
    const frame = encodeFrame({}, new Uint8Array(10));
    expect(() => encodeDatagram({}, new Uint8Array(10), { maxDatagramBytes: frame.length - 1 })).toThrow(
      expect.objectContaining({ code: "DATAGRAM_TOO_LARGE", stage: "encode" }),
    );
    expect(() => encodeDatagram({ md5: "X" })).toThrow(expect.objectContaining({ code: "HEADER_INVALID", stage: "encode" }));
  });
});
