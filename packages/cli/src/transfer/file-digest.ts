import { createHash } from "node:crypto";
import { CliError } from "../errors.ts";
import { FileChunks } from "./file-chunks.ts";
import { md5InWorker } from "./md5-worker.ts";

export interface FileDigests {
  size: number;
  md5: string;
  sha256: string;
}

/**
 * Files at least this large are hashed on two threads: a worker took 10-80 ms to start here. Medians
 * of five, one thread against two (ms): 32 MiB Node 79/95, Bun 78/75, Deno 85/96; 64 MiB 154/148,
 * 146/121, 169/156; 128 MiB 291/234, 285/222, 326/277.
 */
export const TWO_THREADS_FROM = 64 * 1024 * 1024;

/**
 * md5 and sha256 of a file (node:crypto: native on Node, Deno and Bun), read through one reused
 * buffer: the digests consume each read at once, so a 2 GiB file costs 1 MiB, not 2 GiB of
 * garbage for the collector to catch up with.
 *
 * md5 is the slow one (~750 MB/s against sha256's ~1,800 with SHA extensions) and cannot be
 * split, so a large file's md5 runs on a worker thread that reads the file itself, while this
 * thread computes sha256 (`sizeHint`: the size the caller found, which decides; it also sizes the
 * read buffer of a small file). A 2 GiB put to recv on the 2-core machine: Node 11.4 -> 10.5 s,
 * Bun 11.6 -> 10.0 s, Deno 16.8 -> 14.9 s, for 5-9 MiB more peak memory on Node and Deno
 * (packages/cli/README.md).
 */
export async function digestFile(path: string, onProgress?: (done: number) => void, sizeHint?: number): Promise<FileDigests> {
  if (sizeHint === undefined || sizeHint < TWO_THREADS_FROM) {
    const md5 = createHash("md5");
    const sha256 = await hashHere(path, sizeHint, (chunk) => md5.update(chunk), onProgress);
    return { ...sha256, md5: md5.digest("hex") };
  }
  let workerDone = 0;
  let hereDone = 0;
  // Progress is the slower of the two passes.
  const report = () => onProgress?.(Math.min(workerDone, hereDone));
  const job = md5InWorker(path, (done) => {
    workerDone = done;
    report();
  });
  let here: { size: number; sha256: string };
  try {
    here = await hashHere(path, sizeHint, undefined, (done) => {
      hereDone = done;
      report();
    });
  } catch (error) {
    job.cancel();
    job.result.catch(() => undefined);
    throw error;
  }
  const { size, md5 } = await job.result;
  if (size !== here.size) throw new CliError(`the file changed while it was being hashed (read ${size} and ${here.size} bytes)`);
  onProgress?.(size);
  return { size, md5, sha256: here.sha256 };
}

/** sha256 on this thread, each chunk also given to `alsoUpdate`. */
async function hashHere(path: string, sizeHint: number | undefined, alsoUpdate?: (chunk: Uint8Array) => void, onProgress?: (done: number) => void): Promise<{ size: number; sha256: string }> {
  const sha256 = createHash("sha256");
  const file = new FileChunks(path, sizeHint);
  let size = 0;
  for await (const chunk of file) {
    alsoUpdate?.(chunk);
    sha256.update(chunk);
    size += chunk.length;
    file.recycle(chunk);
    onProgress?.(size);
  }
  return { size, sha256: sha256.digest("hex") };
}
