import { Worker } from "node:worker_threads";

/** How often (in octets hashed) the worker reports its progress. */
const PROGRESS_EVERY = 32 * 1024 * 1024;

/**
 * The worker's program, evaluated (`eval: true`): a file of its own would not be found next to
 * the in-memory bundle bin/sockframe.js runs on Node. CommonJS, because Node evaluates such
 * workers as scripts; Deno and Bun run it as it is. It reads the file itself, through one buffer,
 * so that no chunk crosses between the threads.
 */
const PROGRAM = `
const { parentPort, workerData } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const { openSync, readSync, closeSync } = require("node:fs");
const hash = createHash("md5");
const buffer = new Uint8Array(1024 * 1024);
const fd = openSync(workerData.path, "r");
let size = 0;
let reported = 0;
try {
  for (;;) {
    const count = readSync(fd, buffer, 0, buffer.length, null);
    if (count === 0) break;
    hash.update(count === buffer.length ? buffer : buffer.subarray(0, count));
    size += count;
    if (size - reported >= ${PROGRESS_EVERY}) {
      parentPort.postMessage({ done: size });
      reported = size;
    }
  }
} finally {
  closeSync(fd);
}
parentPort.postMessage({ size, md5: hash.digest("hex") });
`;

export interface Md5Job {
  /** The file's size and md5 as the worker read it. */
  readonly result: Promise<{ size: number; md5: string }>;
  /** Stops the worker (when the other half of the work failed); `result` then rejects. */
  cancel(): void;
}

/**
 * The md5 of the file at `path`, computed on a worker thread (node:worker_threads, which Node,
 * Deno and Bun all have) while the caller's thread does other work. `onProgress` gets the octets
 * hashed so far, every 32 MiB.
 */
export function md5InWorker(path: string, onProgress?: (done: number) => void): Md5Job {
  const worker = new Worker(PROGRAM, { eval: true, workerData: { path } });
  const result = new Promise<{ size: number; md5: string }>((resolve, reject) => {
    worker.on("message", (message: { done?: number; size?: number; md5?: string }) => {
      if (message.md5 !== undefined) resolve({ size: message.size!, md5: message.md5 });
      else if (message.done !== undefined) onProgress?.(message.done);
    });
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the md5 worker stopped (exit code ${code})`)));
  });
  return { result, cancel: () => void worker.terminate() };
}
