import { parseCount } from "./args.ts";
import { printError } from "./output.ts";

/**
 * Connections a CLI server (framed profiles) serves at once; more are refused as soon as they are
 * accepted. Well under the common limit of 1024 open files, so that a flood is
 * refused before the process runs out of descriptors (where Deno and Bun leave the connections
 * past it hanging). The library's own default, for servers that raise their file limit, is 10000.
 */
export const DEFAULT_MAX_CONNECTIONS = "512";

export const MAX_CONNECTIONS_OPTION = { "max-connections": { type: "string", default: DEFAULT_MAX_CONNECTIONS } } as const;

/**
 * The server options for --max-connections: the limit, and a log of the connections refused (each
 * told why by the library with a TOO_MANY_CONNECTIONS error frame): the first at once, then at most
 * a line a second, saying how many went unlogged, so that a flood of connections is no flood of lines.
 */
export function connectionLimit(command: string, text: string | undefined): { maxConnections: number; onConnectionRefused: (remoteAddress: string) => void } {
  const maxConnections = parseCount(text ?? DEFAULT_MAX_CONNECTIONS, "max-connections", 1);
  let lastLine = -Infinity;
  let unlogged = 0;
  const onConnectionRefused = (remoteAddress: string): void => {
    const now = performance.now();
    if (now - lastLine < 1000) {
      unlogged++;
      return;
    }
    const since = unlogged > 0 ? ` (and ${unlogged} more since the last such line)` : "";
    printError(`sockframe ${command}: ${remoteAddress}: refused: already serving ${maxConnections} connections (--max-connections)${since}`);
    lastLine = now;
    unlogged = 0;
  };
  return { maxConnections, onConnectionRefused };
}
