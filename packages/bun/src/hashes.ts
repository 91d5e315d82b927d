import { createHash } from "node:crypto";
import type { HashFactories, Hasher } from "@sockframe/codec";

function nodeHasher(algorithm: "md5" | "sha256"): () => Hasher {
  return () => {
    const hash = createHash(algorithm);
    return {
      update(data) {
        hash.update(data);
      },
      hexDigest() {
        return hash.digest("hex");
      },
    };
  };
}

/** Bun's native digests (node:crypto): several times faster than the codec's pure-JS defaults. */
export const nativeHashes: Required<HashFactories> = Object.freeze({
  md5: nodeHasher("md5"),
  sha256: nodeHasher("sha256"),
});

/** The options with the native digests filled in, unless the caller brought their own. */
export function withNativeHashes<T extends { hashes?: HashFactories }>(options: T): T {
  return { ...options, hashes: { ...nativeHashes, ...options.hashes } };
}
