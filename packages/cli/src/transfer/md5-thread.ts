import { Buffer } from "node:buffer";
import { Worker } from "node:worker_threads";
import { type Hasher, PURE_HASHES } from "@sockframe/codec";
import { NATIVE_HASHES } from "@sockframe/connection/native-hashes";

/** The ring the octets cross in: a multiple of 8, so that a record's 8-octet head never wraps. */
const RING_BYTES = 1024 * 1024;
/** The largest payload of one record: a chunk larger than this is sent in several. */
const MAX_RECORD = RING_BYTES / 4;
/** A record's length field for "give me the digest" and for "forget this job". */
const END = -1;
const DISCARD = -2;
/** Control words: octets in the ring (records and their padding), and digests written so far. */
const USED = 0;
const DONE = 1;
/** How long this thread waits for the worker before it gives up on it (it is stuck or gone). */
const STUCK_MS = 30_000;

/**
 * The worker's program (evaluated: see md5-worker.ts). It takes records off the ring in order:
 * `[job, length]` then `length` octets padded to 8, which it adds to that job's md5; or `[job,
 * END]`, for which it writes the 16-octet digest to `result` and counts it in DONE.
 */
const PROGRAM = `
const { workerData } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const control = new Int32Array(workerData.control);
const ring = new Uint8Array(workerData.ring);
const words = new Int32Array(workerData.ring);
const result = new Uint8Array(workerData.result);
const jobs = new Map();
let tail = 0;
for (;;) {
  if (Atomics.load(control, ${USED}) === 0) {
    Atomics.wait(control, ${USED}, 0);
    continue;
  }
  const job = words[tail >> 2];
  const length = words[(tail >> 2) + 1];
  let size = 8;
  if (length >= 0) {
    let hash = jobs.get(job);
    if (hash === undefined) jobs.set(job, (hash = createHash("md5")));
    const start = (tail + 8) % ${RING_BYTES};
    const first = Math.min(length, ${RING_BYTES} - start);
    hash.update(ring.subarray(start, start + first));
    if (first < length) hash.update(ring.subarray(0, length - first));
    size += (length + 7) & ~7;
  } else {
    const hash = jobs.get(job) ?? createHash("md5");
    jobs.delete(job);
    if (length === ${END}) {
      result.set(hash.digest());
      Atomics.add(control, ${DONE}, 1);
      Atomics.notify(control, ${DONE});
    }
  }
  tail = (tail + size) % ${RING_BYTES};
  Atomics.sub(control, ${USED}, size);
  Atomics.notify(control, ${USED});
}
`;

/**
 * One worker thread that computes md5 digests for this thread, fed through a shared ring: a
 * chunk costs this thread a copy into memory already mapped (no allocation, no message), the
 * hashing is the worker's. Digests are asked for synchronously (the codec's Hasher interface), by
 * waiting for the worker with Atomics.wait, which Node, Deno and Bun allow on the main thread.
 */
class Md5Thread {
  readonly #control: Int32Array;
  readonly #ring: Uint8Array;
  readonly #words: Int32Array;
  readonly #result: Uint8Array;
  #head = 0;
  #jobs = 0;
  #ends = 0;
  readonly #forget = new FinalizationRegistry<number>((job) => this.#record(job, DISCARD));

  constructor() {
    const control = new SharedArrayBuffer(8);
    const ring = new SharedArrayBuffer(RING_BYTES);
    const result = new SharedArrayBuffer(16);
    this.#control = new Int32Array(control);
    this.#ring = new Uint8Array(ring);
    this.#words = new Int32Array(ring);
    this.#result = new Uint8Array(result);
    // Idle, it waits in Atomics.wait; unref'd, it does not keep the process alive.
    new Worker(PROGRAM, { eval: true, workerData: { control, ring, result } }).unref();
  }

  hasher(): Hasher {
    const job = ++this.#jobs;
    let done = false;
    const hasher: Hasher = {
      update: (data) => {
        for (let at = 0; at < data.length; at += MAX_RECORD) this.#record(job, Math.min(MAX_RECORD, data.length - at), data.subarray(at));
      },
      hexDigest: () => {
        if (done) throw new Error("md5: hexDigest() called twice");
        done = true;
        this.#forget.unregister(hasher);
        return this.#digest(job);
      },
    };
    // A body cut short never asks for its digest: the worker then forgets the job.
    this.#forget.register(hasher, job, hasher);
    return hasher;
  }

  #digest(job: number): string {
    this.#record(job, END);
    const target = ++this.#ends;
    this.#waitWhile(DONE, (done) => done < target);
    return Buffer.from(this.#result).toString("hex");
  }

  /** Writes one record, waiting while the ring has no room for it. */
  #record(job: number, length: number, payload?: Uint8Array): void {
    const size = 8 + (length > 0 ? (length + 7) & ~7 : 0);
    this.#waitWhile(USED, (used) => used + size > RING_BYTES);
    const head = this.#head;
    this.#words[head >> 2] = job;
    this.#words[(head >> 2) + 1] = length;
    if (payload !== undefined && length > 0) {
      const start = (head + 8) % RING_BYTES;
      const first = Math.min(length, RING_BYTES - start);
      this.#ring.set(payload.subarray(0, first), start);
      if (first < length) this.#ring.set(payload.subarray(first, length), 0);
    }
    this.#head = (head + size) % RING_BYTES;
    Atomics.add(this.#control, USED, size);
    Atomics.notify(this.#control, USED);
  }

  #waitWhile(index: number, busy: (value: number) => boolean): void {
    const deadline = performance.now() + STUCK_MS;
    for (let value = Atomics.load(this.#control, index); busy(value); value = Atomics.load(this.#control, index)) {
      if (Atomics.wait(this.#control, index, value, deadline - performance.now()) === "timed-out") {
        throw new Error(`md5: the hashing thread made no progress for ${STUCK_MS / 1000} s`);
      }
    }
  }
}

let shared: Md5Thread | null | undefined;

function startThread(): Md5Thread | null {
  // Where node:crypto refuses md5 (FIPS mode), NATIVE_HASHES holds the pure-JS one, and the
  // worker's createHash("md5") would throw: no worker then.
  if (NATIVE_HASHES.md5 === PURE_HASHES.md5) return null;
  try {
    return new Md5Thread();
  } catch {
    return null;
  }
}

/**
 * Bodies up to this size are hashed on this thread. The worker's round trip for a digest, its
 * wake-up and this thread's wait, cost recv about 0.35 ms a file (a thousand 1 KiB files, Node);
 * md5 here takes that long for about 256 KiB.
 */
export const INLINE_UP_TO = 256 * 1024;

/** Jobs handed to the worker so far: a body goes there once it outgrows INLINE_UP_TO. */
let workerJobs = 0;

/**
 * An md5 Hasher that keeps a body's first INLINE_UP_TO octets (copied: the caller reuses its
 * chunks) and hashes them on this thread if the body ends there; a larger body's go to the worker,
 * followed by the rest.
 */
class SmallHereLargeThere implements Hasher {
  #staged: Uint8Array[] | null = [];
  #stagedBytes = 0;
  #large: Hasher | null = null;

  update(data: Uint8Array): void {
    if (this.#large !== null) return this.#large.update(data);
    if (this.#stagedBytes + data.length <= INLINE_UP_TO) {
      if (data.length > 0) this.#staged!.push(data.slice());
      this.#stagedBytes += data.length;
      return;
    }
    // Tried once per process: where no worker can start, every body falls back at once.
    if (shared === undefined) shared = startThread();
    this.#large = shared?.hasher() ?? NATIVE_HASHES.md5();
    if (shared !== null) workerJobs++;
    for (const chunk of this.#staged!) this.#large.update(chunk);
    this.#staged = null;
    this.#large.update(data);
  }

  hexDigest(): string {
    if (this.#large !== null) return this.#large.hexDigest();
    if (this.#staged === null) throw new Error("md5: hexDigest() called twice");
    const here = NATIVE_HASHES.md5();
    for (const chunk of this.#staged) here.update(chunk);
    this.#staged = null;
    return here.hexDigest();
  }
}

/**
 * An md5 Hasher for `sockframe recv`, whose thread otherwise computes md5 and sha256 in turn on
 * every chunk of a file as it arrives: a body larger than INLINE_UP_TO is hashed on a worker
 * thread shared by all of them (started for the first such body), or by NATIVE_HASHES' on this
 * thread where no worker can be started.
 */
export function md5OffThread(): Hasher {
  return new SmallHereLargeThere();
}

/** Bodies md5OffThread() has hashed on the worker thread so far (0 where none could start). */
export function md5WorkerJobs(): number {
  return workerJobs;
}
