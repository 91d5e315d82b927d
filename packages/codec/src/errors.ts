/** Stable error codes of SPEC 7.1. Never renamed: peers and users match on them. */
export type ErrorCode =
  | "HEADER_LENGTH_INVALID"
  | "HEADER_TOO_LARGE"
  | "HEADER_INVALID_JSON"
  | "HEADER_INVALID"
  | "BODY_TOO_LARGE"
  | "CHECKSUM_MISMATCH"
  | "TRUNCATED"
  | "DATAGRAM_TOO_LARGE"
  | "DATAGRAM_TRAILING_OCTETS";

/** Where an error arose: the part of the frame being decoded, the end of the stream, or encoding. */
export type ErrorStage = "prefix" | "header" | "body" | "end" | "encode";

/** The stage each code arises at while decoding (SPEC 7.1). */
export const ERROR_STAGES: Readonly<Record<ErrorCode, ErrorStage>> = Object.freeze({
  HEADER_LENGTH_INVALID: "prefix",
  HEADER_TOO_LARGE: "prefix",
  HEADER_INVALID_JSON: "header",
  HEADER_INVALID: "header",
  BODY_TOO_LARGE: "header",
  CHECKSUM_MISMATCH: "body",
  TRUNCATED: "end",
  DATAGRAM_TOO_LARGE: "prefix",
  DATAGRAM_TRAILING_OCTETS: "end",
});

/** Fields that locate an error in the decoded stream. */
export interface ErrorPosition {
  /** Stream offset (octets from the start of the stream) of the part that failed. */
  offset?: number;
  /** Zero-based index of the frame that failed (the number of frames completed before it). */
  frame?: number;
}

/** The one error class of sockframe: every protocol error is one of these, never anything else. */
export class SockframeError extends Error {
  readonly code: ErrorCode;
  readonly stage: ErrorStage;
  readonly offset: number | undefined;
  readonly frame: number | undefined;

  constructor(code: ErrorCode, stage: ErrorStage, message: string, position: ErrorPosition = {}) {
    super(`${code} (${stage}): ${message}`);
    this.name = "SockframeError";
    this.code = code;
    this.stage = stage;
    this.offset = position.offset;
    this.frame = position.frame;
  }
}

/** True for errors raised by sockframe itself (works across copies of the package). */
export function isSockframeError(value: unknown): value is SockframeError {
  return value instanceof SockframeError ||
    (value instanceof Error && value.name === "SockframeError" && typeof (value as SockframeError).code === "string");
}
