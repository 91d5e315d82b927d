/**
 * The shared socket-conformance suite (conformance/runner/socket.ts): every decode vector through a
 * real server of this adapter, over TCP and Unix, and every datagram vector over UDP. Run on its own (`npm run test:conformance`): the
 * runner picks random socket paths under the temp dir, which Deno's per-path --allow-net cannot
 * name in advance, so it needs broader permissions than the unit tests.
 */
import { defineSocketConformanceSuite } from "../../../conformance/runner/socket.ts";
import { bindDatagram, listen } from "../src/index.ts";

// The servers live from the first case to the last, so the per-test leak checks are off.
const options = { sanitizeOps: false, sanitizeResources: false };

defineSocketConformanceSuite(
  "deno",
  (name, run) => Deno.test({ name, fn: run, ...options }),
  (run) => Deno.test({ name: "close the servers and summarize", fn: run, ...options }),
  listen,
  bindDatagram,
);
