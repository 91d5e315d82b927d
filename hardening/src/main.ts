/**
 * One entry point for every runtime:
 *
 *   main.ts serve SCENARIO [ADDR]     the scenario's server (./server.ts) on ADDR (default 127.0.0.1:0)
 *   main.ts drive SCENARIO URL        the scenario's clients (./drive.ts); one JSON line {"result"} on stdout
 *
 * Node: node --import tsx --conditions=source hardening/src/main.ts ...; Bun: bun hardening/src/main.ts ...;
 * Deno: deno run --conditions=source --allow-net=127.0.0.1 --allow-read=REPO hardening/src/main.ts ...  (run.mjs does all this)
 */
import process from "node:process";
import { errorText, isScenario, loadAdapter, runtime } from "./common.ts";
import { edges, mixed, shutdown } from "./drive.ts";
import { serve } from "./server.ts";

const DRIVER_DEADLINE_MS = 150_000;
const DRIVERS = { mixed, edges, shutdown } as const;

async function main(args: string[]): Promise<void> {
  const [command, scenario, address] = args;
  if (command === "serve" && isScenario(scenario)) {
    await serve(await loadAdapter(), scenario, address ?? "127.0.0.1:0");
    return;
  }
  if (command === "drive" && isScenario(scenario) && address !== undefined) {
    const deadline = setTimeout(() => {
      console.log(JSON.stringify({ error: `driver still running after ${DRIVER_DEADLINE_MS} ms` }));
      process.exit(4);
    }, DRIVER_DEADLINE_MS);
    const started = performance.now();
    try {
      const result = await DRIVERS[scenario](await loadAdapter(), address);
      console.log(JSON.stringify({ runtime, scenario, ms: Math.round(performance.now() - started), result }));
    } catch (error) {
      console.log(JSON.stringify({ runtime, scenario, error: errorText(error), stack: (error as Error)?.stack ?? null }));
    }
    clearTimeout(deadline);
    // Exit at once: a failed scenario may have left sockets or timers behind.
    process.exit(0);
  }
  console.error("usage: main.ts serve SCENARIO [ADDR] | drive SCENARIO URL");
  process.exit(2);
}

await main(process.argv.slice(2));
