import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_DIR } from "./cli.ts";

/**
 * The seed tutorial (Chinese). Looked up relative to the repository: ../shared/seed/ beside the
 * work tree (as on the developers' machines and in CI), or SOCKFRAME_SEED_FILE.
 */
export function seedFile(): string | null {
  // The shared copy beside the repository first, else the copy kept in the repository (a clone alone).
  const candidates = [
    process.env.SOCKFRAME_SEED_FILE,
    join(REPO_DIR, "..", "shared", "seed", "000_3557afddd17c671b.txt"),
    join(REPO_DIR, "packages", "cli", "test", "fixtures", "seed-tutorial.txt"),
  ];
  for (const candidate of candidates) {
    if (candidate === undefined) continue;
    try {
      readFileSync(candidate);
      return candidate;
    } catch {
      // next
    }
  }
  return null;
}

export interface SeedPrograms {
  dir: string;
  /** 4.1: one-shot upper-casing server on 6666. */
  server41: string;
  /** 4.2: one-shot client of 6666. */
  client42: string;
  /** 4.3: loop server on 7890. */
  server43: string;
  /** 4.4: loop client of 7890 (reads stdin, "q" quits). */
  client44: string;
  /** 5.5: remote command server on 8083, mended with `from socket import *`. */
  server55: string;
  /** 5.5: its client (reads commands from stdin forever). */
  client55: string;
}

function pythonBlocks(text: string, heading: string): string[] {
  const at = text.indexOf(heading);
  if (at < 0) throw new Error(`seed: no section ${heading}`);
  return [...text.slice(at).matchAll(/```python\n([\s\S]*?)```/g)].map((match) => match[1]!);
}

/**
 * Extracts the seed's Python programs, unchanged, into a fresh temp dir. The one mend: 5.5's
 * server calls socket(AF_INET, ...) but never imports those names; `from socket import *` goes
 * after its `import socket` (before it, the module import would shadow the function again).
 */
export function extractSeedPrograms(path: string): SeedPrograms {
  const text = readFileSync(path, "utf8");
  const dir = mkdtempSync(join(tmpdir(), "sf-seed-"));
  const write = (name: string, source: string) => {
    const file = join(dir, name);
    writeFileSync(file, source);
    return file;
  };
  const [server55, client55] = pythonBlocks(text, "### 5.5");
  if (!server55!.includes("import socket\n") || server55!.includes("from socket import *")) throw new Error("seed 5.5 server changed: cannot mend it");
  return {
    dir,
    server41: write("server_4_1.py", pythonBlocks(text, "### 4.1")[0]!),
    client42: write("client_4_2.py", pythonBlocks(text, "### 4.2")[0]!),
    server43: write("server_4_3.py", pythonBlocks(text, "### 4.3")[0]!),
    client44: write("client_4_4.py", pythonBlocks(text, "### 4.4")[0]!),
    server55: write("server_5_5.py", server55!.replace("import socket\n", "import socket\nfrom socket import *\n")),
    client55: write("client_5_5.py", client55!),
  };
}

/**
 * Test harness only, never part of the programs: the seed's servers bind fixed ports without
 * SO_REUSEADDR, so a second run within a minute would fail on the previous run's connections in
 * TIME_WAIT. Python imports sitecustomize at start-up; this one sets SO_REUSEADDR before any bind.
 */
const SITECUSTOMIZE = `import socket
_bind = socket.socket.bind
def _bind_reusing(self, address):
    self.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    return _bind(self, address)
socket.socket.bind = _bind_reusing
`;

export function pythonEnvironment(programs: SeedPrograms): Record<string, string> {
  const shim = join(programs.dir, "harness");
  mkdirSync(shim, { recursive: true });
  writeFileSync(join(shim, "sitecustomize.py"), SITECUSTOMIZE);
  return { PYTHONPATH: shim, PYTHONIOENCODING: "utf-8", PYTHONUNBUFFERED: "1" };
}

/** Whether something listens on 127.0.0.1:port (from /proc/net/tcp: connecting would use up a one-shot server's only accept). */
export function listeningOn(port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  try {
    return readFileSync("/proc/net/tcp", "utf8").split("\n").some((line) => {
      const fields = line.trim().split(/\s+/);
      return fields[1] === `0100007F:${hex}` && fields[3] === "0A";
    });
  } catch {
    return false;
  }
}
