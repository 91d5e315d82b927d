import { createHash } from "node:crypto";
import { open } from "node:fs/promises";

export interface FileDigests {
  size: number;
  md5: string;
  sha256: string;
}

const READ_SIZE = 1024 * 1024;

/**
 * md5 and sha256 of a file in one pass (node:crypto: native on Node, Deno and Bun), through one
 * reused buffer: the digests consume each read at once, so a 2 GiB file costs 1 MiB, not 2 GiB
 * of garbage for the collector to catch up with.
 */
export async function digestFile(path: string, onProgress?: (done: number) => void): Promise<FileDigests> {
  const md5 = createHash("md5");
  const sha256 = createHash("sha256");
  const buffer = new Uint8Array(READ_SIZE);
  let size = 0;
  const handle = await open(path, "r");
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      const data = buffer.subarray(0, bytesRead);
      md5.update(data);
      sha256.update(data);
      size += bytesRead;
      onProgress?.(size);
    }
  } finally {
    await handle.close();
  }
  return { size, md5: md5.digest("hex"), sha256: sha256.digest("hex") };
}
