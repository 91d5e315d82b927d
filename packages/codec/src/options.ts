import type { ZodType } from "zod";

/** Prefix byte order (SPEC 2.2): `be` is canonical; `le` is Python's `struct.pack('i')`. */
export type Profile = "be" | "le";

/** The largest integer a header may carry, 2^53 - 1. */
export const MAX_SAFE_SIZE: number = Number.MAX_SAFE_INTEGER;

/** Default limits of SPEC 5 (required defaults: two peers with defaults agree). */
export const DEFAULT_LIMITS: Readonly<{
  maxHeaderBytes: number;
  maxBodyBytes: number;
  maxStreamBodyBytes: number;
}> = Object.freeze({
  maxHeaderBytes: 64 * 1024,
  maxBodyBytes: 16 * 1024 * 1024,
  maxStreamBodyBytes: MAX_SAFE_SIZE,
});

/** Options shared by decoders and encoders. */
export interface CodecOptions {
  /** Prefix profile; default `be`. */
  profile?: Profile;
  /** SPEC 5.1; default 65536. The encoder refuses larger headers too. */
  maxHeaderBytes?: number;
}

/** Options of a decoder. */
export interface DecoderOptions<H = unknown> extends CodecOptions {
  /** SPEC 5.2, buffered mode; default 16 MiB. */
  maxBodyBytes?: number;
  /** SPEC 5.3, streaming mode; default 2^53 - 1. */
  maxStreamBodyBytes?: number;
  /**
   * A zod schema run after the base header checks, for application fields. Build it from
   * `HeaderSchema.extend({...})` so the output type keeps the base fields.
   */
  header?: ZodType<H>;
  /**
   * Digest implementations to use instead of the pure-JS defaults (for example node:crypto's,
   * which are several times faster). The codec itself stays free of runtime APIs.
   */
  hashes?: HashFactories;
}

/** An incremental digest. */
export interface Hasher {
  update(data: Uint8Array): void;
  /** Lowercase hex digest. */
  hexDigest(): string;
}

/** Factories of incremental digests by algorithm. */
export interface HashFactories {
  md5?: () => Hasher;
  sha256?: () => Hasher;
}

export interface ResolvedLimits {
  profile: Profile;
  maxHeaderBytes: number;
  maxBodyBytes: number;
  maxStreamBodyBytes: number;
}

/** The value if it is an integer in 0..max; a RangeError (a programming error) otherwise. */
export function checkLimit(name: string, value: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${name} must be an integer in 0..${max}, got ${String(value)}`);
  }
  return value;
}

/** Validates and fills in defaults; invalid options are programming errors (RangeError). */
export function resolveLimits(options: DecoderOptions<unknown> = {}): ResolvedLimits {
  const profile = options.profile ?? "be";
  if (profile !== "be" && profile !== "le") {
    throw new RangeError(`profile must be "be" or "le", got ${String(profile)}`);
  }
  const prefixMax = profile === "be" ? 0xffffffff : 0x7fffffff;
  return {
    profile,
    maxHeaderBytes: checkLimit("maxHeaderBytes", options.maxHeaderBytes ?? DEFAULT_LIMITS.maxHeaderBytes, prefixMax),
    maxBodyBytes: checkLimit("maxBodyBytes", options.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes, MAX_SAFE_SIZE),
    maxStreamBodyBytes: checkLimit(
      "maxStreamBodyBytes",
      options.maxStreamBodyBytes ?? DEFAULT_LIMITS.maxStreamBodyBytes,
      MAX_SAFE_SIZE,
    ),
  };
}
