/**
 * The codec half of the soak, in a worker thread so that the main thread can tell a hang (a
 * decoder looping inside one call) from slowness: before each input the worker writes its index
 * to shared memory, and the main thread terminates the worker when that index stays the same for
 * longer than the per-input budget. Inputs are generated from (seed, index) alone, so the main
 * thread regenerates the one that hung or failed and saves it.
 */
import { getHeapStatistics } from "node:v8";
import { parentPort, workerData } from "node:worker_threads";
import { buildCodecInput, FuzzFailure, runCodecCase } from "./codec-case.ts";
import { codecCase } from "./generate.ts";

export const SLOT_INDEX = 0;
export const SLOT_DONE = 1;
export const SLOT_STOP = 2;
export const SLOT_BUSY = 3;

export interface CodecStats {
  cases: number;
  decodes: number;
  frames: number;
  octets: number;
  errors: Record<string, number>;
  slowestMs: number;
  slowestIndex: number;
  /** This worker's heap after a GC (when --expose-gc is on): the last and the largest sample. */
  heapUsed: number;
  maxHeapUsed: number;
}

export type WorkerMessage =
  | { type: "stats"; stats: CodecStats }
  | { type: "failure"; index: number; message: string; stack: string };

/** Self-test hook of the harness (SOCKFRAME_FUZZ_INJECT, see README): a fault at input 20. */
function injectFault(): void {
  const fault = process.env.SOCKFRAME_FUZZ_INJECT;
  if (fault === "codec-hang") for (;;);
  if (fault === "codec-throw") throw new TypeError("injected: not a SockframeError");
}

interface Data {
  module: string;
  seed: number;
  start: number;
  shared: SharedArrayBuffer;
}

if (parentPort !== null && (workerData as Data | undefined)?.shared !== undefined) {
  const { seed, start, shared } = workerData as Data;
  const slots = new Int32Array(shared);
  const port = parentPort;
  const stats: CodecStats = { cases: 0, decodes: 0, frames: 0, octets: 0, errors: {}, slowestMs: 0, slowestIndex: -1, heapUsed: 0, maxHeapUsed: 0 };
  let lastReport = performance.now();
  let lastHeap = 0;
  const sampleHeap = () => {
    (globalThis as { gc?: () => void }).gc?.();
    stats.heapUsed = getHeapStatistics().used_heap_size;
    stats.maxHeapUsed = Math.max(stats.maxHeapUsed, stats.heapUsed);
  };
  for (let index = start; Atomics.load(slots, SLOT_STOP) === 0; index++) {
    Atomics.store(slots, SLOT_INDEX, index);
    Atomics.store(slots, SLOT_BUSY, 1);
    const started = performance.now();
    try {
      if (index === 20) injectFault();
      const c = codecCase(seed, index);
      const input = buildCodecInput(c);
      const result = runCodecCase(c, input);
      stats.cases++;
      stats.decodes += result.decodes;
      stats.frames += result.frames;
      stats.octets += input.length;
      const code = result.code ?? "none";
      stats.errors[code] = (stats.errors[code] ?? 0) + 1;
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      const message = error instanceof FuzzFailure ? e.message : `harness error: ${e.name}: ${e.message}`;
      port.postMessage({ type: "failure", index, message, stack: e.stack ?? "" } satisfies WorkerMessage);
      break;
    }
    const ms = performance.now() - started;
    if (ms > stats.slowestMs) {
      stats.slowestMs = ms;
      stats.slowestIndex = index;
    }
    Atomics.store(slots, SLOT_BUSY, 0);
    Atomics.add(slots, SLOT_DONE, 1);
    if (performance.now() - lastHeap > 1000) {
      sampleHeap();
      lastHeap = performance.now();
    }
    if (performance.now() - lastReport > 200) {
      lastReport = performance.now();
      port.postMessage({ type: "stats", stats } satisfies WorkerMessage);
    }
  }
  sampleHeap();
  port.postMessage({ type: "stats", stats } satisfies WorkerMessage);
}
