import { createHash } from "node:crypto";
import { FileChunks } from "./file-chunks.ts";

export interface FileDigests {
  size: number;
  md5: string;
  sha256: string;
}

/**
 * md5 and sha256 of a file in one pass (node:crypto: native on Node, Deno and Bun), through one
 * reused buffer: the digests consume each read at once, so a 2 GiB file costs 1 MiB, not 2 GiB
 * of garbage for the collector to catch up with.
 */
export async function digestFile(path: string, onProgress?: (done: number) => void): Promise<FileDigests> {
  const md5 = createHash("md5");
  const sha256 = createHash("sha256");
  const file = new FileChunks(path);
  let size = 0;
  for await (const chunk of file) {
    md5.update(chunk);
    sha256.update(chunk);
    size += chunk.length;
    file.recycle(chunk);
    onProgress?.(size);
  }
  return { size, md5: md5.digest("hex"), sha256: sha256.digest("hex") };
}
