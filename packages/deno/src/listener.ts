import type { Address, Listener } from "@sockframe/connection";
import { closeQuietly } from "./close-quietly.ts";

/** Pause after a failed accept (EMFILE and the like), so a persistent failure does not spin. */
const ACCEPT_RETRY_MS = 50;

/**
 * Errors of one connection that was reset before it was accepted (Deno: NotConnected, os error
 * 107): the next accept can go on at once. Pausing for each let a storm of resets stall accepting
 * (250 of them held new clients off for about 10 s).
 */
function lostBeforeAccept(error: unknown): boolean {
  return error instanceof Deno.errors.NotConnected || error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.ConnectionAborted;
}

/** A Deno.Listener (TCP or Unix) as the Listener of a sockframe Server. */
export class DenoListener implements Listener {
  readonly address: Address;
  readonly #listener: Deno.Listener;
  #closed = false;
  #loop: Promise<void> = Promise.resolve();

  constructor(listener: Deno.Listener, address: Address) {
    this.#listener = listener;
    this.address = address;
  }

  /** Starts accepting; `onConnection` owns every connection it is given. */
  start(onConnection: (conn: Deno.Conn) => void): void {
    this.#loop = this.#acceptLoop(onConnection);
  }

  async #acceptLoop(onConnection: (conn: Deno.Conn) => void): Promise<void> {
    while (!this.#closed) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#closed) return;
        if (!lostBeforeAccept(error)) await new Promise((resolve) => setTimeout(resolve, ACCEPT_RETRY_MS));
        continue;
      }
      if (this.#closed) {
        closeQuietly(conn);
        return;
      }
      try {
        onConnection(conn);
      } catch {
        // The socket failed before it was set up (reset at once, say): it alone is lost.
        closeQuietly(conn);
      }
    }
  }

  /** Stops accepting. Deno removes a Unix listener's socket file itself when it closes. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      closeQuietly(this.#listener);
    }
    await this.#loop;
  }
}
