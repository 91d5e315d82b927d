import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { link, lstat, open, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { BatchWriter } from "./batch-writer.ts";
import { reclaimEvery } from "./reclaim.ts";
import { TEMP_PREFIX, TEMP_SUFFIX } from "./safe-name.ts";

export interface ReceiveTarget {
  /** The receiving directory, as a real path (symlinks resolved once, at start-up). */
  dir: string;
  overwrite: boolean;
  /**
   * Test hook, never set in normal use: writes fail with ENOSPC once this many octets were
   * written, to exercise the full-disk path without filling a disk (SOCKFRAME_TEST_FAIL_WRITE_AFTER).
   */
  failWriteAfter?: number;
}

export type ReceiveResult =
  | { ok: true; path: string; size: number }
  | { ok: false; code: "WRITE_FAILED" | "FILE_EXISTS" | "TRANSFER_FAILED"; message: string; bodyDone: boolean };

/** Gives the temporary file its final name, never replacing anything unless asked to. */
async function place(temp: string, final: string, overwrite: boolean): Promise<void> {
  if (overwrite) {
    // rename replaces a symlink at `final` itself, never what it points to.
    await rename(temp, final);
    return;
  }
  try {
    // link() fails with EEXIST if anything has the name, a dangling symlink included: an atomic
    // "create if absent" that two concurrent receivers of the same name cannot both win.
    await link(temp, final);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "ENOSYS") throw error;
    // File systems without hard links: check, then rename (a small race, documented).
    if (await lstat(final).then(() => true, () => false)) throw Object.assign(new Error("file exists"), { code: "EEXIST" });
    await rename(temp, final);
    return;
  }
  await unlink(temp);
}

export function finalPath(target: ReceiveTarget, name: string): string {
  return join(target.dir, name);
}

/**
 * Writes a streamed body to a temporary file in the target directory and gives it its final name
 * only once the whole body arrived and the codec verified its digests (the body stream ends
 * normally only then, SPEC 4.2 and 6.2). On any failure (mismatch, disconnect, write error, abort)
 * the temporary file is removed and nothing appears under the final name.
 */
export async function receiveFile(
  target: ReceiveTarget,
  name: string,
  size: number,
  body: ReadableStream<Uint8Array>,
  signal: AbortSignal,
  /** Hands a chunk of `body` back once it is written (Connection.release): its memory takes later reads. */
  release?: (chunk: Uint8Array) => void,
): Promise<ReceiveResult> {
  const temp = join(target.dir, `${TEMP_PREFIX}${randomBytes(9).toString("hex")}${TEMP_SUFFIX}`);
  const final = finalPath(target, name);
  // O_EXCL and O_NOFOLLOW: never open something planted at the temporary name.
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  const reader = body.getReader();
  // Shutting down: stop reading and leave the rest of the body to the caller, who tells the sender
  // (TRANSFER_FAILED) before the connection closes. Cancelling the body would destroy the
  // connection, and the error frame with it: the sender saw only a reset.
  const abort = () => reader.releaseLock();
  signal.addEventListener("abort", abort);
  let closed = false;
  let placed = false;
  let bodyDone = false;
  const writer = new BatchWriter(handle, { expectedSize: size, onWritten: reclaimEvery(), failWriteAfter: target.failWriteAfter });
  try {
    for (;;) {
      const { done, value } = await reader.read().catch((error: unknown) => {
        if (!signal.aborted) bodyDone = true;
        throw error;
      });
      if (done) {
        bodyDone = true;
        break;
      }
      await writer.add(value).catch(rethrowAsWrite);
      release?.(value);
    }
    await writer.finish().catch(rethrowAsWrite);
    const written = writer.written;
    if (signal.aborted) return { ok: false, code: "TRANSFER_FAILED", message: "aborted: the receiver is shutting down", bodyDone };
    if (written !== size) return { ok: false, code: "TRANSFER_FAILED", message: `received ${written} of ${size} bytes`, bodyDone };
    // Durable before visible: a crash after the rename must not leave a short file under the final name.
    await handle.sync().catch(rethrowAsWrite);
    await handle.close();
    closed = true;
    try {
      await place(temp, final, target.overwrite);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "EEXIST") return { ok: false, code: "FILE_EXISTS", message: `${name} exists (the receiver overwrites only with --overwrite)`, bodyDone };
      return { ok: false, code: "WRITE_FAILED", message: `could not name the file ${name}: ${(error as Error).message}`, bodyDone };
    }
    placed = true;
    return { ok: true, path: final, size: written };
  } catch (error) {
    if (error instanceof WriteError) return { ok: false, code: "WRITE_FAILED", message: error.message, bodyDone };
    if (signal.aborted) return { ok: false, code: "TRANSFER_FAILED", message: "aborted: the receiver is shutting down", bodyDone };
    return { ok: false, code: "TRANSFER_FAILED", message: (error as Error).message, bodyDone };
  } finally {
    signal.removeEventListener("abort", abort);
    reader.releaseLock();
    if (!closed) {
      // Never close a file descriptor that a write in flight still uses.
      await writer.settle();
      await handle.close().catch(() => undefined);
    }
    if (!placed) await unlink(temp).catch(() => undefined);
  }
}

class WriteError extends Error {}

function rethrowAsWrite(error: unknown): never {
  throw new WriteError(`write failed: ${(error as Error).message}`);
}
