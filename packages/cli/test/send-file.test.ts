import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Connection, Server } from "@sockframe/connection";
import { connect, listen } from "@sockframe/node";
import { afterEach, beforeEach, expect, test } from "vitest";
import { Link, sendFile } from "../src/transfer/send-file.ts";

// put's exchange for one file, with the file a FIFO: the test decides when its end-of-file comes,
// so the order of the receiver's answer and the end of the send is fixed, not left to timing.

const content = new TextEncoder().encode("the tutorial's sticky packets, one frame per file\n");
const digests = {
  size: content.length,
  md5: createHash("md5").update(content).digest("hex"),
  sha256: createHash("sha256").update(content).digest("hex"),
};

let dir: string;
let fifo: string;
let server: Server | null = null;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "sf-send-"));
  fifo = join(dir, "file.fifo");
  execFileSync("mkfifo", [fifo]);
});
afterEach(async () => {
  await server?.close();
  server = null;
  rmSync(dir, { recursive: true, force: true });
});

/** A link whose connection reports each answer it delivers to sendFile (`answered`). */
function linkTo(address: Server["address"]): { link: Link; answered: Promise<void> } {
  let delivered!: () => void;
  const answered = new Promise<void>((resolve) => (delivered = resolve));
  const link = new Link(async () => {
    const connection: Connection = await connect(address);
    const iterate = connection[Symbol.asyncIterator].bind(connection);
    connection[Symbol.asyncIterator] = () => {
      const frames = iterate();
      return { next: () => frames.next().then((next) => (delivered(), next)) };
    };
    return connection;
  });
  return { link, answered };
}

/** Starts sending the FIFO as `name`; returns the writing end once both ends are open. */
async function startSend(link: Link, name: string, id: number) {
  const writer = open(fifo, "w");
  const outcome = sendFile(link, { path: fifo, name, digests }, id, undefined, false);
  return { writer: await writer, outcome };
}

test("a confirmation that arrives before the send has settled is the answer, not a refusal", async () => {
  server = await listen("127.0.0.1:0", async (connection) => {
    for await (const frame of connection) await connection.send({ id: frame.header.id, saved: frame.header.filename, size: frame.body.length });
  });
  const { link, answered } = linkTo(server.address);
  const { writer: handle, outcome } = await startSend(link, "notes.txt", 1);
  await handle.write(content);
  // Every octet is out and confirmed while the sender still waits for the file's end.
  await answered;
  await handle.close();
  expect(await outcome).toEqual({ ok: true, reply: { id: 1, saved: "notes.txt", size: content.length, total_size: 0 } });
  // The connection stayed in step: the next file goes over it.
  const { writer: second, outcome: next } = await startSend(link, "again.txt", 2);
  await second.write(content);
  await second.close();
  expect(await next).toEqual({ ok: true, reply: { id: 2, saved: "again.txt", size: content.length, total_size: 0 } });
  await link.close();
});

test("a confirmation before every octet was handed over is still refused", async () => {
  // This receiver confirms on the header alone: it cannot have checked the file.
  server = await listen(
    "127.0.0.1:0",
    async (connection) => {
      for await (const frame of connection.receiveStreams()) {
        await connection.send({ id: frame.header.id, saved: frame.header.filename, size: Number(frame.header.total_size) });
        for await (const _ of frame.body as unknown as AsyncIterable<Uint8Array>);
      }
    },
    { streamBodies: true },
  );
  const { link, answered } = linkTo(server.address);
  const { writer: handle, outcome } = await startSend(link, "notes.txt", 1);
  await handle.write(content.subarray(0, 10));
  await answered;
  await handle.close();
  expect(await outcome).toEqual({ ok: false, message: "the receiver answered before the file was sent", connectionLost: true, fromPeer: true });
});

test("an answer that is not a receiver's confirmation (an echo server, a wrong size or id) is a failure", async () => {
  const answers: Array<(header: Record<string, unknown>, length: number) => Record<string, unknown>> = [
    // sockframe echo: the request's fields back, no `saved`.
    (header) => ({ id: header.id, filename: header.filename }),
    (header, length) => ({ id: header.id, saved: header.filename, size: length - 1 }),
    (header, length) => ({ id: Number(header.id) + 1, saved: header.filename, size: length }),
  ];
  for (const reply of answers) {
    server = await listen("127.0.0.1:0", async (connection) => {
      for await (const frame of connection) await connection.send(reply(frame.header, frame.body.length));
    });
    const { link } = linkTo(server.address);
    const { writer, outcome } = await startSend(link, "notes.txt", 1);
    await writer.write(content);
    await writer.close();
    expect(await outcome).toMatchObject({ ok: false, connectionLost: true, message: expect.stringMatching(/not a receiver's confirmation/) });
    await link.close();
    await server.close();
    server = null;
  }
});
