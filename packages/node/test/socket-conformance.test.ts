import { defineSocketConformanceSuite } from "@sockframe/conformance/runner/socket.ts";
import { afterAll, test } from "vitest";
import { bindDatagram, listen } from "../src/index.ts";

// Every decode vector through a real @sockframe/node server, over TCP and over Unix; every datagram vector over UDP.
defineSocketConformanceSuite("node", test, afterAll, listen, bindDatagram);
