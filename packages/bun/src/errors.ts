/** The errno-style `code` of an error (`ECONNREFUSED`, `EADDRINUSE`...), if it has one. */
export function errorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined;
}

/** An error with the errno-style `code` Node and Bun use, so callers can test one field on every runtime. */
export function codedError(message: string, code: string, cause?: unknown): Error & { code: string } {
  return Object.assign(new Error(message, cause === undefined ? {} : { cause }), { code });
}
