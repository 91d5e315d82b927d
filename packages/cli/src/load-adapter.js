// Plain JavaScript on purpose: tsc type-checks every module an import reaches, and the Deno and
// Bun adapters are written against their runtimes' globals, which a Node type-check cannot see.
// The literal specifiers keep the imports statically visible to Deno's module graph (no
// --allow-read needed for them). Types: load-adapter.d.ts.

/** @returns {"deno" | "bun" | "node"} */
export function detectRuntime() {
  if ("Deno" in globalThis) return "deno";
  if ("Bun" in globalThis) return "bun";
  return "node";
}

export async function loadAdapter() {
  const runtime = detectRuntime();
  if (runtime === "deno") return { runtime, ...(await import("@sockframe/deno")) };
  if (runtime === "bun") return { runtime, ...(await import("@sockframe/bun")) };
  return { runtime, ...(await import("@sockframe/node")) };
}
