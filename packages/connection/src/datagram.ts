import {
  decodeAll,
  type DecoderOptions,
  encodeFrame,
  type EncoderOptions,
  type Frame,
  type Header,
  type OutgoingHeader,
  type SockframeError,
} from "@sockframe/codec";
import type { Address } from "./address.ts";
import { FrameQueue } from "./frame-queue.ts";

/** The largest UDP payload over IPv4 (65535 - 8 - 20); the default frame size limit for datagrams. */
export const MAX_DATAGRAM_BYTES = 65507;

/** What a runtime adapter provides for a datagram socket: it only moves datagrams. */
export interface DatagramTransport {
  readonly address: Address;
  /** Sends one datagram; resolves once the OS took it. */
  send(datagram: Uint8Array, to: Address): Promise<void>;
  /** Starts delivering datagrams; called once. */
  start(receive: (datagram: Uint8Array, from: Address) => void): void;
  close(): Promise<void>;
}

/** A frame received in a datagram, and who sent it. */
export interface DatagramFrame extends Frame<Header> {
  from: Address;
}

/** Counters of a datagram endpoint. */
export interface DatagramStats {
  received: number;
  dropped: number;
  /** Why the last datagram was dropped. */
  lastError: SockframeError | null;
}

export interface DatagramOptions extends DecoderOptions<Header>, Omit<EncoderOptions, keyof DecoderOptions<Header>> {
  /** Largest frame sent or accepted. Default 65507 (UDP over IPv4). */
  maxDatagramBytes?: number;
  /** Frames queued unread before further ones are dropped (and counted). Default 1024. */
  maxQueuedFrames?: number;
}

/**
 * One frame per datagram (SPEC 9): each datagram is decoded as a complete stream; one that is not
 * exactly one valid frame is dropped and counted, and nothing else is affected.
 */
export class DatagramEndpoint implements AsyncIterable<DatagramFrame> {
  readonly #transport: DatagramTransport;
  readonly #options: DatagramOptions;
  readonly #queue: FrameQueue<DatagramFrame>;
  readonly #maxBytes: number;
  readonly stats: DatagramStats = { received: 0, dropped: 0, lastError: null };

  constructor(transport: DatagramTransport, options: DatagramOptions = {}) {
    this.#transport = transport;
    this.#options = options;
    this.#maxBytes = options.maxDatagramBytes ?? MAX_DATAGRAM_BYTES;
    this.#queue = new FrameQueue();
    transport.start((datagram, from) => this.#receive(datagram, from));
  }

  get address(): Address {
    return this.#transport.address;
  }

  #receive(datagram: Uint8Array, from: Address): void {
    this.stats.received++;
    const { frames, error } = datagram.length > this.#maxBytes ? { frames: [], error: null } : decodeAll(datagram, this.#options);
    if (error !== null || frames.length !== 1 || this.#queue.size >= (this.#options.maxQueuedFrames ?? 1024)) {
      this.stats.dropped++;
      this.stats.lastError = error;
      return;
    }
    this.#queue.push({ ...frames[0]!, from });
  }

  /** Sends one frame as one datagram. A frame over maxDatagramBytes is refused with a RangeError. */
  send(header: OutgoingHeader, body: Uint8Array | undefined, to: Address): Promise<void> {
    const datagram = encodeFrame(header, body, this.#options);
    if (datagram.length > this.#maxBytes) {
      return Promise.reject(new RangeError(`frame is ${datagram.length} octets, over the datagram limit of ${this.#maxBytes}`));
    }
    return this.#transport.send(datagram, to);
  }

  [Symbol.asyncIterator](): AsyncIterator<DatagramFrame> {
    return this.#queue[Symbol.asyncIterator]();
  }

  async close(): Promise<void> {
    await this.#transport.close();
    this.#queue.finish();
  }
}
