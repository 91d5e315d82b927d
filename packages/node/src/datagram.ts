import { createSocket, type Socket } from "node:dgram";
import { isIPv6 } from "node:net";
import {
  type Address,
  checkDatagramOptions,
  DatagramEndpoint,
  type DatagramOptions,
  type DatagramTransport,
  datagramAddress,
  type UdpAddress,
} from "@sockframe/connection";
import { withNativeHashes } from "@sockframe/connection/native-hashes";

/** A bound node:dgram socket as a DatagramTransport. */
export class UdpTransport implements DatagramTransport {
  readonly #socket: Socket;
  readonly address: Address;
  #closed: Promise<void> | null = null;

  constructor(socket: Socket, address: Address) {
    this.#socket = socket;
    this.address = address;
  }

  send(datagram: Uint8Array, to: UdpAddress): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#socket.send(datagram, to.port, to.host, (error) => (error ? reject(error) : resolve()));
    });
  }

  start(receive: (datagram: Uint8Array, from: Address) => void): void {
    // Each message is a fresh Buffer: the endpoint may keep views of it.
    this.#socket.on("message", (message, from) => receive(message, { transport: "udp", host: from.address, port: from.port }));
  }

  close(): Promise<void> {
    this.#closed ??= new Promise((resolve) => this.#socket.close(() => resolve()));
    return this.#closed;
  }
}

/**
 * Binds a UDP socket (default host 127.0.0.1; port 0 picks a free port, reported in
 * `endpoint.address`). One frame per datagram, at most 65507 octets over IPv4.
 */
export async function bindDatagram(address: string | Address, options: DatagramOptions = {}): Promise<DatagramEndpoint> {
  const asked = datagramAddress(address);
  checkDatagramOptions(options);
  const socket = createSocket({ type: isIPv6(asked.host) ? "udp6" : "udp4" });
  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => {
      try {
        socket.close();
      } catch {
        // Already closed by the failed bind.
      }
      reject(error);
    };
    socket.once("error", failed);
    socket.bind({ address: asked.host, port: asked.port, exclusive: true }, () => {
      socket.off("error", failed);
      resolve();
    });
  });
  // Send failures are reported to send()'s caller; a stray socket error must not crash the process.
  socket.on("error", () => undefined);
  const info = socket.address();
  const transport = new UdpTransport(socket, { transport: "udp", host: info.address, port: info.port });
  return new DatagramEndpoint(transport, withNativeHashes(options));
}
