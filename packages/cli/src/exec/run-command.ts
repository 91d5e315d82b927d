import { type ChildProcess, spawn } from "node:child_process";
import { constants } from "node:os";
import { UsageError } from "../errors.ts";

export interface RunLimits {
  /** Wall-clock limit; the whole process group is killed when it passes. */
  timeoutMs: number;
  /** stdout + stderr octets kept; one more and the process group is killed. */
  maxOutputBytes: number;
}

export type RunOutcome =
  | { kind: "exited"; exitCode: number; signal: string | null; stdout: Uint8Array; stderr: Uint8Array; durationMs: number }
  | { kind: "timeout"; durationMs: number }
  | { kind: "output-limit"; durationMs: number }
  | { kind: "abandoned"; durationMs: number }
  | { kind: "spawn-failed"; code: string; message: string };

/** The server's variables a command gets: no others, so that its secrets never reach a remote command. */
const PASSED_VARIABLES = ["PATH", "HOME", "LANG", "LC_ALL", "TZ"];

/** Read one by one: Deno asks for permission per variable (--allow-env=PATH,...), and a missing one is skipped. */
export function commandEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of PASSED_VARIABLES) {
    try {
      const value = process.env[name];
      if (value !== undefined) env[name] = value;
    } catch {
      // Deno without permission for this variable.
    }
  }
  return env;
}

/** Commands running now, so that a server shutting down can kill what is left. */
const running = new Set<ChildProcess>();

/**
 * Kills a command's whole process tree: the command runs as the leader of its own process group
 * (`detached`), and a signal to the negative pid reaches every process in the group, including
 * children it forked and left behind. (A process that makes itself a new session escapes; nothing
 * short of a cgroup catches those.)
 */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // ESRCH: the group is gone already.
  }
}

/**
 * Throws unless this process may signal others. Deno allows kill() only with an unrestricted
 * --allow-run; without it a timeout could not kill a command's process tree, so exec-server
 * refuses to start rather than leave processes behind.
 */
export function checkCanKill(): void {
  try {
    // Signal 0 to init: a probe that harms nothing; an OS refusal (EPERM) is fine, only a runtime's is not.
    process.kill(1, 0);
  } catch (error) {
    const name = (error as { name?: unknown }).name;
    if (name !== "NotCapable" && name !== "PermissionDenied") return;
    throw new UsageError(
      `cannot signal processes (${(error as Error).message.split("\n")[0]}): exec-server must be able to kill a command's process tree. On Deno, run with --allow-run (no list): sockframe's --allow still decides what runs`,
    );
  }
}

export function killAllRunning(): void {
  for (const child of running) killGroup(child);
}

export function runningCount(): number {
  return running.size;
}

/** Runs `file` with `args` (never through a shell unless `file` is one), with limits, collecting its output. */
export function runCommand(file: string, args: readonly string[], stdin: Uint8Array | null, limits: RunLimits, abandon?: AbortSignal): Promise<RunOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(file, [...args], {
        stdio: [stdin === null ? "ignore" : "pipe", "pipe", "pipe"],
        detached: true,
        shell: false,
        env: commandEnvironment(),
        windowsHide: true,
      });
    } catch (error) {
      const code = (error as { code?: string }).code ?? "ERROR";
      resolve({ kind: "spawn-failed", code, message: (error as Error).message });
      return;
    }
    running.add(child);
    const stdout: Uint8Array[] = [];
    const stderr: Uint8Array[] = [];
    let outputBytes = 0;
    let verdict: "timeout" | "output-limit" | "abandoned" | null = null;
    let exit: { code: number | null; signal: string | null } | null = null;
    let settled = false;
    let grace: ReturnType<typeof setTimeout> | undefined;

    const finish = (outcome: RunOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(grace);
      abandon?.removeEventListener("abort", onAbandon);
      running.delete(child);
      resolve(outcome);
    };
    // A process that left the group (setsid) and kept the pipes open would hold 'close' back forever.
    const closeSoon = () => {
      grace ??= setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        conclude(exit?.code ?? null, exit?.signal ?? "SIGKILL");
      }, 2000);
    };
    const stop = (why: "timeout" | "output-limit" | "abandoned") => {
      verdict ??= why;
      killGroup(child);
      closeSoon();
    };
    const timer = setTimeout(() => stop("timeout"), limits.timeoutMs);
    // Nobody is left to read the result (the client went away): the command goes, its group too.
    const onAbandon = () => stop("abandoned");
    if (abandon?.aborted) queueMicrotask(onAbandon);
    else abandon?.addEventListener("abort", onAbandon, { once: true });
    const collect = (into: Uint8Array[]) => (chunk: Uint8Array) => {
      if (verdict !== null) return;
      outputBytes += chunk.length;
      if (outputBytes > limits.maxOutputBytes) stop("output-limit");
      else into.push(chunk);
    };
    child.stdout!.on("data", collect(stdout));
    child.stderr!.on("data", collect(stderr));
    if (child.stdin) {
      // A command that does not read its input closes the pipe early: EPIPE is not a failure.
      child.stdin.on("error", () => undefined);
      child.stdin.end(stdin);
    }
    child.once("error", (error: Error & { code?: string }) => {
      killGroup(child);
      finish({ kind: "spawn-failed", code: error.code ?? "ERROR", message: error.message });
    });
    child.once("exit", (code, signal) => {
      exit = { code, signal };
      // The command is done: what it left running in its group goes too, so that nothing outlives
      // the request and the output pipes reach their end (queued output is still read).
      killGroup(child);
      closeSoon();
    });
    const conclude = (code: number | null, signal: string | null) => {
      const status = exit ?? { code, signal };
      // Killed by us: the verdict is the outcome, whatever status the kill left.
      if (verdict !== null) return finish({ kind: verdict, durationMs: elapsed() });
      const signalNumber = status.signal === null ? 0 : (constants.signals as Record<string, number>)[status.signal] ?? 0;
      finish({
        kind: "exited",
        exitCode: status.code ?? 128 + signalNumber,
        signal: status.signal,
        stdout: Buffer.concat(stdout),
        stderr: Buffer.concat(stderr),
        durationMs: elapsed(),
      });
    };
    child.once("close", conclude);
  });
}
