/**
 * What the hardening peers share: the runtime they run on, its adapter, the ops the test server
 * understands, and small bounded helpers. Runtime-neutral: Node, Deno and Bun run this same code,
 * each with its own adapter (@sockframe/node, @sockframe/deno, @sockframe/bun).
 */
import process from "node:process";
import type { Address, Connection, ConnectionHandler, Server, ServerOptions } from "@sockframe/connection";

export type Runtime = "node" | "deno" | "bun";

export const runtime: Runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";

/** What the scenarios use of an adapter: the API all three share. */
export interface Adapter {
  listen(address: string | Address, handler: ConnectionHandler, options?: ServerOptions & { streamBodies?: boolean }): Promise<Server>;
  connect(address: string | Address, options?: { closeTimeoutMs?: number; maxQueuedFrames?: number }): Promise<Connection>;
}

export async function loadAdapter(): Promise<Adapter> {
  // Not a literal: the type checker must not follow the other runtimes' adapters (their globals).
  const specifier = `@sockframe/${runtime}`;
  return (await import(specifier)) as Adapter;
}

/** The scenarios, run in this order. */
export const SCENARIOS = ["mixed", "edges", "shutdown"] as const;
export type Scenario = (typeof SCENARIOS)[number];

export function isScenario(name: string | undefined): name is Scenario {
  return (SCENARIOS as readonly string[]).includes(name ?? "");
}

export const MiB = 1024 * 1024;

/** Resident set size of this process, in octets. */
export function rss(): number {
  return process.memoryUsage().rss;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const encoder = new TextEncoder();
export const decoder = new TextDecoder();

/** bytes.upper(): a-z only, every other octet as it is (a copy). */
export function asciiUpper(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body);
  for (let i = 0; i < out.length; i++) {
    const octet = out[i]!;
    if (octet >= 0x61 && octet <= 0x7a) out[i] = octet - 0x20;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Resolves with `promise`'s value, or with `fallback` after `ms` (never hangs). */
export async function within<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<F>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `tasks` with at most `limit` at once; results in order. */
export async function pool<T>(count: number, limit: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return results;
}

export const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;

export function errorText(error: unknown): string {
  if (error instanceof Error) return `${(error as { code?: string }).code ?? error.name}: ${error.message}`;
  return String(error);
}

/** Server options per scenario: short deadlines, so that hostile peers are cut within the test's time. */
export const SERVER_OPTIONS: Record<Scenario, ServerOptions> = {
  mixed: { headerTimeoutMs: 500, idleTimeoutMs: 30_000, writeStallTimeoutMs: 2_000, shutdownTimeoutMs: 10_000 },
  edges: { headerTimeoutMs: 500, idleTimeoutMs: 1_500, writeStallTimeoutMs: 1_000, shutdownTimeoutMs: 10_000 },
  shutdown: { headerTimeoutMs: 5_000, idleTimeoutMs: 30_000, writeStallTimeoutMs: 10_000, shutdownTimeoutMs: 10_000 },
};
