/**
 * @module
 * The sockframe command line as a library: `run(argv, adapter)` runs a command line with a
 * runtime adapter, and the helpers the commands are built from are exported for reuse and tests.
 */
export type { RuntimeAdapter, RuntimeName } from "./adapter.ts";
export { COMMANDS, run, VERSION } from "./cli.ts";
export { echoReply } from "./commands/echo.ts";
export { preview } from "./commands/inspect.ts";
export { Allowlist, findProgram } from "./exec/allowlist.ts";
export { exitStatusFor } from "./exec/protocol.ts";
export { type RunLimits, type RunOutcome, runCommand } from "./exec/run-command.ts";
export { firstWord, joinCommand, quoteWord, splitWords } from "./exec/shell-words.ts";
export { MAX_NAME_BYTES, unsafeNameReason } from "./transfer/safe-name.ts";
export { upperAscii } from "./bytes.ts";
