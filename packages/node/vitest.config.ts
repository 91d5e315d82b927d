import { defineConfig } from "vitest/config";
import { transferFlags } from "../connection/src/pass-on-read.ts";

export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  // Node 20 lacks ArrayBuffer.prototype.transfer, with which the adapter frees reads it is done with.
  test: { include: ["test/**/*.test.ts"], testTimeout: 120_000, execArgv: transferFlags() },
});
