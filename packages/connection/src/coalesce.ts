/** Chunks at or above this size are written as they are; smaller neighbours are merged. */
export const COALESCE_LIMIT: number = 64 * 1024;

/**
 * Merges runs of small chunks into single buffers so that many small frames cost one system call,
 * while large bodies are passed through uncopied. For runtimes without writev (Bun, Deno).
 */
export function coalesce(chunks: readonly Uint8Array[], limit: number = COALESCE_LIMIT): Uint8Array[] {
  const out: Uint8Array[] = [];
  let run: Uint8Array[] = [];
  let runBytes = 0;
  const flush = () => {
    if (run.length === 1) out.push(run[0]!);
    else if (run.length > 1) {
      const merged = new Uint8Array(runBytes);
      let at = 0;
      for (const chunk of run) {
        merged.set(chunk, at);
        at += chunk.length;
      }
      out.push(merged);
    }
    run = [];
    runBytes = 0;
  };
  for (const chunk of chunks) {
    if (chunk.length === 0) continue;
    if (chunk.length >= limit) {
      flush();
      out.push(chunk);
    } else {
      if (runBytes + chunk.length > limit) flush();
      run.push(chunk);
      runBytes += chunk.length;
    }
  }
  flush();
  return out;
}
