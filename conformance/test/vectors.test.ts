import { afterAll, test } from "vitest";
import { defineConformanceSuite } from "../runner/suite.ts";

defineConformanceSuite("node", test, afterAll);
