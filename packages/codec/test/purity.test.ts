import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const srcDir = new URL("../src/", import.meta.url);
const sources = readdirSync(srcDir).filter((name) => name.endsWith(".ts"));
const ALLOWED_PACKAGES = ["zod", "@noble/hashes/legacy.js", "@noble/hashes/sha2.js", "@noble/hashes/utils.js"];

describe("the codec is pure", () => {
  it.each(sources)("%s imports only relative .ts modules, zod and @noble/hashes", (name) => {
    const code = readFileSync(new URL(name, srcDir), "utf8");
    const specifiers = [...code.matchAll(/(?:import|export)[^"']*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)].map(
      (m) => m[1] ?? m[2]!,
    );
    for (const specifier of specifiers) {
      if (specifier.startsWith(".")) expect(specifier).toMatch(/\.ts$/);
      else expect(ALLOWED_PACKAGES).toContain(specifier);
    }
  });

  it.each(sources)("%s uses no runtime-specific global", (name) => {
    const code = readFileSync(new URL(name, srcDir), "utf8").replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, "");
    expect(code).not.toMatch(/\b(?:Deno|Bun|process|Buffer|require|__dirname|globalThis\.(?:process|Deno|Bun))\b|node:/);
  });
});
