/**
 * Resolves when the first of `events` settles or `ms` have passed, whichever comes first; the timer
 * never outlives the wait (it would keep a process alive for nothing). Rejects if that first event
 * rejects.
 */
export async function waitAtMost(ms: number, ...events: Promise<unknown>[]): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([...events, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
