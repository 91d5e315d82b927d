import { afterAll, test } from "bun:test";
import { defineSocketConformanceSuite } from "../../../conformance/runner/socket.ts";
import { listen } from "../src/index.ts";

// Every decode vector of conformance/vectors through a real server of this adapter, over TCP and Unix.
defineSocketConformanceSuite("bun", test, afterAll, listen);
