import type { Connection } from "@sockframe/connection";
import { type Frame, type Header, type OutgoingHeader, SockframeError } from "@sockframe/codec";
import { describeError, withCode } from "../errors.ts";
import { jsonText } from "../json-text.ts";
import { FileChunks } from "./file-chunks.ts";
import type { PreparedFile } from "./prepared-file.ts";
import { createProgress } from "./progress.ts";

/**
 * `fromPeer`: the receiver said why (an error frame), rather than the connection failing; `code`:
 * the receiver's error code, when it refused the file.
 */
export type Outcome = { ok: true; reply: Header } | { ok: false; message: string; connectionLost: boolean; fromPeer: boolean; code?: string };

/** One connection and its incoming frames (the receiver's answers), opened when first needed. */
export class Link {
  #connection: Connection | null = null;
  #replies: AsyncIterator<Frame<Header>> | null = null;
  readonly #open: () => Promise<Connection>;

  constructor(open: () => Promise<Connection>) {
    this.#open = open;
  }

  async get(): Promise<{ connection: Connection; replies: AsyncIterator<Frame<Header>> }> {
    if (this.#connection === null) {
      this.#connection = await this.#open();
      this.#replies = this.#connection[Symbol.asyncIterator]();
    }
    return { connection: this.#connection, replies: this.#replies! };
  }

  /** Drops a connection whose framing is no longer in step (aborted send, protocol error). */
  drop(): void {
    this.#connection?.destroy();
    this.#connection = null;
    this.#replies = null;
  }

  async close(): Promise<void> {
    await this.#connection?.close().catch(() => undefined);
    this.#connection = null;
  }
}

function replyOutcome(next: IteratorResult<Frame<Header>>, id: number, size: number): Outcome {
  if (next.done) return { ok: false, message: "the receiver closed the connection without confirming", connectionLost: true, fromPeer: false };
  const { header } = next.value;
  if (header.error !== undefined) {
    // An error frame without our id is the connection's own (SPEC 7.3): the connection is over.
    // So is a refused token: recv disconnects after it.
    const { code } = header.error;
    return { ok: false, message: withCode(code, header.error.message), connectionLost: header.id === undefined || code === "UNAUTHORIZED", fromPeer: true, code };
  }
  // recv's confirmation names the file saved and its size. Anything else (an echo server, say)
  // confirms nothing, and the exchange is out of step: the connection is dropped.
  if (header.id !== id || typeof header.saved !== "string" || header.size !== size) {
    // jsonText: the peer's header may nest deeper than JSON.stringify's recursion goes.
    const got = jsonText(header).slice(0, 120);
    return { ok: false, message: `the peer's answer is not a receiver's confirmation (is it sockframe recv?): ${got}`, connectionLost: true, fromPeer: true };
  }
  return { ok: true, reply: header };
}

const failureOf = (promise: Promise<unknown>): Promise<string | null> =>
  promise.then(
    () => null,
    (error: unknown) => describeError(error),
  );

/** Streams one prepared file as frame `id` over the link and waits for the receiver's answer. */
export async function sendFile(link: Link, prepared: PreparedFile, id: number, token: string | undefined, progressOn: boolean): Promise<Outcome> {
  const { path, name, digests } = prepared;
  const { connection, replies } = await link.get();
  const header: OutgoingHeader = { id, filename: name, md5: digests.md5, sha256: digests.sha256 };
  if (token !== undefined) header.token = token;
  const progress = createProgress(name, digests.size, progressOn);
  /** Octets given to the connection, and octets it has since taken (it pulls the next chunk). */
  let handed = 0;
  let sent = 0;
  let abandoned = false;
  const file = new FileChunks(path, digests.size);
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for await (const chunk of file) {
      // Connection.sendStream keeps pulling after its connection is destroyed: stop reading here.
      if (abandoned) return;
      handed += chunk.length;
      yield chunk;
      sent += chunk.length;
      progress.update(sent);
    }
  }
  // Each chunk's buffer takes a later read once its octets are written: no garbage per chunk.
  const sending = connection.sendStream(header, digests.size, chunks(), { onWritten: (chunk) => file.recycle(chunk) });
  const lost = (error: unknown): Outcome =>
    // What the peer sent is not a frame at all (an HTTP server's "HTTP/1.1 400" reads as a header
    // length far over the limit): that, not the send it cut short, is the news.
    error instanceof SockframeError
      ? { ok: false, message: `the peer's answer is not sockframe (is it sockframe recv?): ${describeError(error)}`, connectionLost: true, fromPeer: true }
      : { ok: false, message: describeError(error), connectionLost: true, fromPeer: false };
  // Never rejects: a failed read of the answer is an outcome too.
  const answer = replies.next().then((next) => replyOutcome(next, id, digests.size), lost);
  const first = await Promise.race([sending.then(() => "sent" as const, () => "send-failed" as const), answer.then(() => "answered" as const)]);
  if (first === "sent") {
    progress.finish(sent);
    const outcome = await answer;
    if (!outcome.ok && outcome.connectionLost) link.drop();
    return outcome;
  }
  if (first === "answered" && handed === digests.size) {
    // The receiver confirms as soon as the last octet has arrived and checked out, which can be
    // before sendStream() settles here: that waits for the socket to report the last write done
    // and for the file's end-of-file read. A confirmation of every octet handed over is the
    // answer, not a refusal; only a failure of the send itself still counts.
    const outcome = await answer;
    if (outcome.ok) {
      const sendError = await failureOf(sending);
      progress.finish(handed);
      if (sendError === null) return outcome;
      link.drop();
      return { ok: false, message: `sending failed: ${sendError}`, connectionLost: true, fromPeer: false };
    }
  }
  progress.finish(sent);
  // An answer before the whole file was sent is a refusal, and a failed send leaves the framing
  // out of step: either way this connection is done.
  abandoned = true;
  link.drop();
  const outcome = await answer;
  const sendError = await failureOf(sending);
  if (outcome.ok) return { ok: false, message: "the receiver answered before the file was sent", connectionLost: true, fromPeer: true };
  if (!outcome.fromPeer && sendError !== null) return { ok: false, message: `sending failed: ${sendError}`, connectionLost: true, fromPeer: false };
  return { ...outcome, connectionLost: true };
}
