/** The longest name most Linux and macOS file systems take: 255 octets. */
export const MAX_NAME_BYTES = 255;

/** Temporary files of recv live beside the final ones; no sender may name (or overwrite) one. */
export const TEMP_PREFIX = ".sockframe-";
export const TEMP_SUFFIX = ".part";

/** Whether `name` has the form of recv's temporary files (`.sockframe-*.part`). */
export function isTempName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX) && name.endsWith(TEMP_SUFFIX);
}

/**
 * Unicode's default-ignorable code points (drawn as nothing), but for those that scripts need to
 * join or shape their letters: ZWNJ and ZWJ (Persian, Indic scripts, emoji sequences), and the
 * variation selectors (emoji presentation, Mongolian, ideographic variants).
 */
const INVISIBLE = /(?![\u200c\u200d\u180b-\u180d\u180f\ufe00-\ufe0f\u{e0100}-\u{e01ef}])\p{Default_Ignorable_Code_Point}/u;

/**
 * Why `name` must not be used as a file name in the receiving directory, or null if it is safe.
 *
 * A name is one path component: no slash at all (so no absolute paths and no subdirectories,
 * which would let a symlink inside DIR lead out of it), no backslash (a separator on Windows), not
 * "." or "..", no NUL, no control characters (C0, DEL, C1: they rewrite terminals showing the
 * name), no bidirectional-text controls (they disguise an extension, "txt.exe" shown as "exe.txt"),
 * no invisible characters that only tell a name from its look-alike (Unicode's default-ignorable
 * code points: zero-width space, soft hyphen, word joiner, byte order mark, fillers, tags, ...)
 * nor line or paragraph separators, not empty, at most 255 octets of UTF-8, and not one of recv's
 * own temporary names.
 */
export function unsafeNameReason(name: unknown): string | null {
  if (typeof name !== "string") return "no filename in the header";
  if (name.length === 0) return "the name is empty";
  if (name.includes("\0")) return "the name contains NUL";
  if (name.includes("/")) return name.startsWith("/") ? "absolute paths are refused" : "the name contains a slash (directories are refused)";
  if (name.includes("\\")) return "the name contains a backslash";
  if (name === "." || name === "..") return `the name is ${JSON.stringify(name)}`;
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return "the name contains control characters";
  if (/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/.test(name)) return "the name contains bidirectional text controls";
  if (INVISIBLE.test(name) || /[\u2028\u2029]/.test(name)) return "the name contains invisible characters or line separators";
  if (!name.isWellFormed()) return "the name is not valid Unicode";
  if (new TextEncoder().encode(name).length > MAX_NAME_BYTES) return `the name is longer than ${MAX_NAME_BYTES} bytes`;
  if (isTempName(name)) return "the name is reserved for sockframe's temporary files";
  return null;
}
