/**
 * The `sockframe` program on any runtime: picks the adapter of the runtime it runs on (Deno, Bun,
 * else Node) and runs the command line with it.
 *
 *   npx sockframe ARGS                                  (Node, through bin/sockframe.js)
 *   npx bun packages/cli/src/main.ts ARGS               (Bun)
 *   npx deno run --conditions=source -A packages/cli/src/main.ts ARGS       (Deno)
 */
import { run } from "./cli.ts";
import { loadAdapter } from "./load-adapter.js";
import { flushOutput, stopWhenOutputCloses } from "./output.ts";

stopWhenOutputCloses();
const adapter = await loadAdapter();
const status = await run(process.argv.slice(2), adapter);
await flushOutput();
// Exit now rather than when the event loop empties: a closed server or client may leave timers
// (close deadlines) or a paused stdin behind, which must not delay the exit status.
process.exit(status);
