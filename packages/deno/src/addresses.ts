import { type Address, formatAddress } from "@sockframe/connection";

/** A Deno socket address as a sockframe Address (an unnamed Unix client socket has the path ""). */
export function fromDenoAddr(addr: Deno.Addr): Address {
  if (addr.transport === "tcp" || addr.transport === "udp") {
    return { transport: addr.transport, host: addr.hostname, port: addr.port };
  }
  if (addr.transport === "unix" || addr.transport === "unixpacket") {
    return { transport: "unix", path: addr.path ?? "" };
  }
  throw new TypeError(`unsupported socket address: ${JSON.stringify(addr)}`);
}

/** The text form of a Deno socket address, for logs. */
export function describeAddr(addr: Deno.Addr): string {
  try {
    return formatAddress(fromDenoAddr(addr));
  } catch {
    return String(addr.transport);
  }
}
