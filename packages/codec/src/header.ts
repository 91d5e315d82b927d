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

const ID = 1;
const FILENAME = 2;
const MD5 = 4;
const SHA256 = 8;
const ERROR = 16;

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
  // One walk over the names present finds the optional members to check (usually just `id`):
  // cheaper than looking up every absent one on objects of many shapes. Header members are
  // enumerable (JSON.parse's, and the encoder's spread copy, have no other kind); inherited
  // enumerable names show up here too, and the own() checks below leave them out.
  let present = 0;
  for (const key in header) {
    if (key === "id") present |= ID;
    else if (key === "filename") present |= FILENAME;
    else if (key === "md5") present |= MD5;
    else if (key === "sha256") present |= SHA256;
    else if (key === "error") present |= ERROR;
  }
  if (present === 0) return null;
  if (present & FILENAME) {
    const filename = header.filename;
    if (filename !== undefined && own(header, "filename") && typeof filename !== "string") return "filename: must be a string";
  }
  if (present & MD5) {
    const md5 = header.md5;
    if (md5 !== undefined && own(header, "md5") && !(typeof md5 === "string" && MD5_HEX.test(md5))) {
      return "md5: must be 32 lowercase hex digits";
    }
  }
  if (present & SHA256) {
    const sha256 = header.sha256;
    if (sha256 !== undefined && own(header, "sha256") && !(typeof sha256 === "string" && SHA256_HEX.test(sha256))) {
      return "sha256: must be 64 lowercase hex digits";
    }
  }
  if (present & ID) {
    const id = header.id;
    if (id !== undefined && own(header, "id") && typeof id !== "string" && !isInteger(id, -MAX_SAFE_SIZE, MAX_SAFE_SIZE)) {
      return "id: must be a string or an integer in -(2^53-1)..2^53-1";
    }
  }
  if (present & ERROR) {
    const error = header.error;
    if (error !== undefined && own(header, "error")) {
      if (typeof error !== "object" || error === null || Array.isArray(error)) return "error: must be an object";
      const { code, message } = error as Record<string, unknown>;
      if (typeof code !== "string" || code.length === 0) return "error.code: must be a non-empty string";
      if (typeof message !== "string") return "error.message: must be a string";
    }
  }
  return null;
}

/** Formats a zod failure as `path: message` for HEADER_INVALID (the issue path is part of it). */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.map(String).join(".") : "(header)"}: ${issue.message}`)
    .join("; ");
}
