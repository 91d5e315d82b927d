import { codecSubject } from "./codec-subject.ts";
import { summarize, writeResults } from "./report.ts";
import { type CaseResult, runCase } from "./run.ts";
import { loadCases } from "./vectors.ts";

/**
 * Registers one test per vector with the runtime's own test framework, and a final step that
 * writes the results for the matrix. The same cases on every runtime: nothing here is per-runtime.
 */
export function defineConformanceSuite(
  impl: string,
  test: (name: string, run: () => void) => void,
  finish: (run: () => void) => void,
): void {
  const subject = codecSubject(impl);
  const results: CaseResult[] = [];
  for (const vector of loadCases()) {
    test(`[${vector.spec}] ${vector.id}`, () => {
      const result = runCase(vector, subject);
      results.push(result);
      if (!result.ok) throw new Error(`${vector.id}: ${result.detail}`);
    });
  }
  finish(() => {
    writeResults(impl, results);
    console.log(summarize(impl, results));
  });
}
