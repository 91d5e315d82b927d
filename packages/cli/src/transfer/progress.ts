import cliProgress from "cli-progress";
import { humanBytes, humanSeconds } from "../bytes.ts";

/** Progress of one transfer (or one pass over a file). */
export interface Progress {
  update(done: number): void;
  /** The last state, and the bar released. */
  finish(done: number): void;
}

const LINE_INTERVAL_MS = 2000;

function rateOf(done: number, startedAt: number): number {
  const seconds = (performance.now() - startedAt) / 1000;
  return seconds > 0 ? done / seconds : 0;
}

function describe(label: string, done: number, total: number, startedAt: number): string {
  const rate = rateOf(done, startedAt);
  const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
  const eta = rate > 0 ? humanSeconds((total - done) / rate) : "?";
  return `${label}: ${humanBytes(done)} / ${humanBytes(total)} (${percent}%), ${humanBytes(rate)}/s, ETA ${eta}`;
}

/**
 * A bar drawn by cli-progress when standard error is a terminal; otherwise (a pipe, a log file, CI)
 * a plain line every 2 seconds and one at the end, which logs can keep.
 */
export function createProgress(label: string, total: number, enabled: boolean): Progress {
  const startedAt = performance.now();
  if (!enabled) return { update() {}, finish() {} };
  if (process.stderr.isTTY !== true) {
    let lastLine = startedAt;
    return {
      update(done) {
        const now = performance.now();
        if (now - lastLine < LINE_INTERVAL_MS) return;
        lastLine = now;
        process.stderr.write(`${describe(label, done, total, startedAt)}\n`);
      },
      finish(done) {
        process.stderr.write(`${describe(label, done, total, startedAt)}\n`);
      },
    };
  }
  const bar = new cliProgress.SingleBar({
    format: `${label} [{bar}] {percentage}% | {doneText} / {totalText} | {rateText} | ETA {etaText}`,
    stream: process.stderr,
    hideCursor: true,
    barsize: 24,
    fps: 10,
    etaBuffer: 50,
  }, cliProgress.Presets.shades_classic);
  const payload = (done: number) => {
    const rate = rateOf(done, startedAt);
    return {
      doneText: humanBytes(done),
      totalText: humanBytes(total),
      rateText: `${humanBytes(rate)}/s`,
      etaText: rate > 0 ? humanSeconds((total - done) / rate) : "?",
    };
  };
  bar.start(Math.max(total, 1), 0, payload(0));
  return {
    update(done) {
      bar.update(total === 0 ? 1 : done, payload(done));
    },
    finish(done) {
      bar.update(total === 0 ? 1 : done, payload(done));
      bar.stop();
    },
  };
}
