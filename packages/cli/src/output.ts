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
