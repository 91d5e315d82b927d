/**
 * The least any framing with contiguous message bodies must do: read a 4-octet big-endian length,
 * then copy the message into a fresh buffer of its own. No header, no checks, no queue. The bench's
 * hand-written floor for the 1 MiB echo (what raw sockets plus the simplest length prefix cost).
 */
export class Assembler {
  readonly #onMessage: (message: Uint8Array) => void;
  readonly #prefix = new Uint8Array(4);
  #prefixFilled = 0;
  #body: Uint8Array | null = null;
  #bodyFilled = 0;

  constructor(onMessage: (message: Uint8Array) => void) {
    this.#onMessage = onMessage;
  }

  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      let body = this.#body;
      if (body === null) {
        const n = Math.min(4 - this.#prefixFilled, chunk.length - at);
        this.#prefix.set(chunk.subarray(at, at + n), this.#prefixFilled);
        this.#prefixFilled += n;
        at += n;
        if (this.#prefixFilled < 4) return;
        this.#prefixFilled = 0;
        body = this.#body = new Uint8Array(new DataView(this.#prefix.buffer).getUint32(0));
        this.#bodyFilled = 0;
      }
      const n = Math.min(body.length - this.#bodyFilled, chunk.length - at);
      body.set(chunk.subarray(at, at + n), this.#bodyFilled);
      this.#bodyFilled += n;
      at += n;
      if (this.#bodyFilled === body.length) {
        this.#body = null;
        this.#onMessage(body);
      }
    }
  }
}

/** `message` behind its 4-octet big-endian length, as one buffer. */
export function lengthPrefixed(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + message.length);
  new DataView(out.buffer).setUint32(0, message.length);
  out.set(message, 4);
  return out;
}

/** The 4-octet big-endian length of a message of `size` octets. */
export function prefixOf(size: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, size);
  return out;
}
