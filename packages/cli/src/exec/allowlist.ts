import { statSync } from "node:fs";
import { basename, delimiter, isAbsolute, join, resolve } from "node:path";
import { UsageError } from "../errors.ts";

/** Deno without --allow-read for a directory throws this instead of answering. */
function isPermissionError(error: unknown): boolean {
  const name = (error as { name?: unknown }).name;
  return name === "NotCapable" || name === "PermissionDenied";
}

class PermissionBlocked extends Error {}

/** A regular file with an execute bit (the mode, not access(2): Deno's access() would also want --allow-sys). */
function executableFile(path: string): boolean {
  try {
    const stat = statSync(path);
    return stat.isFile() && (stat.mode & 0o111) !== 0;
  } catch (error) {
    if (isPermissionError(error)) throw new PermissionBlocked(path);
    return false;
  }
}

/**
 * Where the shell would find `name`: an absolute path, or null. Relative PATH entries (".", "bin")
 * are skipped: they would name a different file in another working directory, and the allowlist
 * promises the file it resolved at start-up.
 */
export function findProgram(name: string, pathVariable?: string): string | null {
  if (name.includes("/")) {
    const path = resolve(name);
    try {
      return executableFile(path) ? path : null;
    } catch (error) {
      if (error instanceof PermissionBlocked) throw new UsageError(`cannot check ${path}: no read permission (on Deno: --allow-read=${path})`);
      throw error;
    }
  }
  let blocked: string | null = null;
  for (const dir of (pathVariable ?? process.env.PATH ?? "").split(delimiter)) {
    if (dir === "" || !isAbsolute(dir)) continue;
    const path = join(dir, name);
    try {
      if (executableFile(path)) return path;
    } catch (error) {
      if (!(error instanceof PermissionBlocked)) throw error;
      blocked ??= dir;
    }
  }
  if (blocked !== null) {
    throw new UsageError(`cannot look for ${name} in PATH: no read permission for ${blocked} (on Deno: --allow-read=DIR for the directory that holds ${name}, e.g. --allow-read=/usr/bin)`);
  }
  return null;
}

/**
 * The programs exec-server may run, resolved to absolute paths once at start-up: a request names a
 * program as it was allowed (`ls`), by its base name, or by the resolved path (`/usr/bin/ls`), and
 * always runs that file: changing PATH or dropping a `./ls` next to the server changes nothing.
 */
export class Allowlist {
  readonly #byName = new Map<string, string>();
  readonly entries: ReadonlyArray<{ name: string; path: string }>;

  constructor(names: readonly string[]) {
    const entries: Array<{ name: string; path: string }> = [];
    for (const name of names) {
      if (name === "") throw new UsageError("--allow: empty program name");
      const path = findProgram(name);
      if (path === null) throw new UsageError(`--allow ${name}: no such executable ${name.includes("/") ? "file" : "in PATH"}`);
      entries.push({ name, path });
      for (const alias of [name, basename(name), path]) {
        if (!this.#byName.has(alias)) this.#byName.set(alias, path);
      }
    }
    this.entries = entries;
  }

  get size(): number {
    return this.entries.length;
  }

  /** The absolute path to run for `program`, or null when it is not allowed. Relative paths never match. */
  resolve(program: string): string | null {
    if (program.includes("/") && !isAbsolute(program)) return null;
    return this.#byName.get(program) ?? null;
  }
}
