import type { Writable } from "node:stream";

/** Writes all of `data`, waiting for the stream to drain when it asks to (large exec output, previews). */
export function writeAll(stream: Writable, data: Uint8Array | string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (data.length === 0) return resolve();
    const ok = stream.write(data, (error) => {
      if (error) reject(error);
    });
    if (ok) resolve();
    else stream.once("drain", () => resolve());
  });
}

/** The status of a program that wrote to a pipe whose reader had gone: killed by SIGPIPE (128 + 13). */
export const CLOSED_OUTPUT_STATUS = 141;

/**
 * A reader that went away (`sockframe inspect big.cap | head`) is not an error to report: stop at
 * once and quietly, as a program killed by SIGPIPE does. Any other failure to write the output
 * ends the program with status 1, also without a stack trace.
 */
export function stopWhenOutputCloses(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: { code?: string }) => process.exit(error.code === "EPIPE" ? CLOSED_OUTPUT_STATUS : 1));
  }
}

/**
 * What JSON.stringify leaves raw but a terminal acts on: DEL and the C1 controls (U+009B starts an
 * escape sequence), the line separators, and the bidirectional controls that reorder what follows
 * (a name "evil\u202Etxt.exe" shows as "evilexe.txt").
 */
const ACTS_ON = "\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069";
const TERMINAL_ACTS_ON = new RegExp(`[${ACTS_ON}]`, "g");
/** Those, or any C0 control: a name holding one is shown quoted. */
const QUOTED_IF = new RegExp(`[\\u0000-\\u001f${ACTS_ON}]`);
const escaped = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;

/**
 * A path or file name as one line of output can show it: as it is, or JSON-quoted when it holds a
 * line break, another control character or a bidirectional control (a file may be named "a\nb").
 */
export function shown(text: string): string {
  if (!QUOTED_IF.test(text)) return text;
  return JSON.stringify(text).replace(TERMINAL_ACTS_ON, escaped);
}

export function printLine(line: string): void {
  process.stdout.write(`${line}\n`);
}

/**
 * A diagnostic on stderr. Servers' lines quote what peers sent (file names, command lines, error
 * messages): every control a terminal acts on is escaped, except line breaks and tabs (stacks).
 */
export function printError(line: string): void {
  // deno-lint-ignore no-control-regex
  process.stderr.write(`${line.replace(/[\u0000-\u0008\u000b-\u001f]/g, escaped).replace(TERMINAL_ACTS_ON, escaped)}\n`);
}

/** Resolves once what was written to stdout and stderr has been handed over: before process.exit(). */
export async function flushOutput(): Promise<void> {
  await Promise.all([process.stdout, process.stderr].map((stream) => new Promise<void>((resolve) => {
    if (!stream.write("", () => resolve())) stream.once("drain", () => resolve());
  })));
}
