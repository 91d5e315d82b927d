import {
  type DatagramLimit,
  decodeDatagram,
  type DecoderOptions,
  encodeDatagram,
  type EncoderOptions,
  type Frame,
  type Header,
  type OutgoingHeader,
  type SockframeError,
} from "@sockframe/codec";
import { type Address, datagramDestination, type UdpAddress } from "./address.ts";
import { ConnectionClosedError, DEFAULT_MAX_QUEUED_BYTES, queuedFrameCost } from "./connection.ts";
import { FrameQueue } from "./frame-queue.ts";
import { checkDatagramOptions } from "./options.ts";

/** What a runtime adapter provides for a datagram socket: it only moves datagrams. */
export interface DatagramTransport {
  readonly address: Address;
  /** Sends one datagram; resolves once the OS took it. Datagrams sent one after another go out in that order. */
  send(datagram: Uint8Array, to: UdpAddress): Promise<void>;
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
  /** Datagrams dropped, for either reason below. */
  dropped: number;
  /** Of those, datagrams that were not one valid frame (SPEC 9). */
  invalid: number;
  /** Of those, valid frames dropped because maxQueuedFrames or maxQueuedBytes were waiting to be read. */
  overflowed: number;
  /** Why the last invalid datagram was dropped. */
  lastError: SockframeError | null;
}

export interface DatagramOptions extends DecoderOptions<Header>, Omit<EncoderOptions, keyof DecoderOptions<Header>>, DatagramLimit {
  /** Frames queued unread before further ones are dropped (and counted). Default 1024. */
  maxQueuedFrames?: number;
  /**
   * Memory of frames queued unread before further ones are dropped: body octets plus
   * HEADER_MEMORY_FACTOR times header octets, as a connection counts them. Default 16 MiB.
   */
  maxQueuedBytes?: number;
}

/**
 * One frame per datagram (SPEC 9): each datagram is decoded as a complete stream; one that is not
 * exactly one valid frame is dropped and counted, and nothing else is affected.
 */
export class DatagramEndpoint implements AsyncIterable<DatagramFrame> {
  readonly #transport: DatagramTransport;
  readonly #options: DatagramOptions;
  readonly #queue: FrameQueue<DatagramFrame>;
  #closed = false;
  /** Rejects when close() begins: a send still in flight then fails the same way on every runtime. */
  readonly #closing: Promise<never>;
  #rejectClosing!: (error: Error) => void;
  #queuedBytes = 0;
  readonly stats: DatagramStats = { received: 0, dropped: 0, invalid: 0, overflowed: 0, lastError: null };

  constructor(transport: DatagramTransport, options: DatagramOptions = {}) {
    this.#transport = transport;
    this.#options = options;
    checkDatagramOptions(options); // now, not at the first datagram
    this.#queue = new FrameQueue((_frame, cost) => void (this.#queuedBytes -= cost));
    this.#closing = new Promise<never>((_, reject) => (this.#rejectClosing = reject));
    this.#closing.catch(() => undefined);
    transport.start((datagram, from) => this.#receive(datagram, from));
  }

  get address(): Address {
    return this.#transport.address;
  }

  #receive(datagram: Uint8Array, from: Address): void {
    this.stats.received++;
    const { frame, error } = decodeDatagram(datagram, this.#options);
    if (error !== null) {
      this.stats.dropped++;
      this.stats.invalid++;
      this.stats.lastError = error;
      return;
    }
    const cost = queuedFrameCost(frame.body.length, datagram.length - frame.body.length);
    const queued = this.#queue.size;
    // One frame is always taken when none waits, however costly: the limits bound what piles up.
    if (queued >= (this.#options.maxQueuedFrames ?? 1024) || (queued > 0 && this.#queuedBytes + cost > (this.#options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES))) {
      this.stats.dropped++;
      this.stats.overflowed++;
      return;
    }
    this.#queuedBytes += cost;
    this.#queue.push({ ...frame, from }, cost);
  }

  /**
   * Sends one frame as one datagram to `to` (a udp address, or `host:port`); to an IP address,
   * after the datagrams sent before it (a host name is resolved first, which may let later ones
   * pass). Rejects a frame over maxDatagramBytes with `DATAGRAM_TOO_LARGE` (stage `encode`), a
   * header the encoder refuses with its SockframeError, any other address with a TypeError, port 0
   * or any port that is not an integer from 1 to 65535 with a RangeError, a send made after close()
   * begins with ConnectionClosedError `CLOSING` (whatever its arguments), and one still in flight
   * then with `CLOSED`.
   */
  send(header: OutgoingHeader, body: Uint8Array | undefined, to: Address | string): Promise<void> {
    try {
      // First: a closed endpoint is the answer to any send, as on a connection.
      if (this.#closed) throw new ConnectionClosedError("CLOSING", "sockframe: datagram endpoint is closed");
      const where = datagramDestination(to);
      const datagram = encodeDatagram(header, body, this.#options);
      return Promise.race([this.#transport.send(datagram, where), this.#closing]);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<DatagramFrame> {
    return this.#queue[Symbol.asyncIterator]();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#rejectClosing(new ConnectionClosedError("CLOSED", "sockframe: datagram endpoint closed before the datagram was sent"));
    await this.#transport.close();
    this.#queue.finish();
  }
}
