import { defineConfig } from "vitest/config";
import { transferFlags } from "./src/pass-on-read.ts";

export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  // Node 20 lacks ArrayBuffer.prototype.transfer, which passOnRead() frees reads with; and
  // test/v8-shapes.test.ts asks V8 about object shapes.
  test: { include: ["test/**/*.test.ts"], testTimeout: 120_000, execArgv: [...transferFlags(), "--allow-natives-syntax"] },
});
