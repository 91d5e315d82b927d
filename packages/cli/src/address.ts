import { type Address, formatAddress, isLocalAddress, parseAddress } from "@sockframe/connection";
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
