import * as z from "zod";
import { MAX_SAFE_SIZE } from "./options.ts";

/** The `error` member of an error frame (SPEC 3.4.6). */
export interface ErrorInfo {
  code: string;
  message: string;
  [extension: string]: unknown;
}

/** A decoded v1 header: the fields of SPEC 3.4 plus any extension members. */
export interface Header {
  total_size: number;
  filename?: string;
  md5?: string;
  sha256?: string;
  id?: string | number;
  error?: ErrorInfo;
  [extension: string]: unknown;
}

const MD5_HEX = /^[0-9a-f]{32}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

type BaseShape = {
  total_size: z.ZodNumber;
  filename: z.ZodOptional<z.ZodString>;
  md5: z.ZodOptional<z.ZodString>;
  sha256: z.ZodOptional<z.ZodString>;
  id: z.ZodOptional<z.ZodUnion<readonly [z.ZodString, z.ZodNumber]>>;
  error: z.ZodOptional<z.ZodObject<{ code: z.ZodString; message: z.ZodString }, z.core.$loose>>;
};

/**
 * The base header as a zod schema (SPEC 3.4). Extend it for application fields:
 * `HeaderSchema.extend({ user: z.string() })`, then pass it as the `header` option.
 * Unknown members pass through (SPEC 3.4.7).
 */
export const HeaderSchema: z.ZodObject<BaseShape, z.core.$loose> = z.looseObject({
  total_size: z.number().int().min(0).max(MAX_SAFE_SIZE),
  filename: z.string().optional(),
  md5: z.string().regex(MD5_HEX, "md5 must be 32 lowercase hex digits").optional(),
  sha256: z.string().regex(SHA256_HEX, "sha256 must be 64 lowercase hex digits").optional(),
  id: z.union([z.string(), z.number().int().min(-MAX_SAFE_SIZE).max(MAX_SAFE_SIZE)]).optional(),
  error: z.looseObject({ code: z.string().min(1), message: z.string() }).optional(),
});

function isInteger(value: unknown, min: number, max: number): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

function own(object: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

/**
 * The checks of `HeaderSchema`, written out by hand because they run once per frame: zod costs
 * about as much as JSON.parse itself here. A property test holds the two to the same verdicts.
 * Returns null when valid, else a message naming the offending member.
 */
export function checkBaseHeader(header: Record<string, unknown>): string | null {
  const size = header.total_size;
  if (!isInteger(size, 0, MAX_SAFE_SIZE)) {
    return size === undefined && !own(header, "total_size")
      ? "total_size: required"
      : "total_size: must be an integer in 0..2^53-1";
  }
  const { filename, md5, sha256, id, error } = header;
  if (filename !== undefined && own(header, "filename") && typeof filename !== "string") {
    return "filename: must be a string";
  }
  if (md5 !== undefined && own(header, "md5") && !(typeof md5 === "string" && MD5_HEX.test(md5))) {
    return "md5: must be 32 lowercase hex digits";
  }
  if (sha256 !== undefined && own(header, "sha256") && !(typeof sha256 === "string" && SHA256_HEX.test(sha256))) {
    return "sha256: must be 64 lowercase hex digits";
  }
  if (id !== undefined && own(header, "id") && typeof id !== "string" && !isInteger(id, -MAX_SAFE_SIZE, MAX_SAFE_SIZE)) {
    return "id: must be a string or an integer in -(2^53-1)..2^53-1";
  }
  if (error !== undefined && own(header, "error")) {
    if (typeof error !== "object" || error === null || Array.isArray(error)) return "error: must be an object";
    const { code, message } = error as Record<string, unknown>;
    if (typeof code !== "string" || code.length === 0) return "error.code: must be a non-empty string";
    if (typeof message !== "string") return "error.message: must be a string";
  }
  return null;
}

/** Formats a zod failure as `path: message` for HEADER_INVALID (the issue path is part of it). */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.map(String).join(".") : "(header)"}: ${issue.message}`)
    .join("; ");
}
