// `npm run bench [-- --quick] [-- --out FILE] [-- --from FILE]`: codec figures side by side with the libraries users
// would pick instead, transport figures per runtime against raw sockets and ws, the ratios of the
// performance issue, and the generated docs/bench pages. `--only codec|transport` runs one half.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { transferFlags } from "@sockframe/connection";
import { runCodecBench } from "./codec.ts";
import { type MatrixGroup, type MatrixOptions, runCodecMatrix } from "./codec-matrix.ts";
import { type BenchReport, judge, markdown, svgChart } from "./report.ts";
import { RUNTIMES, runScript, runTransportBench, type TransportScale } from "./transport.ts";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    smoke: { type: "boolean", default: false },
    out: { type: "string" },
    docs: { type: "string" },
    only: { type: "string" },
    from: { type: "string" },
  },
});

// `--from FILE`: regenerate docs/bench (or --docs DIR) from a results file of an earlier run.
if (values.from !== undefined) {
  const saved = JSON.parse(readFileSync(values.from, "utf8")) as BenchReport;
  const dir = values.docs ?? fileURLToPath(new URL("../../docs/bench/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "README.md"), markdown(saved));
  writeFileSync(join(dir, "chart.svg"), svgChart(saved));
  writeFileSync(join(dir, "results.json"), `${JSON.stringify(saved, null, 2)}\n`);
  console.log(`wrote ${join(dir, "README.md")}, chart.svg, results.json from ${values.from}`);
  process.exit(0);
}
const mode: BenchReport["mode"] = values.smoke ? "smoke" : values.quick ? "quick" : "full";
const scale = {
  full: { smallFrames: 500_000, largeFrames: 256, rounds: 7, minMs: 300, matrix: true },
  quick: { smallFrames: 200_000, largeFrames: 128, rounds: 5, minMs: 200, matrix: false },
  smoke: { smallFrames: 2_000, largeFrames: 4, rounds: 1, minMs: 1, matrix: true },
}[mode];
const transportScale: TransportScale = {
  full: { runtimes: RUNTIMES, rounds: 7, minMs: 300, warmupMs: 1000, unix: true, cross: true, streamBytes: 256 * 2 ** 20, transferBytes: 2 ** 30 },
  quick: { runtimes: RUNTIMES, rounds: 5, minMs: 200, warmupMs: 600, unix: false, cross: false, streamBytes: 0, transferBytes: 2 ** 30 },
  smoke: { runtimes: RUNTIMES, rounds: 1, minMs: 1, warmupMs: 1, unix: true, cross: true, streamBytes: 2 ** 20, transferBytes: 4 * 2 ** 20 },
}[mode];
const runCodec = values.only === undefined || values.only === "codec";
const runTransport = values.only === undefined || values.only === "transport";

const root = fileURLToPath(new URL("../../", import.meta.url));
const started = performance.now();
const log = (line: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);

function versionOf(commandPath: string): string {
  const result = spawnSync(commandPath, ["--version"], { encoding: "utf8" });
  return result.status === 0 ? (result.stdout.split("\n")[0] ?? "").trim() : "unavailable";
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/**
 * Allocator settings in the environment, which every peer inherits: they decide whether freed large
 * bodies go back to the kernel, and so move the 1 MiB figures (docs/bench notes).
 */
function allocatorSettings(): string {
  const set = Object.entries(process.env)
    .filter(([name]) => name === "GLIBC_TUNABLES" || name.startsWith("MALLOC_") || name.startsWith("MIMALLOC_"))
    .map(([name, value]) => `${name}=${value}`);
  return set.length > 0 ? set.join(" ") : "runtime defaults";
}

const report: BenchReport = {
  machine: {
    runtime: "node",
    version: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    date: new Date().toISOString(),
    allocator: allocatorSettings(),
  },
  versions: {
    node: process.version,
    "node flags (transport peers)": transferFlags().join(" ") || "none",
    deno: versionOf(join(root, "node_modules", ".bin", "deno")),
    bun: versionOf(join(root, "node_modules", ".bin", "bun")),
    ...Object.fromEntries(["it-length-prefixed", "uint8arraylist", "length-prefixed-stream", "ws", "bufferutil", "zod"].map((name) => [name, packageVersion(name)])),
  },
  mode,
  groups: [],
  ratios: {},
  transfers: [],
};

const ratios: Record<string, number> = {};
const spread: Record<string, [number, number]> = {};
const context: Record<string, number> = {};
if (runCodec) {
  log("codec: decoding side by side (Node)");
  const codec = await runCodecBench(scale);
  report.groups.push(
    { title: `Decoding ${scale.smallFrames} frames with 64 B bodies, 64 KiB chunks`, unit: "frames/s", samples: Object.values(codec.small) },
    { title: `Decoding ${scale.largeFrames} frames with 1 MiB bodies, 64 KiB chunks`, unit: "MB/s", samples: Object.values(codec.large) },
  );
  Object.assign(ratios, codec.ratios);
  Object.assign(context, codec.context);
  Object.assign(spread, codec.spread);
}
if (runCodec && scale.matrix) {
  const sizes = mode === "smoke" ? [0, 64, 64 * 1024] : [0, 64, 1024, 64 * 1024, 2 ** 20, 16 * 2 ** 20];
  const matrix: MatrixOptions = {
    sizes,
    chunkings: [0, 64 * 1024, 1024],
    rounds: mode === "smoke" ? 1 : 3,
    minMs: mode === "smoke" ? 1 : 100,
    inputBytes: mode === "smoke" ? 256 * 1024 : 32 * 2 ** 20,
    minFrames: mode === "smoke" ? 2 : 8,
    maxFrames: mode === "smoke" ? 200 : 100_000,
  };
  for (const runtime of RUNTIMES) {
    log(`codec matrix on ${runtime}`);
    const groups =
      runtime === "node"
        ? await runCodecMatrix(matrix, log)
        : (JSON.parse(await runScript(runtime, join(root, "bench", "src", "codec-peer.ts"), [JSON.stringify(matrix)], 30 * 60_000)) as MatrixGroup[]);
    const name = runtime === "node" ? "Node" : runtime === "deno" ? "Deno" : "Bun";
    report.groups.push(...groups.map((g) => ({ ...g, title: `Codec matrix, ${name}: ${g.title}`, chart: false })));
  }
}
if (runTransport) {
  const transport = await runTransportBench(transportScale, log);
  report.groups.push(...transport.groups);
  report.transfers = transport.transfers;
  report.transportRuns = transport.runs;
  report.versions["ws uses bufferutil"] = String(transport.wsBufferutil);
  Object.assign(ratios, transport.ratios);
  Object.assign(context, transport.context);
  Object.assign(spread, transport.spread);
}
report.ratios = judge(ratios, spread);
report.context = Object.fromEntries(Object.entries(context).map(([name, value]) => [name, { value, spread: spread[name] }]));
log("done");

for (const [name, r] of Object.entries(report.ratios)) {
  const range = r.spread ? `  (rounds ${r.spread[0].toFixed(2)}..${r.spread[1].toFixed(2)})` : "";
  console.log(`${name.padEnd(40)} ${r.value.toFixed(2).padStart(7)}  target ${r.target.padEnd(7)} ${r.met ? "met    " : "NOT MET"}${range}`);
}
if (values.out) writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
if (mode === "full" || values.docs) {
  const dir = values.docs ?? join(root, "docs", "bench");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "README.md"), markdown(report));
  writeFileSync(join(dir, "chart.svg"), svgChart(report));
  writeFileSync(join(dir, "results.json"), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`wrote ${join(dir, "README.md")}, chart.svg, results.json`);
}
