/** One contender's run: returns the number of frames it decoded (checked by the caller). */
export type Run = () => number | Promise<number>;

export interface Sample {
  name: string;
  /** Median frames per second over the rounds. */
  framesPerSec: number;
  /** Median megabytes (10^6 octets) of input per second. */
  mbPerSec: number;
  /** Frames per second of each round, in order (round i of every contender ran side by side). */
  rounds?: number[];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Runs contenders side by side: round-robin, `rounds` times, each round long enough to time, and
 * reports medians. Interleaving puts a noisy neighbour's slowdowns on every contender alike, so the
 * ratios between them are steadier than the absolute figures.
 */
export async function compare(
  contenders: Record<string, Run>,
  inputBytes: number,
  expectedFrames: number,
  options: { rounds?: number; minMs?: number } = {},
): Promise<Record<string, Sample>> {
  const rounds = options.rounds ?? 5;
  const minMs = options.minMs ?? 200;
  const times = new Map<string, number[]>();
  for (const [name, run] of Object.entries(contenders)) {
    const frames = await run(); // warm-up, and a correctness check
    if (frames !== expectedFrames) throw new Error(`${name}: decoded ${frames} frames, expected ${expectedFrames}`);
    times.set(name, []);
  }
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of Object.entries(contenders)) {
      let runs = 0;
      const started = performance.now();
      let elapsed = 0;
      do {
        await run();
        runs++;
        elapsed = performance.now() - started;
      } while (elapsed < minMs);
      times.get(name)!.push(elapsed / runs);
    }
  }
  const out: Record<string, Sample> = {};
  for (const [name, list] of times) {
    const ms = median(list);
    out[name] = {
      name,
      framesPerSec: (expectedFrames * 1000) / ms,
      mbPerSec: inputBytes / 1000 / ms,
      rounds: list.map((roundMs) => (expectedFrames * 1000) / roundMs),
    };
  }
  return out;
}

/** The median of the per-round ratios of two contenders of one compare() (paired: same rounds), and their range. */
export function pairedRatio(ours: number[], theirs: number[]): { value: number; spread: [number, number] } {
  const ratios = ours.map((v, i) => v / theirs[i]!);
  return { value: median(ratios), spread: [Math.min(...ratios), Math.max(...ratios)] };
}
