import { createHash } from "node:crypto";

/** ASCII a-z to A-Z, every other octet unchanged: Python's `bytes.upper()`, which the seed's servers use. */
export function upperAscii(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(input.length);
  for (let i = 0; i < input.length; i++) {
    const byte = input[i]!;
    out[i] = byte >= 0x61 && byte <= 0x7a ? byte - 0x20 : byte;
  }
  return out;
}

export function sha256Hex(...parts: Uint8Array[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest("hex");
}

export function md5Hex(...parts: Uint8Array[]): string {
  const hash = createHash("md5");
  for (const part of parts) hash.update(part);
  return hash.digest("hex");
}

export const utf8Encoder: TextEncoder = new TextEncoder();
/** Lossy on purpose: for showing a peer's bytes to a person, never for parsing them. */
export const lossyUtf8: TextDecoder = new TextDecoder("utf-8");

export { concatBytes } from "@sockframe/codec";

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** 1536 -> "1.5 KiB". */
export function humanBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(bytes)} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** 75 -> "1m15s". */
export function humanSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
