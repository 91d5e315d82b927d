import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { udp } from "bun";
import {
  type Address,
  checkDatagramOptions,
  datagramAddress,
  DatagramEndpoint,
  type DatagramOptions,
  type DatagramTransport,
  type UdpAddress,
} from "@sockframe/connection";
import { withNativeHashes } from "@sockframe/connection/native-hashes";

type Blocked = { datagram: Uint8Array; port: number; host: string; resolve: () => void; reject: (error: Error) => void };

const EMPTY = new Uint8Array(0);

/**
 * Errors an earlier datagram left on the socket (an ICMP "port unreachable", say) that Bun reports
 * from the next send() or recv() instead. They concern that earlier datagram, which UDP may lose
 * anyway; Node and Deno ignore them.
 */
const EARLIER_DATAGRAM_ERRORS = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN", "EMSGSIZE"]);

/** A send() that fails this many times in a row with such errors reports the last one. */
const MAX_EARLIER_ERRORS = 16;

function aboutAnEarlierDatagram(error: unknown): boolean {
  return EARLIER_DATAGRAM_ERRORS.has((error as { code?: unknown } | null)?.code as string);
}

/** Bun's send() takes IP addresses only: a name is resolved in the family of the bound socket. */
async function resolveHost(host: string, family: 4 | 6): Promise<string> {
  return isIP(host) !== 0 ? host : (await lookup(host, { family })).address;
}

/** A Bun UDP socket as a DatagramTransport: one datagram in, one datagram out. */
class BunDatagramTransport implements DatagramTransport {
  readonly address: Address;
  readonly #socket: udp.Socket<"uint8array">;
  readonly #family: 4 | 6;
  #receive: ((datagram: Uint8Array, from: Address) => void) | null = null;
  #early: Array<[Uint8Array, Address]> = [];
  /** Datagrams the OS had no room for: Bun drops them and calls drain when it has room again. */
  #blocked: Blocked[] = [];
  #closed = false;

  private constructor(socket: udp.Socket<"uint8array">) {
    this.#socket = socket;
    this.address = { transport: "udp", host: socket.address.address, port: socket.port };
    this.#family = socket.address.family === "IPv6" ? 6 : 4;
  }

  static async bind(host: string, port: number): Promise<BunDatagramTransport> {
    let transport: BunDatagramTransport | null = null;
    const early: Array<[Uint8Array, Address]> = [];
    const socket = await Bun.udpSocket({
      hostname: host,
      port,
      binaryType: "uint8array",
      socket: {
        data(_socket, datagram, fromPort, fromHost, flags) {
          // A datagram cut to the receive buffer is not the frame that was sent: deliver it empty,
          // which the endpoint counts as dropped.
          const whole = flags.truncated ? EMPTY : datagram;
          const from: Address = { transport: "udp", host: fromHost, port: fromPort };
          if (transport === null) early.push([whole, from]);
          else transport.#deliver(whole, from);
        },
        drain() {
          if (transport !== null) transport.#sendBlocked();
        },
        // Typed (socket, error), but Bun 1.4 passes the error alone: take the last argument.
        error(...args: unknown[]) {
          // Without this handler Bun throws it as an uncaught exception.
          const error = args.at(-1);
          if (!aboutAnEarlierDatagram(error)) reportError(error);
        },
      },
    });
    transport = new BunDatagramTransport(socket);
    transport.#early = early;
    return transport;
  }

  #deliver(datagram: Uint8Array, from: Address): void {
    if (this.#receive === null) this.#early.push([datagram, from]);
    else this.#receive(datagram, from);
  }

  start(receive: (datagram: Uint8Array, from: Address) => void): void {
    this.#receive = receive;
    const early = this.#early;
    this.#early = [];
    for (const [datagram, from] of early) receive(datagram, from);
  }

  async send(datagram: Uint8Array, to: UdpAddress): Promise<void> {
    const host = await resolveHost(to.host, this.#family);
    if (this.#closed) throw new Error("sockframe: datagram socket is closed");
    return new Promise((resolve, reject) => {
      this.#blocked.push({ datagram, port: to.port, host, resolve, reject });
      if (this.#blocked.length === 1) this.#sendBlocked();
    });
  }

  #sendBlocked(): void {
    while (this.#blocked.length > 0 && !this.#closed) {
      const next = this.#blocked[0]!;
      const outcome = this.#sendOne(next);
      if (outcome === "full") return; // drain() resumes
      this.#blocked.shift();
      if (outcome === "sent") next.resolve();
      else next.reject(outcome);
    }
  }

  /** Hands one datagram to the OS: "sent", "full" (no room now), or the error that refused it. */
  #sendOne(next: Blocked): "sent" | "full" | Error {
    for (let attempt = 1; ; attempt++) {
      try {
        return this.#socket.send(next.datagram, next.port, next.host) ? "sent" : "full";
      } catch (error) {
        // Each such error is taken off the socket by the send it fails: the datagram goes again.
        if (aboutAnEarlierDatagram(error) && attempt < MAX_EARLIER_ERRORS) continue;
        return error instanceof Error ? error : new Error(String(error));
      }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.close();
    const error = new Error("sockframe: datagram socket closed before the datagram was sent");
    for (const blocked of this.#blocked.splice(0)) blocked.reject(error);
  }
}

/**
 * Binds a UDP socket (`udp://127.0.0.1:0`) and returns an endpoint that sends and receives one
 * frame per datagram, 65507 octets at most over IPv4.
 */
export async function bindDatagram(address: string | Address, options: DatagramOptions = {}): Promise<DatagramEndpoint> {
  const where = datagramAddress(address);
  checkDatagramOptions(options);
  const transport = await BunDatagramTransport.bind(where.host, where.port);
  return new DatagramEndpoint(transport, withNativeHashes(options));
}
