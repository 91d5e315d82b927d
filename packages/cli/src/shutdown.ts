/**
 * Resolves on the first SIGINT (Ctrl-C) or SIGTERM, so a server can close gracefully; a second
 * signal exits at once, with 128 + its number as a shell reports it (130 for SIGINT, 143 for SIGTERM). node:process signal events work alike on Node, Deno and Bun.
 */
export function shutdownSignal(onForce: () => void = () => undefined): Promise<string> {
  return new Promise((resolve) => {
    let received = false;
    const handler = (signal: string): void => {
      if (received) {
        onForce();
        process.stderr.write(`sockframe: ${signal} again, exiting now\n`);
        process.exit(signal === "SIGTERM" ? 143 : 130);
      }
      received = true;
      process.stderr.write(`sockframe: ${signal}, shutting down (again to force)\n`);
      resolve(signal);
    };
    process.on("SIGINT", handler);
    process.on("SIGTERM", handler);
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `promise`, or `fallback` once `ms` have passed; the timer never outlives the race. */
export async function within<T>(ms: number, promise: Promise<T>, fallback: T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([promise, new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
