#!/usr/bin/env node
// The sockframe command. Under Bun or Deno (`bunx --bun`, `deno run`), which run TypeScript
// themselves, it imports the sources directly.
//
// Under Node there is no build step either: at each start the TypeScript sources are bundled in
// memory by esbuild (the compiler tsx uses; about 0.1-0.3 s) and run in this very process, so
// Ctrl-C reaches the program's own handlers and its exit status is the process's. The "source"
// export condition makes the @sockframe packages resolve to their sources. Not tsx's loader
// (`--import tsx`): on Node 20 module hooks run on a loader thread with a V8 isolate of its own,
// which doubles the idle memory. Nor esbuild's buildSync: it keeps a worker thread (another
// isolate) and esbuild's own process alive for the life of the program, about 13 MiB more of
// this process's memory; build() and then stop() leave neither.
if ("Bun" in globalThis || "Deno" in globalThis) {
  await import("../src/main.ts");
} else {
  const { Buffer } = await import("node:buffer");
  const { fileURLToPath } = await import("node:url");
  const { build, stop } = await import("esbuild");
  let code;
  try {
    const result = await build({
      entryPoints: [fileURLToPath(new URL("../src/main.ts", import.meta.url))],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      conditions: ["source"],
      // Never loaded on Node (src/load-adapter.js picks the adapter of the runtime).
      external: ["@sockframe/deno", "@sockframe/bun"],
      // CommonJS dependencies (cli-progress) call require() for Node's built-in modules.
      banner: { js: `import { createRequire as __sockframeRequire } from "node:module"; const require = __sockframeRequire(${JSON.stringify(import.meta.url)});` },
      write: false,
      logLevel: "silent",
    });
    code = result.outputFiles[0].text;
    await stop();
  } catch (error) {
    process.stderr.write(`sockframe: cannot compile the CLI's sources: ${error instanceof Error ? error.message.split("\n")[0] : error}\n`);
    process.exit(70);
  }
  await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`);
}
