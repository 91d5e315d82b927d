#!/usr/bin/env node
// What a user of the published packages gets: packs each package as `npm publish` would, installs
// the tarballs into a fresh project outside this repository, and uses them there as a user would:
// plain Node (no loader, so dist/), Bun (the shipped sources), Deno (dist/, since Deno will not run
// TypeScript from node_modules), a strict TypeScript build against the declarations, the codec
// bundled for browsers, the CLI's bin on Node and Bun, and the docs' TypeScript examples (see
// doc-examples.mjs). Runs every check, then exits non-zero if
// any failed. Dependencies come from the npm cache when it has them (after `npm ci`: all of them).
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { docExamples } from "./doc-examples.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
const PACKAGES = ["codec", "connection", "node", "bun", "cli"];
const TIMEOUT_MS = 180_000;

const work = mkdtempSync(join(tmpdir(), "sf-consumer-"));
let failed = false;

function run(what, command, args, cwd, { env = {}, quiet = false, timeoutMs = TIMEOUT_MS } = {}) {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd, encoding: "utf8", timeout: timeoutMs, env: { ...process.env, ...env } });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    failed = true;
    const why = result.error ? result.error.message : result.signal ? `killed by ${result.signal}` : `exit ${result.status}`;
    console.error(`FAIL ${what} (${why}, ${seconds} s)\n${result.stdout}${result.stderr}`);
    return null;
  }
  console.log(`ok   ${what} (${seconds} s)${!quiet && result.stdout.trim() ? `\n     ${result.stdout.trim().split("\n").join("\n     ")}` : ""}`);
  return result.stdout;
}

try {
  const tarballs = join(work, "tarballs");
  mkdirSync(tarballs);
  const files = [];
  for (const name of PACKAGES) {
    // As from a fresh clone, where dist/ is not checked in: packing must build it (prepack).
    rmSync(join(root, "packages", name, "dist"), { recursive: true, force: true });
    const out = run(`npm pack @sockframe/${name}`, "npm", ["pack", "--json", "--pack-destination", tarballs], join(root, "packages", name), { quiet: true });
    if (out === null) throw new Error("packing failed");
    files.push(join(tarballs, JSON.parse(out)[0].filename));
  }

  const app = join(work, "app");
  cpSync(join(here, "app"), app, { recursive: true });
  writeFileSync(join(app, "package.json"), `${JSON.stringify({ name: "sockframe-consumer", private: true, type: "module" }, null, 2)}\n`);
  const typesNode = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).devDependencies["@types/node"];
  const installed = run(
    "npm install (the tarballs, from a project outside the repository)",
    "npm",
    ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", ...files, `@types/node@${typesNode}`],
    app,
    { quiet: true },
  );
  if (installed === null) throw new Error("install failed");

  run("node: @sockframe/node from dist", process.execPath, ["node-echo.mjs"], app);
  run("bun: @sockframe/bun", bin("bun"), ["bun-echo.ts"], app);
  run("deno: @sockframe/codec and @sockframe/node from node_modules", bin("deno"), ["run", "--quiet", "--allow-net=127.0.0.1", "--allow-read", "--allow-env", "--allow-sys", "deno-npm.ts"], app, { env: { NO_COLOR: "1" } });
  // The import map pins the codec's npm dependencies: the same versions as its package.json.
  const importMap = JSON.parse(readFileSync(join(root, "packages", "deno", "imports.json"), "utf8")).imports;
  for (const [name, version] of Object.entries(JSON.parse(readFileSync(join(root, "packages", "codec", "package.json"), "utf8")).dependencies)) {
    const mapped = importMap[name] ?? importMap[`${name}/`];
    if (mapped === undefined || !mapped.includes(`${name}@${version}`)) {
      failed = true;
      console.error(`FAIL packages/deno/imports.json maps ${name} to ${mapped}, not version ${version} (packages/codec/package.json)`);
    }
  }
  run("deno: @sockframe/deno from the repository, through its import map", bin("deno"), ["run", "--quiet", `--import-map=${join(root, "packages", "deno", "imports.json")}`, "--allow-net=127.0.0.1", "deno-native.ts"], app, { env: { NO_COLOR: "1" } });
  run("tsc --strict against the published declarations", bin("tsc"), ["-p", "tsconfig.json"], app);
  // The codec claims no runtime APIs: bundled for a browser, a node: import (or any other
  // built-in) would fail the build. No browser here to run it in; the bundle is run on Node.
  const esbuild = join(app, "node_modules", ".bin", "esbuild");
  if (run("esbuild: @sockframe/codec bundles for the browser", esbuild, ["browser.mjs", "--bundle", "--platform=browser", "--format=esm", "--outfile=browser.bundle.mjs", "--log-level=warning"], app) !== null) {
    run("the browser bundle decodes", process.execPath, ["browser.bundle.mjs"], app);
  }

  // The docs' examples, copied into this project as a user would: every one type-checks (strict),
  // and the complete ones run to their end. Bun's are run, not type-checked: the project has no
  // Bun types.
  const examples = docExamples(root);
  for (const example of examples) writeFileSync(join(app, example.name), example.code);
  const nodeExamples = examples.filter((example) => example.runtime === "node");
  writeFileSync(join(app, "tsconfig.examples.json"), JSON.stringify({ extends: "./tsconfig.json", files: nodeExamples.map((example) => example.name) }));
  const checked = run(`tsc --strict: the docs' ${nodeExamples.length} Node examples`, bin("tsc"), ["-p", "tsconfig.examples.json"], app);
  const denoExamples = examples.filter((example) => example.runtime === "deno");
  const denoImportMap = `--import-map=${join(root, "packages", "deno", "imports.json")}`;
  run(`deno check: the docs' ${denoExamples.length} Deno examples`, bin("deno"), ["check", "--quiet", denoImportMap, ...denoExamples.map((example) => example.name)], app, { env: { NO_COLOR: "1" } });
  for (const example of examples.filter((example) => example.runs)) {
    const what = `${example.where} runs on ${example.runtime}`;
    const options = { timeoutMs: 30_000, env: { NO_COLOR: "1" } };
    if (example.runtime === "bun") run(what, bin("bun"), [example.name], app, options);
    else if (example.runtime === "deno") run(what, bin("deno"), ["run", "--quiet", denoImportMap, "--allow-net=127.0.0.1", example.name], app, options);
    else if (checked !== null) {
      const compiled = example.name.replace(/\.ts$/, ".mjs");
      if (run(`esbuild ${example.name}`, esbuild, [example.name, "--format=esm", "--platform=node", `--outfile=${compiled}`, "--log-level=warning"], app, { quiet: true }) !== null) {
        run(what, process.execPath, [compiled], app, options);
      }
    }
  }

  // The CLI's bin, as `npx sockframe` runs it: inspect a captured stream of two frames.
  const { encodeFrame } = await import(join(app, "node_modules", "@sockframe", "codec", "dist", "index.js"));
  const capture = join(app, "capture.bin");
  const first = encodeFrame({ filename: "one.txt" }, new TextEncoder().encode("hello"));
  const second = encodeFrame({ filename: "two.txt" }, new Uint8Array(0));
  writeFileSync(capture, Buffer.concat([first, second]));
  const sockframeBin = join(app, "node_modules", ".bin", "sockframe");
  for (const [runtime, command] of [["node", process.execPath], ["bun", bin("bun")]]) {
    const inspected = run(`the sockframe bin on ${runtime} (inspect)`, command, [sockframeBin, "inspect", capture], app);
    if (inspected === null) continue;
    const lines = inspected.trim().split("\n").map((line) => JSON.parse(line));
    if (lines.length !== 2 || lines[0].header.filename !== "one.txt" || lines[0].preview !== "hello" || lines[1].offset !== first.length) {
      failed = true;
      console.error(`FAIL the sockframe bin on ${runtime} printed an unexpected decode:\n${inspected}`);
    }
  }
} catch (error) {
  failed = true;
  console.error(`FAIL ${error instanceof Error ? error.message : error}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
