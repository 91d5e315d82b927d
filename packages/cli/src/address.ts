import { isIP } from "node:net";
import { type Address, formatAddress, isLocalAddress, parseAddress, type UdpAddress } from "@sockframe/connection";
import { UsageError } from "./errors.ts";

export { formatAddress, isLocalAddress };

/** Parses a command-line address, as one line of usage error when it is not one. */
export function cliAddress(text: string, option: string): Address {
  try {
    return parseAddress(text);
  } catch (error) {
    throw new UsageError(`--${option}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Stream commands (TCP, Unix): a udp:// address is a usage error naming the command. */
export function streamAddress(text: string, option: string, command: string): Exclude<Address, { transport: "udp" }> {
  const address = cliAddress(text, option);
  if (address.transport === "udp") throw new UsageError(`${command} needs a stream address (host:port, tcp://host:port or unix:/path), not ${text}`);
  return address;
}

/** An IP address in one text form per address (IPv6 compressed, lower case); null for a host name. */
function canonicalIp(host: string): string | null {
  const version = isIP(host);
  if (version === 4) return host;
  if (version === 0) return null;
  try {
    return new URL(`http://[${host}]/`).hostname.slice(1, -1);
  } catch {
    // A zone index (fe80::1%eth0) is no part of a URL: compared as typed.
    return host.toLowerCase();
  }
}

/**
 * The address, as seen from this machine, that a request to `host` reaches: the OS sends to the
 * unspecified address (0.0.0.0, ::) over loopback, and the answer comes from loopback.
 */
function reachedIp(host: string): string | null {
  const ip = canonicalIp(host);
  if (ip === "0.0.0.0") return "127.0.0.1";
  if (ip === "::") return "::1";
  return ip;
}

/**
 * The local address a UDP client binds to send to `to`. Loopback, when `to` is on this machine: the
 * socket is then out of reach of the network. Otherwise the wildcard of `to`'s family, so that the
 * OS picks the interface (a socket bound to loopback cannot send beyond the machine). A host name
 * is not resolved for this: IPv4, the family the adapters resolve a name in for an IPv4 socket.
 */
export function datagramClientBinding(to: UdpAddress): string {
  const ip = reachedIp(to.host);
  const ipv6 = ip !== null && ip.includes(":");
  const loopback = isLocalAddress({ ...to, host: ip ?? to.host });
  if (ipv6) return loopback ? "udp://[::1]:0" : "udp://[::]:0";
  return loopback ? "udp://127.0.0.1:0" : "udp://0.0.0.0:0";
}

/**
 * Whether a datagram from `from` may be the answer to a request sent to `to`: from the server's
 * port. Not necessarily from the address the request went to: a server bound to every address
 * (0.0.0.0) answers from the one the kernel picks, which may be another (a second address of the
 * machine, a loopback alias), and a host name's addresses are not looked up here. A datagram from
 * another port (a third party's socket) is not taken; with the reply's id, that is the check.
 */
export function isReplySource(to: UdpAddress, from: Address): boolean {
  return from.transport === "udp" && from.port === to.port;
}
