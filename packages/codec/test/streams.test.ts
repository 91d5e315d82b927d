import { describe, expect, it } from "vitest";
import {
  decodeFrameEvents,
  decodeFrames,
  encodeFrame,
  type Frame,
  FrameDecoderStream,
  FrameEncoderStream,
  type OutgoingFrame,
} from "../src/index.ts";
import { concat, rawFrame, text, utf8 } from "./helpers.ts";

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

describe("FrameDecoderStream", () => {
  it("decodes a byte stream piped through it", async () => {
    const bytes = concat([encodeFrame({ id: 1 }, utf8.encode("a")), encodeFrame({ id: 2 }, utf8.encode("b"))]);
    const frames: Frame[] = [];
    for await (const frame of streamOf([bytes.subarray(0, 7), bytes.subarray(7)]).pipeThrough(new FrameDecoderStream())) {
      frames.push(frame);
    }
    expect(frames.map((f) => [f.header.id, text(f.body)])).toEqual([[1, "a"], [2, "b"]]);
  });

  it("delivers every frame before an error, then errors", async () => {
    const bytes = concat([encodeFrame({ id: 1 }), encodeFrame({ id: 2 }), rawFrame("[1]"), encodeFrame({ id: 3 })]);
    const reader = streamOf([bytes]).pipeThrough(new FrameDecoderStream()).getReader();
    expect((await reader.read()).value?.header.id).toBe(1);
    expect((await reader.read()).value?.header.id).toBe(2);
    await expect(reader.read()).rejects.toMatchObject({ code: "HEADER_INVALID", stage: "header" });
  });

  it("reports TRUNCATED when the source closes mid-frame", async () => {
    const frame = encodeFrame({ id: 1 }, utf8.encode("abc"));
    const reader = streamOf([frame, frame.subarray(0, 5)]).pipeThrough(new FrameDecoderStream()).getReader();
    expect((await reader.read()).value?.header.id).toBe(1);
    await expect(reader.read()).rejects.toMatchObject({ code: "TRUNCATED", stage: "end" });
  });

  it("takes back released bodies: a later body that spans chunks is gathered into the same memory", async () => {
    const size = 256 * 1024;
    const bytes = concat([1, 2, 3].map((n) => encodeFrame({ id: n }, new Uint8Array(size).fill(n))));
    const chunks = Array.from({ length: Math.ceil(bytes.length / 65536) }, (_, i) => bytes.subarray(i * 65536, (i + 1) * 65536));
    const pair = new FrameDecoderStream();
    const memory: ArrayBufferLike[] = [];
    for await (const { header, body } of streamOf(chunks).pipeThrough(pair)) {
      expect(body.every((octet) => octet === header.id)).toBe(true);
      memory.push(body.buffer);
      expect(pair.release(body)).toBe(true);
      expect(pair.release(body)).toBe(false);
    }
    expect(memory.length).toBe(3);
    expect(new Set(memory).size).toBe(1);
  });

  it("applies backpressure: the writer waits until frames are read", async () => {
    const pair = new FrameDecoderStream();
    const writer = pair.writable.getWriter();
    const written = writer.write(concat([encodeFrame({ id: 1 }), encodeFrame({ id: 2 })]));
    let settled = false;
    void written.then(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(settled).toBe(false);
    const reader = pair.readable.getReader();
    await reader.read();
    await reader.read();
    await written;
    expect(settled).toBe(true);
  });
});

describe("FrameEncoderStream", () => {
  it("encodes frames that FrameDecoderStream decodes back", async () => {
    const source = new ReadableStream<OutgoingFrame>({
      start(controller) {
        controller.enqueue({ header: { id: "a" }, body: utf8.encode("hello") });
        controller.enqueue({ header: { id: "b" } });
        controller.close();
      },
    });
    const out: Frame[] = [];
    for await (const frame of source.pipeThrough(new FrameEncoderStream({ checksums: ["sha256"] })).pipeThrough(new FrameDecoderStream())) {
      out.push(frame);
    }
    expect(out.map((f) => [f.header.id, text(f.body), typeof f.header.sha256])).toEqual([
      ["a", "hello", "string"],
      ["b", "", "string"],
    ]);
  });
});

describe("decodeFrames / decodeFrameEvents", () => {
  async function* drip(bytes: Uint8Array) {
    for (let i = 0; i < bytes.length; i++) yield bytes.subarray(i, i + 1);
  }

  it("decode any AsyncIterable or ReadableStream of bytes", async () => {
    const bytes = concat([encodeFrame({ id: 1 }, utf8.encode("xy")), encodeFrame({ id: 2 })]);
    const ids: unknown[] = [];
    for await (const frame of decodeFrames(drip(bytes))) ids.push(frame.header.id);
    for await (const frame of decodeFrames(streamOf([bytes]))) ids.push(frame.header.id);
    const events: string[] = [];
    for await (const event of decodeFrameEvents(drip(bytes))) events.push(event.type);
    expect(ids).toEqual([1, 2, 1, 2]);
    expect(events).toEqual(["head", "data", "data", "end", "head", "end"]);
  });

  it("throw the error after the frames before it", async () => {
    const ids: unknown[] = [];
    const run = async () => {
      for await (const frame of decodeFrames([concat([encodeFrame({ id: 1 }), new Uint8Array([0, 0, 0, 0])])])) ids.push(frame.header.id);
    };
    await expect(run()).rejects.toMatchObject({ code: "HEADER_LENGTH_INVALID", stage: "prefix" });
    expect(ids).toEqual([1]);
  });
});
