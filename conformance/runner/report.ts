import { mkdirSync, writeFileSync } from "node:fs";
import type { CaseResult } from "./run.ts";
import { CONFORMANCE_DIR } from "./vectors.ts";

/** The results file a runtime leaves for the matrix (scripts/conformance.mjs). */
export function writeResults(impl: string, results: CaseResult[]): void {
  const dir = `${CONFORMANCE_DIR}.results/`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}${impl}.json`, JSON.stringify({ impl, cases: results }, null, 1));
}

/** A one-column summary by SPEC section, for a runtime's own log. */
export function summarize(impl: string, results: CaseResult[]): string {
  const bySection = new Map<string, { pass: number; fail: number }>();
  for (const result of results) {
    const row = bySection.get(result.spec) ?? { pass: 0, fail: 0 };
    if (result.ok) row.pass++;
    else row.fail++;
    bySection.set(result.spec, row);
  }
  const lines = [`${impl}: ${results.filter((r) => r.ok).length}/${results.length} vectors pass`];
  for (const [section, row] of [...bySection].sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }))) {
    lines.push(`  ${section.padEnd(8)} ${row.pass} pass${row.fail > 0 ? `, ${row.fail} FAIL` : ""}`);
  }
  for (const failure of results.filter((r) => !r.ok)) lines.push(`  FAIL ${failure.id}: ${failure.detail}`);
  return lines.join("\n");
}
