import { createHash, timingSafeEqual } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import type { Address } from "@sockframe/connection";
import { isLocalAddress } from "./address.ts";
import { CliError, UsageError } from "./errors.ts";
import { printError } from "./output.ts";

/** How long a wrong or missing token waits before it is answered: guessing costs time. */
export const AUTH_FAILURE_DELAY_MS = 1000;

/** The token in a file: its content without the final newline. */
export async function readTokenFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new CliError(`--token-file ${path}: ${(error as Error).message.split("\n")[0]}`);
  }
  const token = text.replace(/\r?\n$/, "");
  if (token.length === 0) throw new CliError(`--token-file ${path}: the file is empty`);
  if (/[\r\n]/.test(token)) throw new CliError(`--token-file ${path}: the token must be one line`);
  return token;
}

/** A server's token: warns about weak or exposed token files; `check` compares in constant time. */
export class TokenCheck {
  readonly #expected: Buffer;

  private constructor(token: string) {
    this.#expected = createHash("sha256").update(token, "utf8").digest();
  }

  static async fromFile(path: string): Promise<TokenCheck> {
    const token = await readTokenFile(path);
    if (token.length < 16) printError(`sockframe: warning: the token in ${path} is short (${token.length} characters); use 32 random characters or more`);
    const mode = (await stat(path)).mode;
    if ((mode & 0o077) !== 0) printError(`sockframe: warning: ${path} is readable by other users (mode ${(mode & 0o777).toString(8)}); chmod 600 it`);
    return new TokenCheck(token);
  }

  /**
   * Both sides are hashed first: timingSafeEqual needs equal lengths, and comparing digests leaks
   * neither the token's length nor how many leading characters matched.
   */
  check(given: unknown): boolean {
    const digest = createHash("sha256").update(typeof given === "string" ? given : "", "utf8").digest();
    return timingSafeEqual(digest, this.#expected) && typeof given === "string";
  }
}

/** Listening beyond this machine without a token would let anyone in: refuse to start. */
export function requireTokenBeyondLoopback(address: Address, tokenFile: string | undefined, command: string): void {
  if (tokenFile === undefined && !isLocalAddress(address)) {
    throw new UsageError(`${command} listens on a non-loopback address only with --token-file (anyone who can reach it could otherwise use it)`);
  }
}
