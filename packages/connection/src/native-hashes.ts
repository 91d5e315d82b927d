import { createHash } from "node:crypto";
import { type HashFactories, type Hasher, PURE_HASHES } from "@sockframe/codec";

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

/** A FIPS-mode OpenSSL refuses MD5: the pure-JS digest stands in for it there. */
function available(algorithm: "md5" | "sha256"): boolean {
  try {
    createHash(algorithm);
    return true;
  } catch {
    return false;
  }
}

/** node:crypto's digests (Node, Deno and Bun all have it), several times faster than the codec's pure-JS defaults. */
export const NATIVE_HASHES: Required<HashFactories> = Object.freeze({
  md5: available("md5") ? nodeHasher("md5") : PURE_HASHES.md5,
  sha256: available("sha256") ? nodeHasher("sha256") : PURE_HASHES.sha256,
});

/** The options with node:crypto's digests for every algorithm the caller did not supply. */
export function withNativeHashes<T extends { hashes?: HashFactories }>(options: T): T & { hashes: HashFactories } {
  return { ...options, hashes: { ...NATIVE_HASHES, ...options.hashes } };
}
