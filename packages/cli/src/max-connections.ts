import { parseCount } from "./args.ts";

/**
 * Connections a CLI server (framed profiles) serves at once; more are closed as soon as they are
 * accepted, and counted. Well under the common limit of 1024 open files, so that a flood is
 * refused before the process runs out of descriptors (where Deno and Bun leave the connections
 * past it hanging). The library's own default, for servers that raise their file limit, is 10000.
 */
export const DEFAULT_MAX_CONNECTIONS = "512";

export const MAX_CONNECTIONS_OPTION = { "max-connections": { type: "string", default: DEFAULT_MAX_CONNECTIONS } } as const;

export function parseMaxConnections(text: string | undefined): number {
  return parseCount(text ?? DEFAULT_MAX_CONNECTIONS, "max-connections", 1);
}
