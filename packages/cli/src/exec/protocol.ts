import { basename } from "node:path";
import { humanBytes } from "../bytes.ts";
import type { Allowlist } from "./allowlist.ts";
import { type RunLimits, type RunOutcome, runCommand } from "./run-command.ts";
import { firstWord } from "./shell-words.ts";

/** Error codes exec-server answers with (application codes in error frames, SPEC 7.3). */
export type ExecErrorCode =
  | "UNAUTHORIZED"
  | "EXEC_BAD_REQUEST"
  | "EXEC_NOT_ALLOWED"
  | "EXEC_SHELL_DISABLED"
  | "EXEC_BUSY"
  | "EXEC_NOT_FOUND"
  | "EXEC_SPAWN_FAILED"
  | "EXEC_TIMEOUT"
  | "EXEC_ABANDONED"
  | "EXEC_OUTPUT_LIMIT";

/**
 * `exec`'s exit status for a refusal, after the conventions of timeout(1) and POSIX shells: 124
 * timed out, 126 not allowed to run, 127 not found, 125 any other failure of sockframe itself.
 */
export function exitStatusFor(code: string): number {
  switch (code) {
    case "EXEC_TIMEOUT":
      return 124;
    case "EXEC_NOT_ALLOWED":
    case "EXEC_SHELL_DISABLED":
    case "UNAUTHORIZED":
      return 126;
    case "EXEC_NOT_FOUND":
      return 127;
    default:
      return 125;
  }
}

export type ExecRequest = { argv: string[] } | { shell: string };

export type ExecResult =
  | {
    ok: true;
    exitCode: number;
    signal: string | null;
    stdout: Uint8Array;
    stderr: Uint8Array;
    durationMs: number;
  }
  | { ok: false; code: ExecErrorCode; message: string };

export interface ExecPolicy {
  allowlist: Allowlist;
  /** --shell: command lines run by /bin/sh, their first word still checked against the allowlist. */
  shell: string | null;
  limits: RunLimits;
  maxConcurrent: number;
}

function refuse(code: ExecErrorCode, message: string): ExecResult {
  return { ok: false, code, message };
}

/** Reads the request members of a framed exec request header: `argv` (array of strings) or `shell` (text). */
export function requestFromHeader(header: Record<string, unknown>): ExecRequest | ExecResult {
  const { argv, shell } = header;
  if (argv !== undefined && shell !== undefined) return refuse("EXEC_BAD_REQUEST", "a request has argv or shell, not both");
  if (typeof shell === "string") return { shell };
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((word) => typeof word === "string")) {
    return refuse("EXEC_BAD_REQUEST", "the request header needs argv: a non-empty array of strings");
  }
  return { argv: argv as string[] };
}

/** Runs requests under a policy: allowlist, no shell unless opted in, limits, a cap on concurrent commands. */
export class Executor {
  readonly #policy: ExecPolicy;
  #active = 0;

  constructor(policy: ExecPolicy) {
    this.#policy = policy;
  }

  get policy(): ExecPolicy {
    return this.#policy;
  }

  #allowedNames(): string {
    return this.#policy.allowlist.entries.map((entry) => basename(entry.name)).join(", ");
  }

  /**
   * Runs a request, and hands its result to `answer` exactly once. A command's slot of
   * --max-concurrent is held until `answer` settles: a reply waiting for a client that does not
   * read counts against the limit, so the replies held at once stay within --max-concurrent x
   * --max-output. `abandon`: the client went away; the command is killed (EXEC_ABANDONED).
   */
  async run(request: ExecRequest, stdin: Uint8Array | null, abandon?: AbortSignal, answer: (result: ExecResult) => Promise<void> = async () => undefined): Promise<ExecResult> {
    const policy = this.#policy;
    const answered = async (result: ExecResult) => {
      await answer(result);
      return result;
    };
    const command = this.#command(request);
    if ("ok" in command) return answered(command);
    if (this.#active >= policy.maxConcurrent) {
      return answered(refuse("EXEC_BUSY", `${this.#active} commands are running, the limit (--max-concurrent); try again later`));
    }
    this.#active++;
    try {
      // Awaited here, within the slot: the slot is held until the answer is handed over.
      return await answered(resultOf(await runCommand(command.file, command.args, stdin, policy.limits, abandon), command.file, policy.limits));
    } finally {
      this.#active--;
    }
  }

  /** What a request runs, once it passes the policy: the program's path and its arguments; else the refusal. */
  #command(request: ExecRequest): { file: string; args: string[] } | ExecResult {
    const policy = this.#policy;
    if ("shell" in request) {
      if (policy.shell === null) {
        return refuse("EXEC_SHELL_DISABLED", "this server runs no shell command lines (its operator can allow them with --shell); send the program and its arguments instead");
      }
      const program = firstWord(request.shell);
      if (program === null) return refuse("EXEC_NOT_ALLOWED", "a shell command line must start with an allowed program name");
      if (policy.allowlist.resolve(program) === null) {
        return refuse("EXEC_NOT_ALLOWED", `${program} is not an allowed program (allowed: ${this.#allowedNames()})`);
      }
      return { file: policy.shell, args: ["-c", request.shell] };
    }
    const [program, ...rest] = request.argv;
    if (program!.includes("\0") || rest.some((word) => word.includes("\0"))) return refuse("EXEC_BAD_REQUEST", "arguments must not contain NUL");
    const path = policy.allowlist.resolve(program!);
    if (path === null) return refuse("EXEC_NOT_ALLOWED", `${program} is not an allowed program (allowed: ${this.#allowedNames()})`);
    return { file: path, args: rest };
  }
}

function resultOf(outcome: RunOutcome, file: string, limits: RunLimits): ExecResult {
  switch (outcome.kind) {
    case "exited":
      return { ok: true, ...outcome };
    case "timeout":
      return refuse("EXEC_TIMEOUT", `killed after ${limits.timeoutMs / 1000} s, the time limit (--timeout)`);
    case "output-limit":
      return refuse("EXEC_OUTPUT_LIMIT", `killed: output exceeded ${humanBytes(limits.maxOutputBytes)}, the limit (--max-output)`);
    case "abandoned":
      return refuse("EXEC_ABANDONED", "killed: the client went away before the command finished");
    case "spawn-failed":
      return outcome.code === "ENOENT"
        ? refuse("EXEC_NOT_FOUND", `${file}: no such program (removed since the server started?)`)
        : refuse("EXEC_SPAWN_FAILED", `could not start ${file}: ${outcome.message}`);
  }
}
