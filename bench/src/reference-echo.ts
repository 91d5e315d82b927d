// The machine's reference for the 1 MiB echo (reference/echo.c): the same exchange with nothing but
// system calls, in the same run as the runtimes' echoes, so a ratio to a peer can be read against
// what the machine allows at all.
import { execFile, spawn, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, "reference", "echo.c");
const binary = join(here, "..", ".build", "echo-c");

/** `store`: each message read whole, then written back (as a framed echo of buffered bodies). `cut`: each read written back at once. */
export type ReferenceMode = "store" | "cut";

/** Compiles echo.c with the system's C compiler; returns why not where there is none. */
export function buildReferenceEcho(): string | null {
  mkdirSync(dirname(binary), { recursive: true });
  const result = spawnSync("cc", ["-O2", "-pthread", "-o", binary, source], { encoding: "utf8" });
  if (result.error !== undefined) return `no C compiler: ${result.error.message}`;
  if (result.status !== 0) return `cc failed: ${result.stderr.trim()}`;
  return null;
}

/** MB/s of payload one way, per round, of the C echo in `mode` (1 MiB messages, 4 in flight, loopback TCP). */
export async function referenceEcho(mode: ReferenceMode, rounds: number, minMs: number, warmupMs: number): Promise<number[]> {
  const server = spawn(binary, ["server", mode], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      server.stdout!.once("data", (text: Buffer) => resolve(Number(text.toString().trim())));
      server.once("error", reject);
      server.once("exit", (code) => reject(new Error(`the reference echo server exited with ${code}`)));
    });
    const args = ["client", String(port), String(rounds), String(minMs), String(warmupMs)];
    const { stdout } = await promisify(execFile)(binary, args, { timeout: 120_000 });
    return stdout.trim().split("\n").map((line) => Number(line.split(" ")[1]));
  } finally {
    server.kill();
  }
}
