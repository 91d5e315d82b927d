import { defineConformanceSuite } from "../runner/suite.ts";

// Deno.test has no afterAll; tests run in registration order, so a last test writes the results.
declare const Deno: { test(name: string, run: () => void): void };
defineConformanceSuite("deno", (name, run) => Deno.test(name, run), (run) => Deno.test("write results", run));
