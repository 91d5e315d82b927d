// `npm run bench [-- --quick] [-- --out FILE]`: codec figures side by side with the libraries users
// would pick instead, the ratios of the performance issue, and the generated docs/bench pages.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { runCodecBench } from "./codec.ts";
import { type BenchReport, judge, markdown, svgChart } from "./report.ts";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    smoke: { type: "boolean", default: false },
    out: { type: "string" },
    docs: { type: "string" },
  },
});
const mode: BenchReport["mode"] = values.smoke ? "smoke" : values.quick ? "quick" : "full";
const scale = {
  full: { smallFrames: 500_000, largeFrames: 256, rounds: 7, minMs: 300 },
  quick: { smallFrames: 200_000, largeFrames: 128, rounds: 5, minMs: 200 },
  smoke: { smallFrames: 2_000, largeFrames: 4, rounds: 1, minMs: 1 },
}[mode];

const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
const codec = await runCodecBench(scale);
const report: BenchReport = {
  machine: {
    runtime,
    version: runtime === "node" ? process.version : runtime === "bun" ? (globalThis as unknown as { Bun: { version: string } }).Bun.version : (globalThis as unknown as { Deno: { version: { deno: string } } }).Deno.version.deno,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    date: new Date().toISOString(),
  },
  mode,
  groups: [
    { title: `Decoding ${scale.smallFrames} frames with 64 B bodies, 64 KiB chunks`, unit: "frames/s", samples: Object.values(codec.small) },
    { title: `Decoding ${scale.largeFrames} frames with 1 MiB bodies, 64 KiB chunks`, unit: "MB/s", samples: Object.values(codec.large) },
  ],
  ratios: judge(codec.ratios),
};

for (const [name, r] of Object.entries(report.ratios)) console.log(`${name.padEnd(40)} ${r.value.toFixed(2).padStart(6)}  target ${r.target}  ${r.met ? "met" : "NOT MET"}`);
if (values.out) writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
if (mode === "full" || values.docs) {
  const dir = values.docs ?? new URL("../../docs/bench/", import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/README.md`, markdown(report));
  writeFileSync(`${dir}/chart.svg`, svgChart(report));
  writeFileSync(`${dir}/results.json`, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`wrote ${dir}README.md, chart.svg, results.json`);
}
