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
 * a line a second, the rest counted in it, so that a flood of connections is no flood of lines.
 */
export function connectionLimit(command: string, text: string | undefined): { maxConnections: number; onConnectionRefused: (remoteAddress: string) => void } {
  const maxConnections = parseCount(text ?? DEFAULT_MAX_CONNECTIONS, "max-connections", 1);
  let lastLine = -Infinity;
  let unlogged = 0;
  let pending: ReturnType<typeof setTimeout> | null = null;
  const log = (line: string): void => {
    printError(`sockframe ${command}: ${line}`);
    lastLine = performance.now();
  };
  const onConnectionRefused = (remoteAddress: string): void => {
    if (performance.now() - lastLine >= 1000) {
      log(`${remoteAddress}: refused: already serving ${maxConnections} connections (--max-connections)`);
      return;
    }
    unlogged++;
    // The count of a burst is told once its second is over, even if no refusal follows it.
    pending ??= setTimeout(() => {
      pending = null;
      log(`refused ${unlogged} more connection(s): already serving ${maxConnections} (--max-connections)`);
      unlogged = 0;
    }, Math.max(lastLine + 1000 - performance.now(), 0));
  };
  return { maxConnections, onConnectionRefused };
}
