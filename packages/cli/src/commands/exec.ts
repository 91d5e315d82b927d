import { type Address, RemoteError } from "@sockframe/connection";
import type { Header, OutgoingHeader } from "@sockframe/codec";
import type { RuntimeAdapter } from "../adapter.ts";
import { streamAddress } from "../address.ts";
import { parseSize, requireOption, stringOption } from "../args.ts";
import { readTokenFile } from "../auth.ts";
import type { Command } from "../command.ts";
import { CONNECT_TIMEOUT_HELP, CONNECT_TIMEOUT_OPTION, connectTimeoutMs, connectWithin } from "../connect.ts";
import { CliError, describeError, UsageError } from "../errors.ts";
import { exitStatusFor } from "../exec/protocol.ts";
import { joinCommand } from "../exec/shell-words.ts";
import { printError, writeAll } from "../output.ts";
import { PROFILE_OPTION, parseProfile, wireProfile } from "../profile.ts";
import { readLenientFrame } from "../raw/lenient-frame.ts";
import { connectRaw, SocketReader } from "../raw/net.ts";

const HELP = `Usage: sockframe exec --connect ADDR [options] -- PROGRAM [ARGS...]

Runs PROGRAM with ARGS on an exec-server and prints its standard output and standard error to
this process's own, then exits with the remote exit status. Put "--" before the program so that
its options are not read as sockframe's.

Options:
  --connect ADDR      host:port, tcp://host:port or unix:/path
  --token-file FILE   send this file's content (one line) as the token
  --shell             send one command line for the server's /bin/sh (only if the server runs
                      with --shell): sockframe exec --connect ADDR --shell -- 'ls | wc -l'
  --stdin             send this process's standard input as the command's (read to the end first)
  --max-input SIZE    largest standard input --stdin sends (default 16MiB, the server's default
                      --max-input: it refuses more with BODY_TOO_LARGE)
  --max-reply SIZE    largest reply accepted (default 64MiB)
${CONNECT_TIMEOUT_HELP}
  --profile P         be (default), le, or seed: talk to the tutorial's own 5.5 server (sends the
                      command as bare text, quoted for its shell; reads its le-framed reply)
  -h, --help          this help

Exit status: the remote command's; 124 if it timed out; 126 if it was refused (not allowed,
no shell, wrong token); 127 if the program is missing on the server; 125 for any other failure
(usage errors, connection, busy server, output limit, bad reply).
`;

async function readStdin(limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > limit) throw new CliError(`--stdin: input over ${limit} bytes (--max-input)`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Prints a reply's stdout and stderr parts and returns its exit status. */
async function printResult(header: Header, body: Uint8Array): Promise<number> {
  const { exit_code: exitCode, stdout_size: stdoutSize, stderr_size: stderrSize } = header;
  if (
    typeof exitCode !== "number" || typeof stdoutSize !== "number" || typeof stderrSize !== "number" ||
    !Number.isInteger(stdoutSize) || stdoutSize < 0 || stdoutSize + stderrSize !== body.length
  ) {
    throw new CliError("malformed reply: exit_code, stdout_size and stderr_size missing or not matching the body");
  }
  await writeAll(process.stdout, body.subarray(0, stdoutSize));
  await writeAll(process.stderr, body.subarray(stdoutSize));
  return Number.isInteger(exitCode) && exitCode >= 0 && exitCode <= 255 ? exitCode : 125;
}

async function framedExec(
  adapter: RuntimeAdapter,
  address: Address,
  header: OutgoingHeader,
  stdin: Uint8Array,
  options: { profile: "be" | "le"; maxReply: number; connectTimeoutMs: number },
): Promise<number> {
  const connection = await connectWithin(adapter, address, { profile: options.profile, maxBodyBytes: options.maxReply }, options.connectTimeoutMs);
  try {
    const reply = await connection.request(header, stdin);
    return await printResult(reply.header, reply.body);
  } catch (error) {
    if (error instanceof RemoteError) {
      printError(`sockframe exec: ${error.code}: ${String(error.header.error?.message ?? "")}`);
      return exitStatusFor(error.code);
    }
    throw error;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/**
 * The seed profile: the tutorial's server reads one recv(1024) of command text and runs it with a
 * shell; its reply is an le frame whose header the codec would refuse (its md5 is "1111111111",
 * not a digest, SPEC 3.4.3), so it is read leniently here; stdout and stderr come glued together.
 */
async function seedExec(address: Address, argv: readonly string[], shell: boolean, maxReply: number, connectMs: number): Promise<number> {
  if (address.transport === "udp") throw new UsageError("exec needs a stream address");
  const command = shell ? argv.join(" ") : joinCommand(argv);
  if (Buffer.byteLength(command) > 1024) throw new UsageError("--profile seed: the command is over 1024 bytes, more than the seed's server reads at once");
  const socket = await connectRaw(address, connectMs);
  try {
    socket.write(command);
    const frame = await readLenientFrame(new SocketReader(socket), maxReply);
    for (const note of frame.notes) printError(`sockframe exec: note: ${note}`);
    if (frame.header.error !== undefined && typeof frame.header.error === "object" && frame.header.error !== null) {
      const { code, message } = frame.header.error as { code?: unknown; message?: unknown };
      printError(`sockframe exec: ${String(code)}: ${String(message)}`);
      return exitStatusFor(String(code));
    }
    // Our own exec-server in seed profile says how to split the body; the seed's server does not.
    if (typeof frame.header.stdout_size === "number") return await printResult(frame.header as Header, frame.body);
    await writeAll(process.stdout, frame.body);
    return 0;
  } finally {
    socket.end();
    socket.destroySoon();
  }
}

export const execCommand: Command = {
  name: "exec",
  summary: "run a program on an exec-server and print its output",
  help: HELP,
  usageErrorStatus: 125,
  options: {
    connect: { type: "string" },
    "token-file": { type: "string" },
    shell: { type: "boolean", default: false },
    stdin: { type: "boolean", default: false },
    "max-reply": { type: "string", default: "64MiB" },
    "max-input": { type: "string", default: "16MiB" },
    ...CONNECT_TIMEOUT_OPTION,
    ...PROFILE_OPTION,
  },
  positionals: true,
  async run({ values, positionals }, adapter) {
    try {
      const profile = parseProfile(stringOption(values, "profile"));
      const address = streamAddress(requireOption(values, "connect", "exec"), "connect", "exec");
      if (positionals.length === 0) throw new UsageError("no program given: sockframe exec --connect ADDR -- PROGRAM [ARGS...]");
      const shell = values.shell === true;
      const maxReply = parseSize(stringOption(values, "max-reply")!, "max-reply");
      if (profile === "seed") {
        if (values.stdin === true) throw new UsageError("--stdin: the seed's server reads no input for commands");
        return await seedExec(address, positionals, shell, maxReply, connectTimeoutMs(values));
      }
      const header: OutgoingHeader = shell ? { shell: positionals.join(" ") } : { argv: positionals };
      const tokenFile = stringOption(values, "token-file");
      if (tokenFile !== undefined) header.token = await readTokenFile(tokenFile);
      const stdin = values.stdin === true ? await readStdin(parseSize(stringOption(values, "max-input")!, "max-input")) : new Uint8Array(0);
      return await framedExec(adapter, address, header, stdin, { profile: wireProfile(profile), maxReply, connectTimeoutMs: connectTimeoutMs(values) });
    } catch (error) {
      // exec's own failures must not look like the remote command's exit status: 125, as env(1) and timeout(1) do.
      if (error instanceof CliError) throw new CliError(error.message, 125);
      throw new CliError(describeError(error), 125);
    }
  },
};

