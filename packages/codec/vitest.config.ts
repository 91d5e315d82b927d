import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  // --allow-natives-syntax: test/v8-shapes.test.ts asks V8 about object shapes.
  test: { include: ["test/**/*.test.ts"], testTimeout: 120_000, execArgv: ["--allow-natives-syntax"] },
});
