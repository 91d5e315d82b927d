/**
 * Measures a file transfer between `sockframe put` and `sockframe recv` on each runtime: time,
 * throughput and the peak resident memory (VmHWM, Linux) of each side, and checks the received
 * file is identical.
 *
 *   npx tsx packages/cli/scripts/measure-transfer.ts [--size 2GiB] [--runtimes node,bun,deno] [--dir /tmp]
 *
 * Needs free disk of twice the size in --dir (the file and its received copy). The file is a
 * 16 MiB random block repeated, so creating it is quick and its digests are real work.
 */
import { randomBytes } from "node:crypto";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, open, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CliServer, collect, cliCommand, type Runtime, spawnTracked, watchPeakRss, killLeftovers } from "../test/support/cli.ts";

const { values } = parseArgs({
  options: {
    size: { type: "string", default: "2GiB" },
    runtimes: { type: "string", default: "node,bun,deno" },
    dir: { type: "string", default: "/tmp" },
  },
});

function parseSize(text: string): number {
  const match = /^(\d+)\s*(|k|kib|m|mib|g|gib)$/i.exec(text)!;
  const unit = { "": 1, k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gib: 1024 ** 3 }[match[2]!.toLowerCase()]!;
  return Number(match[1]) * unit;
}

async function makeFile(path: string, size: number): Promise<void> {
  const block = randomBytes(16 * 1024 * 1024);
  const handle = await open(path, "w");
  try {
    for (let written = 0; written < size;) {
      const part = block.subarray(0, Math.min(block.length, size - written));
      await handle.write(part);
      written += part.length;
    }
  } finally {
    await handle.close();
  }
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

const MiB = 1024 * 1024;
const size = parseSize(values.size!);
const runtimes = values.runtimes!.split(",") as Runtime[];
const work = await mkdtemp(join(values.dir!, "sf-measure-"));
const source = join(work, "payload.bin");
const rows: string[] = [];
try {
  process.stderr.write(`creating ${size} bytes in ${source}\n`);
  await makeFile(source, size);
  const expected = await sha256File(source);
  for (const runtime of runtimes) {
    const into = join(work, `into-${runtime}`);
    await import("node:fs/promises").then((fs) => fs.mkdir(into));
    const server = await CliServer.start(runtime, ["recv", "--listen", "127.0.0.1:0", "--dir", into]);
    const receiverPeak = watchPeakRss(server.pid);
    const [file, args] = cliCommand(runtime, ["put", "--quiet", "--connect", server.address, source]);
    const started = performance.now();
    const sender = spawnTracked(file, args);
    sender.stdin!.end();
    const senderPeak = watchPeakRss(sender.pid!);
    const result = await collect(sender, 30 * 60_000);
    const seconds = (performance.now() - started) / 1000;
    const senderBytes = senderPeak.stop();
    const receiverBytes = receiverPeak.stop();
    await server.stop();
    const received = join(into, "payload.bin");
    const ok = result.code === 0 && (await stat(received)).size === size && (await sha256File(received)) === expected;
    await rm(into, { recursive: true, force: true });
    const row = `| ${runtime} | ${(size / MiB).toFixed(0)} MiB | ${seconds.toFixed(1)} s | ${(size / MiB / seconds).toFixed(0)} MiB/s | ${(senderBytes / MiB).toFixed(1)} MiB | ${(receiverBytes / MiB).toFixed(1)} MiB | ${ok ? "identical" : `FAILED: ${result.stderr.trim()}`} |`;
    process.stderr.write(`${row}\n`);
    rows.push(row);
  }
} finally {
  killLeftovers();
  await rm(work, { recursive: true, force: true });
}
console.log("| runtime | file | time (hash + send + verify) | rate | put peak RSS | recv peak RSS | result |");
console.log("| --- | --- | --- | --- | --- | --- | --- |");
for (const row of rows) console.log(row);
