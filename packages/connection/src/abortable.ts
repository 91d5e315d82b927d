/**
 * `opening` (a socket being connected), given up on when `signal` aborts first: rejects with the
 * signal's reason, and a socket that still opens after that is handed to `discard` (to close it).
 * For runtimes whose connect call takes no signal of its own.
 */
export function abortable<T>(opening: Promise<T>, signal: AbortSignal | undefined, discard: (opened: T) => void): Promise<T> {
  if (signal === undefined) return opening;
  return new Promise((resolve, reject) => {
    const aborted = () => {
      reject(signal.reason);
      opening.then(discard, () => undefined);
    };
    if (signal.aborted) return aborted();
    signal.addEventListener("abort", aborted, { once: true });
    opening.then(
      (opened) => {
        signal.removeEventListener("abort", aborted);
        resolve(opened);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", aborted);
        reject(error);
      },
    );
  });
}
