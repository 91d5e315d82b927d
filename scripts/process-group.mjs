// Child processes for the repository's own harnesses (interop/matrix.mjs, hardening/run.mjs): each
// started in a process group of its own, so that stopping it also stops whatever it spawned, and
// nothing else; only processes started here are ever signalled.
import { spawn } from "node:child_process";

/**
 * Starts `argv` in its own process group. Lines of stdout are kept in `proc.lines` and passed to
 * `onLine`; the tail of stderr is kept in `proc.stderr`. `proc.exit` resolves with
 * `{ code, signal }` (both null if it could not be spawned), also left in `proc.exited`.
 */
export function startGroup(argv, { cwd, onLine } = {}) {
  const [command, ...args] = argv;
  const child = spawn(command, args, {
    cwd,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", DENO_NO_UPDATE_CHECK: "1" },
  });
  const proc = { child, stderr: "", lines: [], exited: null };
  proc.exit = new Promise((resolve) => {
    child.on("error", (error) => {
      proc.stderr += `spawn failed: ${error.message}\n`;
      proc.exited = { code: null, signal: null };
      resolve(proc.exited);
    });
    child.on("exit", (code, signal) => {
      proc.exited = { code, signal };
      resolve(proc.exited);
    });
  });
  let pending = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (text) => {
    pending += text;
    let newline;
    while ((newline = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      proc.lines.push(line);
      onLine?.(line);
    }
  });
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (text) => {
    proc.stderr = (proc.stderr + text).slice(-4000);
  });
  return proc;
}

/** Sends `signal` to the process group of a process started by startGroup; one already gone is fine. */
export function signalGroup(proc, signal) {
  try {
    process.kill(-proc.child.pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Stops a process started by startGroup: SIGTERM to its group, SIGKILL if it is still there after
 * `ms`. Resolves with its exit, `hung: true` when it had to be killed.
 */
export async function stopGroup(proc, ms) {
  if (proc.exited !== null) return { ...proc.exited, hung: false };
  signalGroup(proc, "SIGTERM");
  let timer;
  const stopped = await Promise.race([proc.exit, new Promise((resolve) => (timer = setTimeout(() => resolve(null), ms)))]);
  clearTimeout(timer);
  if (stopped !== null) return { ...stopped, hung: false };
  signalGroup(proc, "SIGKILL");
  await proc.exit;
  return { code: null, signal: "SIGKILL", hung: true };
}
