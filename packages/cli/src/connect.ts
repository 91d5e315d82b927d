import { type Address, type Connection, type ConnectOptions, formatAddress } from "@sockframe/connection";
import type { RuntimeAdapter } from "./adapter.ts";
import { parseDuration, stringOption, type Values } from "./args.ts";
import { CliError } from "./errors.ts";

/** `--connect-timeout DUR`, for the commands that connect and have no timeout of their own. */
export const CONNECT_TIMEOUT_OPTION = { "connect-timeout": { type: "string", default: "30s" } } as const;

/** The help line of CONNECT_TIMEOUT_OPTION. */
export const CONNECT_TIMEOUT_HELP = "  --connect-timeout DUR\n                      give up connecting after DUR (default 30s; e.g. 500ms, 2m)";

/** The --connect-timeout given, in ms. */
export function connectTimeoutMs(values: Values): number {
  return parseDuration(stringOption(values, "connect-timeout") ?? "30s", "connect-timeout");
}

/** What AbortSignal.timeout() aborts with. */
export function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === "TimeoutError";
}

/**
 * adapter.connect(), given up after `ms`: a peer that never answers gets one clear line rather than
 * the OS's connect timeout (about two minutes on Linux).
 */
export function connectWithin(adapter: RuntimeAdapter, address: Address, options: ConnectOptions, ms: number): Promise<Connection> {
  return adapter.connect(address, { ...options, signal: AbortSignal.timeout(ms) }).catch((error: unknown) => {
    throw isTimeout(error) ? connectTimedOut(address, ms) : error;
  });
}

/** The one line for a connect given up after `ms`. */
export function connectTimedOut(address: Address, ms: number): CliError {
  return new CliError(`cannot connect to ${formatAddress(address)} within ${ms / 1000} s`);
}
