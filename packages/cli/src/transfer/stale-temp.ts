import { lstat, readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { isTempName } from "./safe-name.ts";

/** A temporary file not written to for this long is a leftover (default of recv's --stale-after). */
export const STALE_AFTER_MS = 60 * 60 * 1000;

export interface SweepResult {
  removed: string[];
  /** Names that matched but could not be removed, with why. */
  failed: Array<{ name: string; reason: string }>;
}

/**
 * Removes recv's temporary files that a receiver killed outright (kill -9, power loss) left in
 * `dir`: regular files named `.sockframe-*.part` whose last write is older than `staleAfterMs`.
 * Names that a sender cannot choose (safe-name.ts refuses them), so nothing of a user's is
 * touched; symlinks and other kinds of file are left alone. A transfer still running (another
 * receiver on the same DIR) writes its file with every 512 KiB it receives; one so slow that it
 * wrote nothing for that long fails cleanly if it loses its file (the final link() finds none)
 * rather than saving part of one.
 */
export async function sweepStaleTemps(dir: string, staleAfterMs: number): Promise<SweepResult> {
  const now = Date.now();
  const result: SweepResult = { removed: [], failed: [] };
  for (const name of await readdir(dir)) {
    if (!isTempName(name)) continue;
    const path = join(dir, name);
    try {
      const info = await lstat(path);
      if (!info.isFile() || now - info.mtimeMs < staleAfterMs) continue;
      await unlink(path);
      result.removed.push(name);
    } catch (error) {
      // Gone meanwhile (another receiver's sweep, or its transfer ended): nothing to report.
      if ((error as { code?: string }).code === "ENOENT") continue;
      result.failed.push({ name, reason: (error as Error).message });
    }
  }
  return result;
}
