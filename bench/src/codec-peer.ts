// The codec matrix in Deno or Bun: `deno run ... codec-peer.ts JSON` / `bun codec-peer.ts JSON`
// prints `result [groups]` (progress on stderr). Started by main.ts; Node runs the matrix in process.
import process from "node:process";
import { type MatrixOptions, runCodecMatrix } from "./codec-matrix.ts";

const options = JSON.parse(process.argv[2] ?? "{}") as MatrixOptions;
try {
  const groups = await runCodecMatrix(options, (line) => console.error(line));
  console.log(`result ${JSON.stringify(groups)}`);
  process.exit(0);
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
}
