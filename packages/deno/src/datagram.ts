import { type Address, checkDatagramOptions, datagramAddress, DatagramEndpoint, type DatagramOptions, type DatagramTransport, type UdpAddress } from "@sockframe/connection";
import { fromDenoAddr } from "./addresses.ts";
import { closeQuietly } from "./close-quietly.ts";
import { withNativeHashes } from "@sockframe/connection/native-hashes";

/** Receive buffer: the largest UDP payload (65527 octets over IPv6) fits, so none is truncated. */
const RECEIVE_SIZE = 64 * 1024;

/** Pause after a failed receive, so that a persistent failure does not spin. */
const RECEIVE_RETRY_MS = 10;

function listenDatagram(options: Deno.UdpListenOptions & { transport: "udp" }): Deno.DatagramConn {
  // Deno.listenDatagram only exists when the process runs with --unstable-net.
  const open = (Deno as { listenDatagram?: typeof Deno.listenDatagram }).listenDatagram;
  if (typeof open !== "function") {
    throw new Error("sockframe: UDP needs Deno.listenDatagram, which Deno only provides with the --unstable-net flag (deno run --unstable-net ...)");
  }
  return open(options);
}

/** A Deno UDP socket as a DatagramTransport: it only moves datagrams. */
export class DenoDatagramTransport implements DatagramTransport {
  readonly address: Address;
  readonly #socket: Deno.DatagramConn;
  #closed = false;
  #loop: Promise<void> = Promise.resolve();
  /** The send before the next: Deno sends datagrams handed over together in reverse order. */
  #lastSend: Promise<unknown> = Promise.resolve();

  constructor(socket: Deno.DatagramConn) {
    this.#socket = socket;
    this.address = fromDenoAddr(socket.addr);
  }

  send(datagram: Uint8Array, to: UdpAddress): Promise<void> {
    const sent = this.#lastSend.then(() => this.#socket.send(datagram, { transport: "udp", hostname: to.host, port: to.port }));
    this.#lastSend = sent.catch(() => undefined);
    return sent.then(() => undefined);
  }

  start(receive: (datagram: Uint8Array, from: Address) => void): void {
    this.#loop = this.#receiveLoop(receive);
  }

  async #receiveLoop(receive: (datagram: Uint8Array, from: Address) => void): Promise<void> {
    const buffer = new Uint8Array(RECEIVE_SIZE);
    while (!this.#closed) {
      let datagram: Uint8Array;
      let from: Deno.Addr;
      try {
        [datagram, from] = await this.#socket.receive(buffer);
      } catch {
        if (this.#closed) return;
        // A failed receive does not end the socket. Windows reports an ICMP "port unreachable" for
        // an earlier send as an error of the next receive (WSAECONNRESET); it concerns that send only.
        await new Promise((resolve) => setTimeout(resolve, RECEIVE_RETRY_MS));
        continue;
      }
      // A copy of exactly the datagram: frames are views of it, and the buffer is reused.
      try {
        receive(datagram.slice(), fromDenoAddr(from));
      } catch (error) {
        // The endpoint drops bad datagrams itself: what escapes is a bug, not a reason to stop receiving.
        reportError(error);
      }
    }
  }

  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      closeQuietly(this.#socket);
    }
    await this.#loop;
  }
}

/**
 * Binds a UDP socket (`udp://host:port`; host default 127.0.0.1, port 0 for any free one) and
 * exchanges one frame per datagram. Needs `deno run --unstable-net`.
 */
export function bindDatagram(address: string | Address, options: DatagramOptions = {}): Promise<DatagramEndpoint> {
  // In an executor, a bad address or a missing flag rejects the promise, as in listen().
  return new Promise((resolve) => {
    const parsed = datagramAddress(address);
    checkDatagramOptions(options);
    const socket = listenDatagram({ transport: "udp", hostname: parsed.host, port: parsed.port });
    resolve(new DatagramEndpoint(new DenoDatagramTransport(socket), withNativeHashes(options)));
  });
}
