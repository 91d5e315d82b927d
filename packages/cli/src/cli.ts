import type { RuntimeAdapter } from "./adapter.ts";
import { parse } from "./args.ts";
import type { Command } from "./command.ts";
import { clientCommand } from "./commands/client.ts";
import { echoCommand } from "./commands/echo.ts";
import { execServerCommand } from "./commands/exec-server.ts";
import { execCommand } from "./commands/exec.ts";
import { inspectCommand } from "./commands/inspect.ts";
import { putCommand } from "./commands/put.ts";
import { recvCommand } from "./commands/recv.ts";
import { CliError, describeError, UsageError } from "./errors.ts";
import { printError } from "./output.ts";

export const VERSION = "0.1.0";

export const COMMANDS: readonly Command[] = [echoCommand, clientCommand, execServerCommand, execCommand, recvCommand, putCommand, inspectCommand];

function mainHelp(runtime: string): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return `Usage: sockframe COMMAND [options]

sockframe ${VERSION} (${runtime}): the tutorial's socket programs, framed (4-byte length prefix,
JSON header with total_size, body).

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join("\n")}

Every command takes --help, and --profile be|le|seed (default be). sockframe --version prints
the version and the runtime.
Addresses: host:port, tcp://host:port, [::1]:port, unix:/path, udp://host:port (echo, client).
Servers bind 127.0.0.1 unless told otherwise and print "listening on ADDRESS" first.
`;
}

function debugEnabled(): boolean {
  try {
    return process.env.SOCKFRAME_DEBUG === "1";
  } catch {
    return false; // Deno without --allow-env
  }
}

/** Runs one command line (without the program name); resolves with the exit status. */
export async function run(argv: readonly string[], adapter: RuntimeAdapter): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    // No command is a usage error, as for git or npm: the help, on stderr, and status 2.
    process.stderr.write(mainHelp(adapter.runtime));
    return 2;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    const topic = name === "help" && rest[0] !== undefined ? COMMANDS.find((command) => command.name === rest[0]) : undefined;
    if (name === "help" && rest[0] !== undefined && topic === undefined) {
      printError(`sockframe help: unknown command ${JSON.stringify(rest[0])}; commands: ${COMMANDS.map((c) => c.name).join(", ")}`);
      return 2;
    }
    process.stdout.write(topic?.help ?? mainHelp(adapter.runtime));
    return 0;
  }
  if (name === "--version" || name === "-V") {
    process.stdout.write(`sockframe ${VERSION} (${adapter.runtime})\n`);
    return 0;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (command === undefined) {
    printError(`sockframe: unknown command ${JSON.stringify(name)}; commands: ${COMMANDS.map((c) => c.name).join(", ")} (see: sockframe --help)`);
    return 2;
  }
  try {
    const parsed = parse(command.name, rest, command.options, command.positionals);
    if (parsed.values.help === true) {
      process.stdout.write(command.help);
      return 0;
    }
    return await command.run(parsed, adapter);
  } catch (error) {
    printError(`sockframe ${command.name}: ${describeError(error)}`);
    // Under Node the program runs from an in-memory bundle (bin/sockframe.js): name it, not its data: URL.
    if (debugEnabled() && error instanceof Error) printError((error.stack ?? "").replace(/data:text\/javascript;base64,[A-Za-z0-9+/=]+/g, "sockframe-bundle.js"));
    if (error instanceof UsageError && command.usageErrorStatus !== undefined) return command.usageErrorStatus;
    return error instanceof CliError ? error.exitCode : 1;
  }
}
