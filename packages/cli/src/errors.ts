/** A failure to report as one line on stderr, with this exit status. No stack: it is the user's problem, not a bug. */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

/** Wrong arguments: exit status 2, as is usual for command-line tools. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = "UsageError";
  }
}

const SYSTEM_MESSAGES: Record<string, string> = {
  ECONNREFUSED: "connection refused (is the server running?)",
  ECONNRESET: "connection reset by the peer",
  EPIPE: "the peer closed the connection",
  EADDRINUSE: "address already in use",
  EADDRNOTAVAIL: "address not available on this machine",
  EACCES: "permission denied",
  ENOENT: "no such file or directory",
  ETIMEDOUT: "timed out",
  EHOSTUNREACH: "host unreachable",
  ENOTFOUND: "host not found",
};

/** "CODE: message", unless the message starts with its code already (a SockframeError's does). */
export function withCode(code: string, message: string): string {
  return message.startsWith(`${code} `) || message.startsWith(`${code}:`) ? message : `${code}: ${message}`;
}

/** A readable one-line description of any thrown value. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  // The adapters' own messages (a path that is not a socket, a missing directory) say more than a code's.
  const ours = error.message.startsWith("sockframe: ");
  if (typeof code === "string" && code in SYSTEM_MESSAGES && !(error instanceof CliError) && !ours) {
    const detail = SYSTEM_MESSAGES[code]!;
    // node's own messages repeat the code and the address ("connect ECONNREFUSED 127.0.0.1:1").
    const address = /\s((?:\d{1,3}\.){3}\d{1,3}:\d+|\[[^\]]+\]:\d+|\/\S+)\s*$/.exec(error.message)?.[1];
    return address ? `${address}: ${detail}` : detail;
  }
  // The library's messages start with "sockframe: ", and ours with "sockframe <command>: ".
  return error.message.split("\n")[0]!.replace(/^sockframe: /, "");
}
