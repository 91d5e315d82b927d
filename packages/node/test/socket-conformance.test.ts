import { defineSocketConformanceSuite } from "@sockframe/conformance/runner/socket.ts";
import { afterAll, test } from "vitest";
import { listen } from "../src/index.ts";

// Every decode vector through a real @sockframe/node server, over TCP and over Unix.
defineSocketConformanceSuite("node", test, afterAll, listen);
