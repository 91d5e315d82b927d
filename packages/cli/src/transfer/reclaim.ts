import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

type Collect = (options?: { type?: "minor" | "major" }) => void;

interface Collector {
  collect(): void;
  /** Octets between two collections. */
  every: number;
}

const MiB = 1024 * 1024;

function findCollector(): Collector | null {
  const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
  if (bun !== undefined) return { collect: () => bun.gc(false), every: 4 * MiB };
  try {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as Collect;
    // Deno calls such a gc through its node:vm context at about 15 ms, whatever the type (Node:
    // well under 1 ms for a minor one): fewer calls there keep a transfer's time about the same.
    const deno = "Deno" in globalThis;
    return { collect: () => gc({ type: "minor" }), every: deno ? 16 * MiB : 4 * MiB };
  } catch {
    return null;
  }
}

let collector: Collector | null | undefined;

/**
 * Returns a function to call as octets stream through; now and then it asks the engine to collect
 * young garbage. Each buffer a socket read or a file read yields is garbage a moment later, but
 * V8 frees buffer memory only at a collection, and starts one for buffers only after about 64 MiB
 * of them: a transfer would sit that far above its working set, past 100 MiB in all. Measured
 * with a 2 GiB file (README), this keeps each side below that.
 */
export function reclaimEvery(): (octets: number) => void {
  collector ??= findCollector();
  const active = collector;
  if (active === null) return () => undefined;
  let since = 0;
  return (octets) => {
    since += octets;
    if (since >= active.every) {
      since = 0;
      active.collect();
    }
  };
}
