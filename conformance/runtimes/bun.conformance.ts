import { afterAll, test } from "bun:test";
import { defineConformanceSuite } from "../runner/suite.ts";

defineConformanceSuite("bun", test, afterAll);
