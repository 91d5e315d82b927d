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
 * A path or file name as one line of output can show it: as it is, or JSON-quoted when it holds a
 * line break or another control character (a file may be named "a\nb").
 */
export function shown(text: string): string {
  // deno-lint-ignore no-control-regex
  if (!/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(text)) return text;
  // JSON.stringify leaves DEL, the C1 controls and the line separators as they are: escaped too.
  return JSON.stringify(text).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export function printLine(line: string): void {
  process.stdout.write(`${line}\n`);
}

export function printError(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Resolves once what was written to stdout and stderr has been handed over: before process.exit(). */
export async function flushOutput(): Promise<void> {
  await Promise.all([process.stdout, process.stderr].map((stream) => new Promise<void>((resolve) => {
    if (!stream.write("", () => resolve())) stream.once("drain", () => resolve());
  })));
}
