/** Closes a Deno resource that may already be closed (Deno throws BadResource then). */
export function closeQuietly(resource: { close(): void }): void {
  try {
    resource.close();
  } catch {
    // Already closed: nothing left to release.
  }
}
