import type { Profile } from "@sockframe/codec";
import { UsageError } from "./errors.ts";

/**
 * `be` and `le` are the wire profiles of SPEC 2.2. `seed` is a compatibility mode with the
 * tutorial's Python programs: where they exchange raw text (echo, client, the command sent to
 * exec) it speaks raw text; where they frame (exec replies, and the tutorial's file header) it
 * frames with the `le` prefix, which is what `struct.pack('i', n)` writes.
 */
export type CliProfile = Profile | "seed";

export const PROFILE_OPTION = { profile: { type: "string", default: "be" } } as const;

export function parseProfile(text: string | undefined): CliProfile {
  const value = text ?? "be";
  if (value !== "be" && value !== "le" && value !== "seed") throw new UsageError(`--profile must be be, le or seed, got ${JSON.stringify(value)}`);
  return value;
}

/** The prefix profile a framed exchange uses under this CLI profile. */
export function wireProfile(profile: CliProfile): Profile {
  return profile === "seed" ? "le" : profile;
}
