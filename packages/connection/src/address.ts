/** Where a server listens or a client connects. */
export type Address =
  | { transport: "tcp"; host: string; port: number }
  | { transport: "unix"; path: string }
  | { transport: "udp"; host: string; port: number };

/** The address of a UDP socket, the only datagram transport the adapters have. */
export type UdpAddress = Extract<Address, { transport: "udp" }>;

/** Linux's sun_path holds 108 octets including the terminating NUL. */
export const UNIX_PATH_MAX = 107;

/** The loopback host servers bind when none is given: never all interfaces by accident. */
export const DEFAULT_HOST = "127.0.0.1";

function parsePort(text: string, input: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new TypeError(`invalid port in address ${JSON.stringify(input)}`);
  return Number(text);
}

function hostPort(rest: string, input: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(rest);
  if (bracketed) return { host: bracketed[1]!, port: parsePort(bracketed[2]!, input) };
  const colon = rest.lastIndexOf(":");
  if (colon < 0) return { host: DEFAULT_HOST, port: parsePort(rest, input) };
  const host = rest.slice(0, colon);
  if (host.includes(":")) throw new TypeError(`IPv6 hosts need brackets: [${host}]:port in ${JSON.stringify(input)}`);
  return { host: host === "" ? DEFAULT_HOST : host, port: parsePort(rest.slice(colon + 1), input) };
}

/** Checks a Unix socket path against the OS limit, counted in octets. */
export function checkUnixPath(path: string): string {
  const octets = new TextEncoder().encode(path).length;
  if (path.length === 0) throw new TypeError("empty Unix socket path");
  if (octets > UNIX_PATH_MAX) {
    throw new RangeError(`Unix socket path is ${octets} octets, over the limit of ${UNIX_PATH_MAX}: ${path}`);
  }
  return path;
}

/**
 * An address object, checked as the text forms are: each runtime's socket API would refuse a bad
 * one with an error of its own. A malformed one is a TypeError, a port out of range a RangeError.
 */
function checkedAddress(input: Address): Address {
  const { transport } = input as { transport: unknown };
  if (transport === "unix") return { transport: "unix", path: checkUnixPath(String((input as { path: unknown }).path)) };
  if (transport !== "tcp" && transport !== "udp") throw new TypeError(`sockframe: unknown transport ${JSON.stringify(transport)} in an address`);
  const { host, port } = input as { host: unknown; port: unknown };
  if (typeof host !== "string" || host === "") throw new TypeError(`sockframe: an address's host must be a non-empty string, got ${JSON.stringify(host)}`);
  if (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535) throw new RangeError(`sockframe: a port must be an integer from 0 to 65535, got ${String(port)}`);
  return { transport, host, port: port as number };
}

/**
 * Parses `host:port`, `:port`, `port`, `tcp://host:port`, `[::1]:port`, `unix:/path`,
 * `unix:///path`, `udp://host:port`, or an address object (returned checked).
 */
export function parseAddress(input: string | Address): Address {
  if (typeof input !== "string") return checkedAddress(input);
  if (input.startsWith("unix:")) {
    const path = input.slice(5).replace(/^\/\/(?=\/)/, "");
    return { transport: "unix", path: checkUnixPath(path) };
  }
  if (input.startsWith("udp://")) return { transport: "udp", ...hostPort(input.slice(6), input) };
  if (input.startsWith("tcp://")) return { transport: "tcp", ...hostPort(input.slice(6), input) };
  if (input.startsWith("/") || input.startsWith("./")) return { transport: "unix", path: checkUnixPath(input) };
  if (/^[a-z]+:\/\//.test(input)) throw new TypeError(`unsupported address scheme: ${JSON.stringify(input)}`);
  return { transport: "tcp", ...hostPort(input, input) };
}

/**
 * A UDP address for bindDatagram(): `udp://host:port`, or a bare `host:port` / `port` (read as
 * UDP here). Anything else, a tcp:// or Unix address included, is a TypeError, the same on every
 * runtime (the transports support UDP only; SPEC 9 allows Unix datagram sockets too).
 */
export function datagramAddress(input: string | Address): UdpAddress {
  const parsed = parseAddress(input);
  const bare = typeof input === "string" && !input.includes("://");
  if (parsed.transport === "udp" || (parsed.transport === "tcp" && bare)) {
    return { transport: "udp", host: parsed.host, port: parsed.port };
  }
  throw new TypeError(`sockframe: datagrams need a udp address (udp://host:port), got ${JSON.stringify(input)}`);
}

/**
 * datagramAddress() for where a datagram goes: port 0, which binding takes as "any free port",
 * names no destination, and each runtime refused it (and ports out of range in an address object)
 * with an error of its own. A port that is not an integer from 1 to 65535 is a RangeError here,
 * the same everywhere, before anything is sent.
 */
export function datagramDestination(input: string | Address): UdpAddress {
  const address = datagramAddress(input);
  const { port } = address;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`sockframe: a datagram's destination port must be an integer from 1 to 65535, got ${String(port)} in ${typeof input === "string" ? JSON.stringify(input) : "the address"}`);
  }
  return address;
}

/** The canonical text form: `tcp://127.0.0.1:8080`, `tcp://[::1]:8080`, `unix:/tmp/s`, `udp://...`. */
export function formatAddress(address: Address): string {
  if (address.transport === "unix") return `unix:${address.path}`;
  const host = address.host.includes(":") ? `[${address.host}]` : address.host;
  return `${address.transport}://${host}:${address.port}`;
}

/** True for addresses only this machine can reach: loopback hosts and Unix sockets. */
export function isLocalAddress(address: Address): boolean {
  if (address.transport === "unix") return true;
  return address.host === "localhost" || address.host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(address.host);
}
