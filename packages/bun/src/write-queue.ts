/**
 * Octets waiting for a socket whose write() takes what fits and returns the count (Bun's TCP and
 * Unix sockets buffer nothing): the rest stays here, in order, until the next drain.
 */
export class WriteQueue {
  #chunks: Uint8Array[] = [];
  /** Octets of chunks[0] already written. */
  #offset = 0;
  /** Running totals: a write() promise resolves once `written` reaches its chunks' end. */
  #queued = 0;
  #written = 0;
  #waiters: Array<{ until: number; resolve: () => void; reject: (error: Error) => void }> = [];
  #failure: Error | null = null;

  /** Octets queued and not yet taken by the socket. */
  get pending(): number {
    return this.#queued - this.#written;
  }

  /** Queues chunks; resolves once the socket took their last octet. */
  push(chunks: readonly Uint8Array[]): Promise<void> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    for (const chunk of chunks) {
      if (chunk.length === 0) continue;
      this.#chunks.push(chunk);
      this.#queued += chunk.length;
    }
    if (this.#written === this.#queued) return Promise.resolve();
    const until = this.#queued;
    return new Promise((resolve, reject) => this.#waiters.push({ until, resolve, reject }));
  }

  /**
   * Hands the socket as much as it takes. `write` returns the octets accepted, or a negative number
   * when the socket can no longer write (the queue then fails). Returns true once the queue is empty.
   */
  flush(write: (bytes: Uint8Array) => number): boolean {
    while (this.#chunks.length > 0 && this.#failure === null) {
      const chunk = this.#chunks[0]!;
      const rest = this.#offset === 0 ? chunk : chunk.subarray(this.#offset);
      const accepted = write(rest);
      if (accepted < 0) {
        this.fail(new Error("sockframe: the socket closed before all octets were written"));
        break;
      }
      this.#written += accepted;
      if (accepted < rest.length) {
        this.#offset += accepted;
        break;
      }
      this.#chunks.shift();
      this.#offset = 0;
    }
    while (this.#waiters.length > 0 && this.#waiters[0]!.until <= this.#written) this.#waiters.shift()!.resolve();
    return this.#chunks.length === 0 && this.#failure === null;
  }

  /** Drops what is queued and rejects every pending write (and later ones) with `error`. */
  fail(error: Error): void {
    if (this.#failure !== null) return;
    this.#failure = error;
    this.#chunks = [];
    for (const waiter of this.#waiters) {
      if (waiter.until <= this.#written) waiter.resolve();
      else waiter.reject(error);
    }
    this.#waiters = [];
    this.#queued = this.#written;
  }
}
