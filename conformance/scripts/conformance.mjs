#!/usr/bin/env node
// Runs the one vector suite on every implementation (node, deno, bun, python), then prints the
// matrix of implementation x SPEC section from the results each run leaves in .results/, and
// exits non-zero on any failure or on an implementation that reported nothing.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "..", "node_modules", ".bin", name);
const results = join(root, ".results");

const runs = [
  { impl: "node", cmd: bin("vitest"), args: ["run", "--reporter=dot"] },
  { impl: "bun", cmd: bin("bun"), args: ["test", "./runtimes/bun.conformance.ts"] },
  {
    impl: "deno",
    cmd: bin("deno"),
    args: ["test", "--quiet", "--conditions=source", `--allow-read=${root}`, `--allow-write=${results}`, "runtimes/deno.conformance.ts"],
  },
  { impl: "python", cmd: "python3", args: ["python/run_vectors.py"] },
  { impl: "python-unit", cmd: "python3", args: ["-m", "unittest", "discover", "-s", "python", "-p", "test_*.py"], noResults: true },
];

rmSync(results, { recursive: true, force: true });
const exitCodes = new Map();
for (const run of runs) {
  console.log(`\n=== ${run.impl}: ${[run.cmd.replace(`${root}/../`, ""), ...run.args].join(" ")}`);
  const child = spawnSync(run.cmd, run.args, { cwd: root, stdio: "inherit", env: { ...process.env, NO_COLOR: "1" } });
  exitCodes.set(run.impl, child.status ?? 1);
}

const impls = runs.filter((run) => !run.noResults).map((run) => run.impl);
const table = new Map();
let failed = false;
for (const impl of impls) {
  const file = join(results, `${impl}.json`);
  if (!existsSync(file)) {
    console.error(`${impl}: no results written`);
    failed = true;
    continue;
  }
  const { cases } = JSON.parse(readFileSync(file, "utf8"));
  if (cases.length === 0) failed = true;
  for (const result of cases) {
    const section = result.spec;
    if (!table.has(section)) table.set(section, new Map());
    const cell = table.get(section).get(impl) ?? { pass: 0, fail: 0 };
    cell[result.ok ? "pass" : "fail"]++;
    table.get(section).set(impl, cell);
    if (!result.ok) failed = true;
  }
}
for (const [impl, code] of exitCodes) {
  if (code !== 0) {
    console.error(`${impl}: exited with ${code}`);
    failed = true;
  }
}

const sections = [...table.keys()].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
const width = 12;
console.log(`\nConformance matrix (vectors passed / run, by SPEC section)\n`);
console.log(["section".padEnd(10), ...impls.map((i) => i.padStart(width))].join(""));
const totals = new Map(impls.map((i) => [i, { pass: 0, fail: 0 }]));
for (const section of sections) {
  const row = [section.padEnd(10)];
  for (const impl of impls) {
    const cell = table.get(section).get(impl);
    if (cell === undefined) {
      row.push("-".padStart(width));
      failed = true;
      continue;
    }
    totals.get(impl).pass += cell.pass;
    totals.get(impl).fail += cell.fail;
    const text = `${cell.fail > 0 ? "FAIL " : ""}${cell.pass}/${cell.pass + cell.fail}`;
    row.push(text.padStart(width));
  }
  console.log(row.join(""));
}
console.log(["total".padEnd(10), ...impls.map((i) => `${totals.get(i).pass}/${totals.get(i).pass + totals.get(i).fail}`.padStart(width))].join(""));
const ran = Math.max(...impls.map((i) => totals.get(i).pass + totals.get(i).fail));
console.log(failed ? "\nconformance: FAILED" : `\nconformance: ${ran} vectors pass on ${impls.join(", ")}`);
process.exit(failed ? 1 : 0);
