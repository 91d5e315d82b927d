// length-prefixed-stream ships no types: the little the bench uses of it.
declare module "length-prefixed-stream" {
  import type { Transform } from "node:stream";
  const lps: {
    encode(): Transform;
    decode(options?: { limit?: number; allowEmpty?: boolean }): Transform;
  };
  export default lps;
}
