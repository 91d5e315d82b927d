// Worker threads do not inherit `--import tsx` on Node 20: register tsx here, then load the
// TypeScript worker named in workerData.module.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.module);
