import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export type Runtime = "node" | "bun" | "deno";

export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const REPO_DIR = join(PACKAGE_DIR, "..", "..");
const MAIN = join(PACKAGE_DIR, "src", "main.ts");

/** The runtimes under test: all three, or SOCKFRAME_TEST_RUNTIMES=node,bun. */
export const RUNTIMES: Runtime[] = (process.env.SOCKFRAME_TEST_RUNTIMES ?? "node,bun,deno")
  .split(",")
  .map((name) => name.trim())
  .filter((name): name is Runtime => name === "node" || name === "bun" || name === "deno");

/**
 * The command line a user types, per runtime (README): `npx sockframe` (the bin), `npx bun
 * packages/cli/src/main.ts`, `npx deno run --conditions=source -A packages/cli/src/main.ts`; the binaries are run
 * directly rather than through npx, so that the pid we signal is the CLI's own.
 */
export function cliCommand(runtime: Runtime, args: readonly string[], denoFlags: readonly string[] = ["-A"]): [string, string[]] {
  switch (runtime) {
    case "node":
      return [process.execPath, [join(PACKAGE_DIR, "bin", "sockframe.js"), ...args]];
    case "bun":
      return [join(REPO_DIR, "node_modules", ".bin", "bun"), [MAIN, ...args]];
    case "deno":
      return [join(REPO_DIR, "node_modules", ".bin", "deno"), ["run", "--conditions=source", ...denoFlags, MAIN, ...args]];
  }
}

const live = new Set<ChildProcess>();

/** Kills (by pid) every process the tests started that is still running. */
export function killLeftovers(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // gone
      }
    }
  }
  live.clear();
}

export interface SpawnOptions {
  env?: Record<string, string>;
  cwd?: string;
  denoFlags?: string[];
}

export function spawnTracked(file: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  const child = spawn(file, [...args], {
    cwd: options.cwd ?? REPO_DIR,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  live.add(child);
  child.once("exit", () => live.delete(child));
  return child;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
  ms: number;
}

/** Collects a child's output until it exits; kills it (by pid) after `timeoutMs`. */
export function collect(child: ChildProcess, timeoutMs: number): Promise<CliResult> {
  const started = performance.now();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on("data", (chunk: Buffer) => out.push(chunk));
  child.stderr!.on("data", (chunk: Buffer) => err.push(chunk));
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      err.push(Buffer.from(`\n[test: killed after ${timeoutMs} ms]\n`));
      child.kill("SIGKILL");
    }, timeoutMs);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      resolve({ code, signal, stdout: stdoutBytes.toString("utf8"), stderr: Buffer.concat(err).toString("utf8"), stdoutBytes, ms: performance.now() - started });
    });
  });
}

export interface RunOptions extends SpawnOptions {
  input?: string | Uint8Array;
  timeoutMs?: number;
}

/** Runs the CLI to completion, as a user would from a shell. */
export function runCli(runtime: Runtime, args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  const [file, argv] = cliCommand(runtime, args, options.denoFlags);
  const child = spawnTracked(file, argv, options);
  const done = collect(child, options.timeoutMs ?? 60_000);
  child.stdin!.on("error", () => undefined);
  child.stdin!.end(options.input ?? "");
  return done;
}

/** A CLI server, started and past its "listening on ADDRESS" line. */
export class CliServer {
  readonly child: ChildProcess;
  readonly address: string;
  readonly #done: Promise<CliResult>;

  private constructor(child: ChildProcess, address: string, done: Promise<CliResult>) {
    this.child = child;
    this.address = address;
    this.#done = done;
  }

  get pid(): number {
    return this.child.pid!;
  }

  static async start(runtime: Runtime, args: readonly string[], options: SpawnOptions & { startTimeoutMs?: number } = {}): Promise<CliServer> {
    const [file, argv] = cliCommand(runtime, args, options.denoFlags);
    const child = spawnTracked(file, argv, options);
    child.stdin!.end();
    const done = collect(child, 10 * 60_000);
    const address = await new Promise<string>((resolve, reject) => {
      let text = "";
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`no "listening on" line within ${options.startTimeoutMs ?? 30_000} ms from ${runtime} ${args.join(" ")}`));
      }, options.startTimeoutMs ?? 30_000);
      child.stdout!.on("data", (chunk: Buffer) => {
        text += chunk.toString("utf8");
        const match = /^listening on (\S+)\n/.exec(text);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      void done.then((result) => {
        clearTimeout(timer);
        reject(new Error(`server exited (${result.code}) before listening: ${result.stderr}`));
      });
    });
    return new CliServer(child, address, done);
  }

  /** Sends `signal` (Ctrl-C by default) and waits for the exit. */
  async stop(signal: NodeJS.Signals = "SIGINT"): Promise<CliResult> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.#done;
  }

  get exited(): Promise<CliResult> {
    return this.#done;
  }
}

/** The peak resident memory of a live process so far (VmHWM), in bytes; 0 when it is gone. */
export function peakRss(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples VmHWM while the process lives (it only grows); `stop()` gives the highest value seen. */
export function watchPeakRss(pid: number, everyMs = 20): { stop(): number } {
  let peak = peakRss(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, peakRss(pid));
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, peakRss(pid));
      return peak;
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
