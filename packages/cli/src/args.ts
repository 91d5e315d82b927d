import { parseArgs, type ParseArgsConfig } from "node:util";
import { MAX_TIMER_MS } from "@sockframe/connection";
import { UsageError } from "./errors.ts";

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>;
export type Values = Record<string, string | boolean | string[] | undefined>;

export interface Parsed {
  values: Values;
  positionals: string[];
}

/** node:util parseArgs (on Node, Deno and Bun alike), with its errors turned into one-line usage errors. */
export function parse(command: string, args: readonly string[], options: OptionSpec, allowPositionals: boolean): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals,
      strict: true,
    });
    return { values: values as Values, positionals };
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0]!.replace(/\. To specify a positional.*$/, "") : String(error);
    throw new UsageError(`${message} (see: sockframe ${command} --help)`);
  }
}

export function stringOption(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
}

export function requireOption(values: Values, name: string, command: string): string {
  const value = stringOption(values, name);
  if (value === undefined || value === "") throw new UsageError(`--${name} is required (see: sockframe ${command} --help)`);
  return value;
}

export function listOption(values: Values, name: string): string[] {
  const value = values[name];
  if (Array.isArray(value)) return value;
  return typeof value === "string" ? [value] : [];
}

const SIZE_UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gib: 1024 ** 3 };

/** `65536`, `64k`, `16MiB`, `2g`: a non-negative byte count. */
export function parseSize(text: string, name: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) throw new UsageError(`--${name}: not a size: ${JSON.stringify(text)} (examples: 65536, 64k, 16MiB, 2g)`);
  const bytes = Math.floor(Number(match[1]) * unit);
  if (!Number.isSafeInteger(bytes)) throw new UsageError(`--${name}: size too large: ${text}`);
  return bytes;
}

export { MAX_TIMER_MS };

/**
 * A duration option, in ms: `30`, `30s`, `500ms`, `2m` (a bare number is seconds). By default it
 * sets a timer: more than 0 and at most MAX_TIMER_MS (24.8 days). `min`/`max` for the others.
 */
export function parseDuration(text: string, name: string, { min = 1, max = MAX_TIMER_MS }: { min?: number; max?: number } = {}): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new UsageError(`--${name}: not a duration: ${JSON.stringify(text)} (examples: 30, 30s, 500ms, 2m)`);
  const scale = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? "s"]!;
  const ms = Math.round(Number(match[1]) * scale);
  if (ms < min) throw new UsageError(`--${name}: must be at least ${min} ms, got ${JSON.stringify(text)}`);
  if (ms > max) throw new UsageError(`--${name}: must be at most ${max} ms (${(max / 86_400_000).toFixed(1)} days), got ${JSON.stringify(text)}`);
  return ms;
}

export function parseCount(text: string, name: string, min: number): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < min) throw new UsageError(`--${name}: must be an integer of at least ${min}, got ${JSON.stringify(text)}`);
  return Number(text);
}
