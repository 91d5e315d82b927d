import { afterAll, test } from "bun:test";
import { defineSocketConformanceSuite } from "../../../conformance/runner/socket.ts";
import { bindDatagram, listen } from "../src/index.ts";

// Every decode vector of conformance/vectors through a real server of this adapter, over TCP and Unix;
// every datagram vector over UDP.
defineSocketConformanceSuite("bun", test, afterAll, listen, bindDatagram);
