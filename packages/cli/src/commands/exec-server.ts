import type { Socket } from "node:net";
import type { Connection } from "@sockframe/connection";
import { encodeFrame, type OutgoingHeader } from "@sockframe/codec";
import { streamAddress } from "../address.ts";
import { listOption, MAX_TIMER_MS, parseCount, parseDuration, parseSize, stringOption } from "../args.ts";
import { AUTH_FAILURE_DELAY_MS, requireTokenBeyondLoopback, TokenCheck } from "../auth.ts";
import { concatBytes, humanBytes, lossyUtf8, md5Hex, sha256Hex, utf8Encoder } from "../bytes.ts";
import type { Command } from "../command.ts";
import { reportConnectionError } from "../connection-log.ts";
import { describeError, UsageError } from "../errors.ts";
import { Allowlist, findProgram } from "../exec/allowlist.ts";
import { type ExecRequest, type ExecResult, Executor, requestFromHeader } from "../exec/protocol.ts";
import { checkCanKill, killAllRunning } from "../exec/run-command.ts";
import { splitWords } from "../exec/shell-words.ts";
import { printError, printLine } from "../output.ts";
import { PROFILE_OPTION, parseProfile } from "../profile.ts";
import { listenRaw } from "../raw/net.ts";
import { connectionLimit, DEFAULT_MAX_CONNECTIONS, MAX_CONNECTIONS_OPTION } from "../max-connections.ts";
import { shutdownSignal, sleep } from "../shutdown.ts";

const DEFAULT_TIMEOUT = "30s";
const DEFAULT_MAX_OUTPUT = "16MiB";
const DEFAULT_MAX_INPUT = "16MiB";
const DEFAULT_MAX_CONCURRENT = "4";

const HELP = `Usage: sockframe exec-server --allow PROGRAM [--allow PROGRAM ...] [--listen ADDR] [options]

The tutorial's remote command server (5.5) without its hole: it runs only the programs named by
--allow, with an argument array and no shell, under a time limit, an output limit and a cap on
concurrent commands.

Each request frame's header carries "argv": ["program", "arg", ...] (or "shell": "command line"
when --shell is on), and "token" when the server has one; its body, if any, is the command's
standard input. The reply's header carries exit_code, stdout_size, stderr_size, total_size and
sha256; its body is stdout followed by stderr. A refused or failed command is answered with an
error frame: UNAUTHORIZED, EXEC_NOT_ALLOWED, EXEC_SHELL_DISABLED, EXEC_BUSY, EXEC_TIMEOUT,
EXEC_OUTPUT_LIMIT, EXEC_NOT_FOUND, EXEC_SPAWN_FAILED, EXEC_BAD_REQUEST. A client whose side of
the connection ends before its reply has gone away (Ctrl-C): its command is killed
(EXEC_ABANDONED in the log), so keep the connection open until the reply.

Options:
  --allow PROGRAM      a program that may be run (repeatable), by name (found in PATH now) or
                       path; requests name it as given, by its base name, or by its full path.
                       Never allow an interpreter, sh, env, xargs, or a program that runs
                       others (find -exec, tar --to-command, git -c, ssh): that allows
                       everything. Relative PATH entries are not searched.
  --listen ADDR        host:port, tcp://host:port or unix:/path (default 127.0.0.1:0)
  --token-file FILE    clients must send this file's content (one line) as "token"; compared in
                       constant time, a failure is answered after ${AUTH_FAILURE_DELAY_MS} ms and disconnected.
                       Required to listen on anything but loopback or a Unix socket.
  --timeout DUR        per-command time limit; the whole process tree is killed (default ${DEFAULT_TIMEOUT})
  --max-output SIZE    stdout + stderr limit per command; over it, killed (default ${DEFAULT_MAX_OUTPUT})
  --max-concurrent N   commands running at once, over all clients (default ${DEFAULT_MAX_CONCURRENT}); more are refused
  --max-input SIZE     standard input a request may carry (exec --stdin; default ${DEFAULT_MAX_INPUT}); a larger
                       request is refused with BODY_TOO_LARGE and its connection closed (be and le)
  --shell              DANGEROUS opt-in: also accept command lines run by /bin/sh -c. Only the first
                       word is checked against the allowlist, so "ls; anything" runs anything.
                       Announced on standard error at start-up.
  --profile P          be (default), le, or seed: serves the tutorial's 5.5 client unchanged (the
                       request is the bare command text, split into words without a shell; the
                       reply is framed with the le prefix and the seed's header fields, plus the
                       fields above; a refusal comes back in such a frame too)
  --max-connections N  connections served at once (be and le; default ${DEFAULT_MAX_CONNECTIONS}); more are refused (TOO_MANY_CONNECTIONS)
  -h, --help           this help
`;

type ExecReply = { header: OutgoingHeader; body: Uint8Array };

/** The reply frame for a result: output and status, or an error frame with a clear message. */
function replyFor(result: ExecResult, id: string | number | undefined): ExecReply {
  if (!result.ok) return { header: { id, error: { code: result.code, message: result.message } }, body: new Uint8Array(0) };
  const body = concatBytes([result.stdout, result.stderr]);
  const header: OutgoingHeader = {
    id,
    exit_code: result.exitCode,
    stdout_size: result.stdout.length,
    stderr_size: result.stderr.length,
    sha256: sha256Hex(body),
    duration_ms: result.durationMs,
  };
  if (result.signal !== null) header.signal = result.signal;
  return { header, body };
}

function logResult(who: string, what: string, result: ExecResult): void {
  const outcome = result.ok ? `exit ${result.exitCode}${result.signal ? ` (${result.signal})` : ""}, ${result.stdout.length + result.stderr.length} bytes, ${result.durationMs} ms` : `${result.code}: ${result.message}`;
  printError(`sockframe exec-server: ${who}: ${what}: ${outcome}`);
}

function describeRequest(request: ExecRequest): string {
  return "shell" in request ? `sh -c ${JSON.stringify(request.shell)}` : JSON.stringify(request.argv);
}

function framedHandler(executor: Executor, token: TokenCheck | null) {
  return async (connection: Connection): Promise<void> => {
    // The end of the client's side before its reply means it went away (Ctrl-C): its command is
    // killed rather than left to run, holding a --max-concurrent slot, until its time limit. A
    // graceful shutdown (stopReceiving) is not the peer's end: commands then finish.
    const gone = new AbortController();
    void connection.peerEnded.then(() => gone.abort());
    try {
      for await (const frame of connection) {
        const { header } = frame;
        if (header.error !== undefined) continue;
        if (token !== null && !token.check(header.token)) {
          await sleep(AUTH_FAILURE_DELAY_MS);
          printError(`sockframe exec-server: ${connection.remoteAddress}: wrong or missing token; disconnected`);
          await connection.send({ id: header.id, error: { code: "UNAUTHORIZED", message: "wrong or missing token" } });
          return;
        }
        const request = requestFromHeader(header);
        const answer = async (result: ExecResult) => {
          const reply = replyFor(result, header.id);
          await connection.send(reply.header, reply.body);
        };
        if ("ok" in request) {
          await answer(request);
          continue;
        }
        // The reply is sent within the command's slot: a client that does not read it holds the slot.
        await executor.run(request, frame.body.length > 0 ? frame.body : null, gone.signal, (result) => {
          logResult(connection.remoteAddress, describeRequest(request), result);
          return answer(result);
        });
      }
    } catch (error) {
      reportConnectionError("exec-server", connection, error);
    }
  };
}

/** How long a seed client may leave a reply unread before it is dropped (the framed profiles' writeStallTimeoutMs). */
const SEED_WRITE_STALL_MS = 60_000;

/** Writes `bytes` and waits until the socket has taken them; a client that reads nothing for SEED_WRITE_STALL_MS is dropped. */
async function writeTaken(socket: Socket, bytes: Uint8Array): Promise<void> {
  if (socket.write(bytes)) return;
  let settle!: (taken: boolean) => void;
  const taken = new Promise<boolean>((resolve) => (settle = resolve));
  const drained = () => settle(true); // or gone: nothing left to wait for either way
  socket.once("drain", drained).once("close", drained);
  const timer = setTimeout(() => settle(false), SEED_WRITE_STALL_MS);
  const outcome = await taken;
  socket.off("drain", drained).off("close", drained);
  clearTimeout(timer);
  if (!outcome) {
    socket.destroy();
    throw new Error(`read nothing of its reply for ${SEED_WRITE_STALL_MS / 1000} s: dropped`);
  }
}

/**
 * The seed profile: each read is one command (the seed's `conn.recv(1024)`; its client waits for
 * the answer before it sends the next), answered by an `le` frame with the seed's header fields
 * (filename, total_size, md5: real digests here) and the exec fields. Refusals travel in the same
 * kind of frame, with the message as the body so that the seed's client prints it.
 */
function seedHandler(executor: Executor) {
  return (socket: Socket): void => {
    const who = `${socket.remoteAddress ?? "unix"}:${socket.remotePort ?? ""}`;
    let queue = Promise.resolve();
    socket.on("data", (chunk: Uint8Array) => {
      socket.pause();
      queue = queue.then(async () => {
        const text = lossyUtf8.decode(chunk).trim();
        let what = JSON.stringify(text);
        const answer = async (result: ExecResult) => {
          logResult(who, what, result);
          const reply = replyFor(result, undefined);
          const body = result.ok ? reply.body : utf8Encoder.encode(`sockframe: refused: ${result.message}\n`);
          const header: OutgoingHeader = { ...reply.header, filename: "a.txt", md5: md5Hex(body) };
          if (!result.ok) header.sha256 = sha256Hex(body);
          // One write: the seed's client reads the 4 prefix octets and the header with single recv() calls.
          await writeTaken(socket, encodeFrame(header, body, { profile: "le" }));
        };
        // Answered within the command's slot, as on the framed profiles (Executor.run).
        if (text.length === 0) {
          await answer({ ok: false, code: "EXEC_BAD_REQUEST", message: "empty command" });
        } else if (executor.policy.shell !== null) {
          what = `sh -c ${what}`;
          await executor.run({ shell: text }, null, undefined, answer);
        } else {
          const split = splitWords(text);
          if ("error" in split || split.words.length === 0) {
            await answer({ ok: false, code: "EXEC_NOT_ALLOWED", message: `${"error" in split ? split.error : "no program"}; this server runs programs without a shell` });
          } else {
            await executor.run({ argv: split.words }, null, undefined, answer);
          }
        }
        socket.resume();
      }).catch((error: unknown) => {
        printError(`sockframe exec-server: ${who}: ${describeError(error)}`);
        socket.destroy();
      });
    });
    socket.once("end", () => {
      void queue.then(() => socket.end());
    });
  };
}

export const execServerCommand: Command = {
  name: "exec-server",
  summary: "run allowed programs for clients: no shell, limits, optional token",
  help: HELP,
  options: {
    listen: { type: "string" },
    allow: { type: "string", multiple: true },
    "token-file": { type: "string" },
    timeout: { type: "string", default: DEFAULT_TIMEOUT },
    "max-output": { type: "string", default: DEFAULT_MAX_OUTPUT },
    "max-concurrent": { type: "string", default: DEFAULT_MAX_CONCURRENT },
    "max-input": { type: "string", default: DEFAULT_MAX_INPUT },
    shell: { type: "boolean", default: false },
    ...PROFILE_OPTION,
    ...MAX_CONNECTIONS_OPTION,
  },
  positionals: false,
  async run({ values }, adapter) {
    const profile = parseProfile(stringOption(values, "profile"));
    const address = streamAddress(stringOption(values, "listen") ?? "127.0.0.1:0", "listen", "exec-server");
    const allowed = listOption(values, "allow");
    if (allowed.length === 0) throw new UsageError("at least one --allow PROGRAM is required: exec-server runs nothing else (see: sockframe exec-server --help)");
    const tokenFile = stringOption(values, "token-file");
    requireTokenBeyondLoopback(address, tokenFile, "exec-server");
    if (profile === "seed" && tokenFile !== undefined) {
      throw new UsageError("--profile seed cannot check a token (the seed's client sends none): listen on loopback or a Unix socket without --token-file");
    }
    checkCanKill();
    const token = tokenFile === undefined ? null : await TokenCheck.fromFile(tokenFile);
    let shell: string | null = null;
    if (values.shell === true) {
      shell = findProgram("/bin/sh");
      if (shell === null) throw new UsageError("--shell: /bin/sh not found");
    }
    const executor = new Executor({
      allowlist: new Allowlist(allowed),
      shell,
      limits: {
        timeoutMs: parseDuration(stringOption(values, "timeout")!, "timeout"),
        maxOutputBytes: parseSize(stringOption(values, "max-output")!, "max-output"),
      },
      maxConcurrent: parseCount(stringOption(values, "max-concurrent")!, "max-concurrent", 1),
    });
    const stop = shutdownSignal(killAllRunning);
    if (shell !== null) {
      printError("sockframe exec-server: WARNING: --shell is on: command lines run through /bin/sh; only their first word is checked against the allowlist");
    }
    const limits = executor.policy.limits;
    // Shutdown lets a command under way run out its timeout (at most a timer's longest delay).
    const shutdownMs = Math.min(limits.timeoutMs + 1000, MAX_TIMER_MS);
    const maxInput = parseSize(stringOption(values, "max-input")!, "max-input");
    const summary = `allowing ${executor.policy.allowlist.entries.map((e) => e.path).join(", ")}; timeout ${limits.timeoutMs / 1000} s, output ${humanBytes(limits.maxOutputBytes)}, input ${humanBytes(maxInput)}, ${executor.policy.maxConcurrent} at once${token ? ", token required" : ""}`;

    if (profile === "seed") {
      const server = await listenRaw(address, seedHandler(executor));
      printLine(`listening on ${server.url}`);
      printError(`sockframe exec-server: ${summary}`);
      await stop;
      await server.close(shutdownMs);
      killAllRunning();
      return 0;
    }
    const server = await adapter.listen(address, framedHandler(executor, token), {
      profile,
      shutdownTimeoutMs: shutdownMs,
      maxBodyBytes: maxInput,
      ...connectionLimit("exec-server", stringOption(values, "max-connections")),
    });
    printLine(`listening on ${server.url}`);
    printError(`sockframe exec-server: ${summary}`);
    await stop;
    await server.close();
    killAllRunning();
    return 0;
  },
};
