import { md5Hex } from "../bytes.ts";
import { CliError } from "../errors.ts";
import type { SocketReader } from "./net.ts";

/** A frame read without the codec's header rules, from a peer known not to follow them. */
export interface LenientFrame {
  header: Record<string, unknown>;
  body: Uint8Array;
  /** What could not be checked, for the user. */
  notes: string[];
}

/**
 * Reads one le-prefixed frame (`struct.pack('i', len(header)) + header + body`) leniently: the
 * prefix, JSON and total_size are checked, the rest is taken as it comes. The seed's server sends
 * `"md5": "1111111111"`, which a conforming decoder must reject (SPEC 3.4.3): a real md5 is
 * verified, anything else is reported as unverifiable instead.
 */
export async function readLenientFrame(reader: SocketReader, maxBody: number): Promise<LenientFrame> {
  const prefix = await reader.readExactly(4);
  if (prefix === null) throw new CliError("the server closed the connection without a reply");
  const length = new DataView(prefix.buffer, prefix.byteOffset, 4).getInt32(0, true);
  if (length <= 0 || length > 65536) throw new CliError(`reply header length ${length} is not valid (is the server speaking the le profile?)`);
  const headerBytes = await reader.readExactly(length);
  if (headerBytes === null) throw new CliError("the server closed the connection inside the reply header");
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(headerBytes));
  } catch {
    throw new CliError("the reply header is not JSON text");
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) throw new CliError("the reply header is not a JSON object");
  const fields = header as Record<string, unknown>;
  const size = fields.total_size;
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) throw new CliError("the reply header has no valid total_size");
  if (size > maxBody) throw new CliError(`the reply is ${size} bytes, over --max-reply ${maxBody}`);
  const body = await reader.readExactly(size);
  if (body === null) throw new CliError(`the server closed the connection inside the reply body (expected ${size} bytes)`);
  const notes: string[] = [];
  const md5 = fields.md5;
  if (typeof md5 === "string" && /^[0-9a-f]{32}$/.test(md5)) {
    if (md5Hex(body) !== md5) throw new CliError("the reply body does not match its md5");
  } else if (md5 !== undefined) {
    notes.push(`the reply's md5 ${JSON.stringify(md5)} is not a digest; the body was not verified`);
  }
  return { header: fields, body, notes };
}
