import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { type Header, isSockframeError, StreamingFrameDecoder } from "@sockframe/codec";
import { parseSize, stringOption } from "../args.ts";
import type { Command } from "../command.ts";
import { jsonText } from "../json-text.ts";
import { CliError, describeError, UsageError } from "../errors.ts";
import { printLine } from "../output.ts";
import { PROFILE_OPTION, parseProfile, wireProfile } from "../profile.ts";

const PREVIEW_BYTES = 48;

const HELP = `Usage: sockframe inspect [FILE|-] [--profile be|le|seed] [--max-body-bytes SIZE]

Decodes a captured byte stream (FILE, or standard input when FILE is "-" or absent) and prints one
JSON line per frame:

  {"frame":0,"offset":0,"header":{...},"body_size":5,"sha256":"...","preview":"hello"}

offset is where the frame starts in the stream; preview is the start of the body as text, or as
"hex:..." when it is not text. On a protocol error the last line is

  {"error":{"code":"HEADER_INVALID_JSON","stage":"header","offset":4,"frame":0,"message":"..."}}

with the byte offset of the part that failed, and the exit status is 1. Bodies are streamed
(hashed as they pass), so captures of any size take little memory.

Options:
  --profile P            be (default), le, or seed (= le)
  --max-body-bytes SIZE  report bodies over SIZE as BODY_TOO_LARGE, as a buffered receiver with
                         that limit would (default: no limit; receivers default to 16MiB)
  -h, --help             this help
`;

/** The start of a body, as text when it is (UTF-8 without control characters but tab and newlines), else hex. */
export function preview(bytes: Uint8Array): string {
  try {
    // stream: true lets a character cut at the preview's end pass; `fatal` refuses anything else.
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes, { stream: true });
    // deno-lint-ignore no-control-regex
    if (!/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)) return text;
  } catch {
    // not UTF-8
  }
  return `hex:${Buffer.from(bytes).toString("hex")}`;
}

async function* input(path: string): AsyncGenerator<Uint8Array> {
  const source = path === "-" ? process.stdin : createReadStream(path, { highWaterMark: 1024 * 1024 });
  yield* source as AsyncIterable<Uint8Array>;
}

export const inspectCommand: Command = {
  name: "inspect",
  summary: "decode a captured byte stream: one JSON line per frame",
  help: HELP,
  options: { ...PROFILE_OPTION, "max-body-bytes": { type: "string" } },
  positionals: true,
  async run({ values, positionals }) {
    if (positionals.length > 1) throw new UsageError("inspect reads one FILE (or - for standard input)");
    const path = positionals[0] ?? "-";
    const maxBody = stringOption(values, "max-body-bytes");
    const decoder = new StreamingFrameDecoder<Header>({
      profile: wireProfile(parseProfile(stringOption(values, "profile"))),
      maxStreamBodyBytes: maxBody === undefined ? undefined : parseSize(maxBody, "max-body-bytes"),
      hashes: {
        md5: () => nodeHasher(createHash("md5")),
        sha256: () => nodeHasher(createHash("sha256")),
      },
    });
    let frameStart = 0;
    let index = 0;
    let hash: Hash | null = null;
    let bodySize = 0;
    let head: Uint8Array[] = [];
    let headBytes = 0;
    let header: Header | null = null;
    const drain = () => {
      for (const event of decoder) {
        if (event.type === "head") {
          header = event.header;
          hash = createHash("sha256");
          bodySize = 0;
          head = [];
          headBytes = 0;
        } else if (event.type === "data") {
          hash!.update(event.chunk);
          bodySize += event.chunk.length;
          if (headBytes < PREVIEW_BYTES) {
            // Copied: data chunks are views valid only until the next push.
            const part = event.chunk.slice(0, PREVIEW_BYTES - headBytes);
            head.push(part);
            headBytes += part.length;
          }
        } else {
          const rest = JSON.stringify({
            body_size: bodySize,
            sha256: hash!.digest("hex"),
            preview: preview(Buffer.concat(head)),
            ...(bodySize > PREVIEW_BYTES ? { preview_truncated: true } : {}),
          });
          // The header by jsonText: any depth, and 1e400 shown as an infinity rather than null.
          printLine(`{"frame":${index},"offset":${frameStart},"header":${jsonText(header)},${rest.slice(1)}`);
          index++;
          frameStart = decoder.offset;
        }
      }
    };
    try {
      try {
        for await (const chunk of input(path)) {
          decoder.push(chunk);
          drain();
        }
      } catch (error) {
        if (isSockframeError(error)) throw error;
        throw new CliError(`${path === "-" ? "standard input" : path}: ${describeError(error)}`);
      }
      decoder.end();
      drain();
      return 0;
    } catch (error) {
      if (!isSockframeError(error)) throw error;
      printLine(JSON.stringify({
        error: { code: error.code, stage: error.stage, offset: error.offset ?? null, frame: error.frame ?? null, message: error.message },
      }));
      return 1;
    }
  },
};

function nodeHasher(hash: Hash) {
  return {
    update(data: Uint8Array) {
      hash.update(data);
    },
    hexDigest() {
      return hash.digest("hex");
    },
  };
}
