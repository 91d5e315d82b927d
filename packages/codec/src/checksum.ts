import { md5 } from "@noble/hashes/legacy.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import type { HashFactories, Hasher } from "./options.ts";

export type ChecksumName = "md5" | "sha256";

function nobleHasher(create: () => { update(data: Uint8Array): unknown; digest(): Uint8Array }): () => Hasher {
  return () => {
    const state = create();
    return {
      update(data) {
        state.update(data);
      },
      hexDigest() {
        return bytesToHex(state.digest());
      },
    };
  };
}

/** Pure-JS incremental digests (@noble/hashes): the defaults on every runtime. */
export const PURE_HASHES: Required<HashFactories> = Object.freeze({
  md5: nobleHasher(() => md5.create()),
  sha256: nobleHasher(() => sha256.create()),
});

/** The checks a header asks for (SPEC 4.2), with their running digests. */
export class ChecksumVerifier {
  readonly #checks: Array<{ name: ChecksumName; expected: string; hasher: Hasher }>;

  private constructor(checks: Array<{ name: ChecksumName; expected: string; hasher: Hasher }>) {
    this.#checks = checks;
  }

  /** Null when the header carries no digest: the common case costs nothing. */
  static forHeader(header: { md5?: unknown; sha256?: unknown }, hashes: HashFactories | undefined): ChecksumVerifier | null {
    const { md5: md5Hex, sha256: sha256Hex } = header;
    if (typeof md5Hex !== "string" && typeof sha256Hex !== "string") return null;
    const checks: Array<{ name: ChecksumName; expected: string; hasher: Hasher }> = [];
    if (typeof md5Hex === "string") {
      checks.push({ name: "md5", expected: md5Hex, hasher: (hashes?.md5 ?? PURE_HASHES.md5)() });
    }
    if (typeof sha256Hex === "string") {
      checks.push({ name: "sha256", expected: sha256Hex, hasher: (hashes?.sha256 ?? PURE_HASHES.sha256)() });
    }
    return new ChecksumVerifier(checks);
  }

  update(data: Uint8Array): void {
    for (const check of this.#checks) check.hasher.update(data);
  }

  /** The name of the first digest that does not match, or null. */
  mismatch(): ChecksumName | null {
    for (const check of this.#checks) {
      if (check.hasher.hexDigest() !== check.expected) return check.name;
    }
    return null;
  }
}

/** Hex digest of one buffer, for encoders that add checksums (SPEC 8.3). */
export function digestHex(name: ChecksumName, parts: readonly Uint8Array[], hashes?: HashFactories): string {
  const hasher = (hashes?.[name] ?? PURE_HASHES[name])();
  for (const part of parts) hasher.update(part);
  return hasher.hexDigest();
}
