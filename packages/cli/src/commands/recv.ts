import { lstat, realpath, stat } from "node:fs/promises";
import type { Connection } from "@sockframe/connection";
import type { Header } from "@sockframe/codec";
import { streamAddress } from "../address.ts";
import { parseDuration, parseSize, requireOption, stringOption } from "../args.ts";
import { AUTH_FAILURE_DELAY_MS, requireTokenBeyondLoopback, TokenCheck } from "../auth.ts";
import { humanBytes } from "../bytes.ts";
import type { Command } from "../command.ts";
import { reportConnectionError } from "../connection-log.ts";
import { CliError, withCode } from "../errors.ts";
import { printError, printLine, shown } from "../output.ts";
import { PROFILE_OPTION, parseProfile, wireProfile } from "../profile.ts";
import { connectionLimit, DEFAULT_MAX_CONNECTIONS, MAX_CONNECTIONS_OPTION } from "../max-connections.ts";
import { shutdownSignal, sleep, within } from "../shutdown.ts";
import { md5OffThread } from "../transfer/md5-thread.ts";
import { finalPath, type ReceiveTarget, receiveFile } from "../transfer/receive-file.ts";
import { unsafeNameReason } from "../transfer/safe-name.ts";
import { STALE_AFTER_MS, sweepStaleTemps } from "../transfer/stale-temp.ts";

const HELP = `Usage: sockframe recv --dir DIR [--listen ADDR] [options]

Receives files sent with "sockframe put" into DIR. Each file is one frame whose header carries
filename, total_size, md5 and sha256 (the tutorial's header, used for what it was made for); its
body is streamed to a temporary file in DIR, and renamed to its name only once every byte arrived
and both digests matched. On any failure (digest mismatch, disconnect or kill of the sender, full
disk, Ctrl-C) nothing appears under the final name and the temporary file is removed. A receiver
killed outright (kill -9, power loss) cannot remove its own: at start-up recv removes those in DIR
(".sockframe-*.part") not written to for --stale-after.

Names are refused unless they are one plain path component: no "/" (so no absolute paths or
subdirectories), no "\\", not "." or "..", no NUL, control, bidirectional-text or invisible
characters (zero-width space, soft hyphen, BOM, ...; line separators), not empty, at most 255 bytes.
An existing file is never replaced without --overwrite, and a symlink in DIR is never followed
(with --overwrite it is replaced itself).

The first line printed is the bound address; then one line per file received. Ctrl-C stops.

Options:
  --dir DIR             the receiving directory (must exist)
  --listen ADDR         host:port, tcp://host:port or unix:/path (default 127.0.0.1:0)
  --overwrite           replace existing files (atomically)
  --max-file-size SIZE  refuse larger files (default: no limit)
  --stale-after TIME    at start-up, remove temporary files left in DIR that were not written to
                        for this long (default 1h; 0: all of them, when no other recv uses DIR)
  --token-file FILE     senders must send this file's content as "token"; required to listen on
                        anything but loopback or a Unix socket
  --profile P           be (default), le, or seed (= le, the tutorial's struct.pack('i') prefix)
  --max-connections N   senders served at once (default ${DEFAULT_MAX_CONNECTIONS}); more are refused (TOO_MANY_CONNECTIONS)
  -h, --help            this help
`;

interface RecvContext {
  target: ReceiveTarget;
  maxFileSize: number;
  token: TokenCheck | null;
  active: Set<AbortController>;
}

/** Reads the rest of a body and drops it: keeps the connection in step after a refusal. */
async function discard(body: ReadableStream<Uint8Array>): Promise<void> {
  const reader = body.getReader();
  try {
    for (;;) if ((await reader.read()).done) return;
  } catch {
    // The connection failed: nothing left to keep in step.
  } finally {
    reader.releaseLock();
  }
}

/** How long the body of a refused file is read and dropped before the connection is cut. */
const REFUSED_DRAIN_MS = 1000;

/**
 * Reads and drops the body of a refused file, for REFUSED_DRAIN_MS at most: closing with unread
 * input at once would reset the connection and could lose the refusal. Not to the end, though:
 * total_size is the peer's word, and a refused file must not make us read (and hash) up to 2^53
 * octets. False when the connection was cut instead.
 */
async function drainedInTime(connection: Connection, body: ReadableStream<Uint8Array>): Promise<boolean> {
  const drained = await within(REFUSED_DRAIN_MS, discard(body).then(() => true), false);
  if (!drained) connection.destroy();
  return drained;
}

/** Why this file is refused before a byte of it is written, or null. */
async function preflight(header: Header, context: RecvContext): Promise<{ code: string; message: string } | null> {
  const reason = unsafeNameReason(header.filename);
  if (reason !== null) return { code: "UNSAFE_NAME", message: `${JSON.stringify(header.filename ?? null)}: ${reason}` };
  const name = header.filename!;
  if (header.sha256 === undefined && header.md5 === undefined) {
    return { code: "NO_DIGEST", message: "the header carries neither md5 nor sha256: the file could not be verified" };
  }
  if (header.total_size > context.maxFileSize) {
    return { code: "FILE_TOO_LARGE", message: `${name} is ${humanBytes(header.total_size)}, over the limit of ${humanBytes(context.maxFileSize)}` };
  }
  const existing = await lstat(finalPath(context.target, name)).catch(() => null);
  if (existing !== null) {
    if (existing.isDirectory()) return { code: "FILE_EXISTS", message: `${name} is a directory on the receiver` };
    if (!context.target.overwrite) return { code: "FILE_EXISTS", message: `${name} exists (the receiver overwrites only with --overwrite)` };
  }
  return null;
}

function handler(context: RecvContext) {
  return async (connection: Connection): Promise<void> => {
    const who = connection.remoteAddress;
    // A sender told "no" mid-file gives up by closing: the cut-off frame that follows is expected.
    let refusedLast = false;
    try {
      for await (const { header, body } of connection.receiveStreams()) {
        const id = header.id;
        if (header.error !== undefined) {
          await discard(body);
          continue;
        }
        if (context.token !== null && !context.token.check(header.token)) {
          await sleep(AUTH_FAILURE_DELAY_MS);
          printError(`sockframe recv: ${who}: wrong or missing token; disconnected`);
          await connection.send({ id, error: { code: "UNAUTHORIZED", message: "wrong or missing token" } });
          await drainedInTime(connection, body);
          return;
        }
        const refusal = await preflight(header, context);
        if (refusal !== null) {
          printError(`sockframe recv: ${who}: refused: ${withCode(refusal.code, refusal.message)}`);
          await connection.send({ id, error: refusal });
          refusedLast = true;
          if (!(await drainedInTime(connection, body))) return;
          continue;
        }
        refusedLast = false;
        const name = header.filename!;
        const abort = new AbortController();
        context.active.add(abort);
        const started = performance.now();
        const result = await receiveFile(context.target, name, header.total_size, body, abort.signal, (chunk) => connection.release(chunk))
          .finally(() => context.active.delete(abort));
        if (result.ok) {
          const seconds = (performance.now() - started) / 1000;
          printLine(`received ${shown(name)} (${result.size} bytes, ${humanBytes(result.size / Math.max(seconds, 1e-3))}/s) from ${who}, verified, saved as ${shown(result.path)}`);
          await connection.send({ id, saved: name, size: result.size });
        } else {
          printError(`sockframe recv: ${who}: ${shown(name)}: ${withCode(result.code, result.message)}; nothing saved`);
          if (!result.bodyDone) {
            await connection.send({ id, error: { code: result.code, message: result.message } }).catch(() => undefined);
            refusedLast = true;
            if (!(await drainedInTime(connection, body))) return;
          } else if (result.code === "FILE_EXISTS" || result.code === "WRITE_FAILED") {
            await connection.send({ id, error: { code: result.code, message: result.message } }).catch(() => undefined);
          }
        }
      }
    } catch (error) {
      if (refusedLast && connection.protocolError?.code === "TRUNCATED") return;
      reportConnectionError("recv", connection, error);
    }
  };
}

function testWriteFailure(): number | undefined {
  let value: string | undefined;
  try {
    // Deno asks for --allow-env to read any variable; without it the hook is simply off.
    value = process.env.SOCKFRAME_TEST_FAIL_WRITE_AFTER;
  } catch {
    return undefined;
  }
  return value === undefined || value === "" ? undefined : Number(value);
}

export const recvCommand: Command = {
  name: "recv",
  summary: "receive files sent with put: streamed, verified, never a partial file",
  help: HELP,
  options: {
    listen: { type: "string" },
    dir: { type: "string" },
    overwrite: { type: "boolean", default: false },
    "max-file-size": { type: "string" },
    "stale-after": { type: "string" },
    "token-file": { type: "string" },
    ...PROFILE_OPTION,
    ...MAX_CONNECTIONS_OPTION,
  },
  positionals: false,
  async run({ values }, adapter) {
    const profile = parseProfile(stringOption(values, "profile"));
    const address = streamAddress(stringOption(values, "listen") ?? "127.0.0.1:0", "listen", "recv");
    const dirOption = requireOption(values, "dir", "recv");
    const dir = await realpath(dirOption).catch(() => {
      throw new CliError(`--dir ${dirOption}: no such directory`);
    });
    if (!(await stat(dir)).isDirectory()) throw new CliError(`--dir ${dirOption}: not a directory`);
    const tokenFile = stringOption(values, "token-file");
    requireTokenBeyondLoopback(address, tokenFile, "recv");
    const maxFile = stringOption(values, "max-file-size");
    const staleOption = stringOption(values, "stale-after");
    const staleAfterMs = staleOption === undefined ? STALE_AFTER_MS : parseDuration(staleOption, "stale-after", { min: 0, max: Number.MAX_SAFE_INTEGER });
    const context: RecvContext = {
      target: { dir, overwrite: values.overwrite === true, failWriteAfter: testWriteFailure() },
      maxFileSize: maxFile === undefined ? Number.MAX_SAFE_INTEGER : parseSize(maxFile, "max-file-size"),
      token: tokenFile === undefined ? null : await TokenCheck.fromFile(tokenFile),
      active: new Set(),
    };
    const swept = await sweepStaleTemps(dir, staleAfterMs);
    if (swept.removed.length > 0) printError(`sockframe recv: removed ${swept.removed.length} temporary file(s) an earlier receiver left: ${swept.removed.join(", ")}`);
    for (const { name, reason } of swept.failed) printError(`sockframe recv: could not remove the leftover ${name}: ${reason}`);
    const stop = shutdownSignal();
    // md5 on a worker thread (md5-thread.ts): 2 GiB to Deno 15.0/14.6 -> 11.2/11.6 s, 1 GiB to Node
    // 5.3 -> 4.9 s (medians of eight); Bun unchanged on the 2-core machine (packages/cli/README.md).
    const server = await adapter.listen(address, handler(context), {
      profile: wireProfile(profile),
      streamBodies: true,
      hashes: { md5: md5OffThread },
      ...connectionLimit("recv", stringOption(values, "max-connections")),
    });
    printLine(`listening on ${server.url}`);
    printError(`sockframe recv: saving into ${dir}${context.target.overwrite ? " (overwriting)" : ""}`);
    await stop;
    // A transfer cut short cannot finish: abort them (their temporary files go) rather than wait.
    for (const abort of context.active) abort.abort();
    await server.close();
    return 0;
  },
};
