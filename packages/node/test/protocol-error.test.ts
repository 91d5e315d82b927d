import { afterAll, describe, expect, it } from "vitest";
import { connect, type Connection, encodeFrame, type Header, isSockframeError, listen, type SockframeError } from "../src/index.ts";
import { framesOf, rawConnect, readToEnd, tempDir, text, upper, utf8, within } from "./helpers.ts";

const dir = tempDir();
afterAll(() => dir.remove());

/** A 5-octet header that is not JSON. */
const GARBAGE = new Uint8Array([0, 0, 0, 5, ...utf8.encode("nope!")]);

it("answers a request that came in the same write as a bad frame, before the error frame (SPEC 7.3)", async () => {
  const server = await listen("127.0.0.1:0", async (connection: Connection) => {
    for await (const { header, body } of connection) await connection.send({ id: header.id }, upper(body));
  });
  try {
    const raw = await rawConnect(server.address);
    const reply = readToEnd(raw);
    raw.write(Buffer.concat([encodeFrame({ id: 7 }, utf8.encode("ok")), GARBAGE]));
    const frames = framesOf(await within(10_000, reply, "the reply, the error frame and EOF"));
    expect(frames.map((frame) => frame.header.error?.code ?? frame.header.id)).toEqual([7, "HEADER_INVALID_JSON"]);
    expect(text(frames[0]!.body)).toBe("OK");
  } finally {
    await server.close();
  }
});

describe.each([
  ["tcp", () => "127.0.0.1:0"],
  ["unix", () => `unix:${dir.path("error.sock")}`],
])("a protocol error over %s", (_name, address) => {
  it("delivers the good frame, ends iteration with the error, answers with an error frame and EOF, and keeps serving others", async () => {
    const received: Header[] = [];
    const errors: unknown[] = [];
    const handler = async (connection: Connection) => {
      try {
        for await (const { header, body } of connection) {
          received.push(header);
          if (header.quiet !== true) await connection.send({ id: header.id }, upper(body));
        }
      } catch (error) {
        errors.push(error);
      }
    };
    const server = await listen(address(), handler);
    try {
      const good = await connect(server.address);
      expect(text((await good.request({}, utf8.encode("before"))).body)).toBe("BEFORE");

      const raw = await rawConnect(server.address);
      const reply = readToEnd(raw);
      raw.write(encodeFrame({ id: "good", quiet: true }, utf8.encode("hello")));
      raw.write(GARBAGE);
      const during = good.request({}, utf8.encode("during"));

      const frames = framesOf(await within(10_000, reply, "the error frame and EOF"));
      expect(frames).toHaveLength(1);
      expect(frames[0]!.header).toMatchObject({ total_size: 0, error: { code: "HEADER_INVALID_JSON" } });
      expect(typeof frames[0]!.header.error?.message).toBe("string");

      expect(received.filter((header) => header.id === "good")).toHaveLength(1);
      expect(errors).toHaveLength(1);
      expect(isSockframeError(errors[0])).toBe(true);
      expect((errors[0] as SockframeError).code).toBe("HEADER_INVALID_JSON");

      expect(text((await within(5000, during, "request during")).body)).toBe("DURING");
      expect(text((await good.request({}, utf8.encode("after"))).body)).toBe("AFTER");
      await good.close();
    } finally {
      await server.close();
    }
  });
});
