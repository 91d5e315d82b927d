import type { RuntimeAdapter } from "../adapter.ts";
import { streamAddress } from "../address.ts";
import { requireOption, stringOption } from "../args.ts";
import { readTokenFile } from "../auth.ts";
import { humanBytes } from "../bytes.ts";
import type { Command } from "../command.ts";
import { CONNECT_TIMEOUT_HELP, CONNECT_TIMEOUT_OPTION, connectTimeoutMs, connectWithin } from "../connect.ts";
import { CliError, describeError, UsageError } from "../errors.ts";
import { printError, printLine, shown } from "../output.ts";
import { PROFILE_OPTION, parseProfile, wireProfile } from "../profile.ts";
import type { StreamAddress } from "../raw/net.ts";
import { FilePreparation } from "../transfer/prepared-file.ts";
import { Link, type Outcome, sendFile } from "../transfer/send-file.ts";

const HELP = `Usage: sockframe put --connect ADDR [options] FILE...

Sends each FILE to a "sockframe recv" server, under its base name. The file is never held in memory:
it is read for its md5 and sha256, which go in the header (with filename and total_size; from 64 MiB
on, md5 is computed on a second thread from a read of its own), then streamed as the body; the next
FILE is hashed while one streams. The receiver verifies both and confirms; only then is the file
counted as sent. A refusal (unsafe name, file exists, too large, wrong token) stops that file at
once; the other files are still sent.

Progress goes to standard error: a bar on a terminal, a plain line every 2 s otherwise.

Options:
  --connect ADDR      host:port, tcp://host:port or unix:/path
  --token-file FILE   send this file's content (one line) as the token
  --quiet             no progress
${CONNECT_TIMEOUT_HELP}
  --profile P         be (default), le, or seed (= le, the tutorial's struct.pack('i') prefix)
  -h, --help          this help

Exit status: 0 when every file was received and verified, 1 otherwise.
`;

export const putCommand: Command = {
  name: "put",
  summary: "send files to a recv server (streamed, md5 + sha256 verified)",
  help: HELP,
  options: { connect: { type: "string" }, "token-file": { type: "string" }, quiet: { type: "boolean", default: false }, ...CONNECT_TIMEOUT_OPTION, ...PROFILE_OPTION },
  positionals: true,
  async run({ values, positionals }, adapter: RuntimeAdapter) {
    const profile = parseProfile(stringOption(values, "profile"));
    const address: StreamAddress = streamAddress(requireOption(values, "connect", "put"), "connect", "put");
    if (positionals.length === 0) throw new UsageError("no FILE given: sockframe put --connect ADDR FILE...");
    const tokenFile = stringOption(values, "token-file");
    const token = tokenFile === undefined ? undefined : await readTokenFile(tokenFile);
    const timeoutMs = connectTimeoutMs(values);
    const link = new Link(() => connectWithin(adapter, address, { profile: wireProfile(profile) }, timeoutMs));
    const progressOn = values.quiet !== true;
    let failures = 0;
    try {
      let upcoming: FilePreparation | null = null;
      for (const [index, path] of positionals.entries()) {
        const started = performance.now();
        const current = upcoming ?? new FilePreparation(path);
        upcoming = null;
        let outcome: Outcome;
        try {
          const file = await current.result(progressOn);
          // The next file is hashed while this one streams (see FilePreparation).
          const following = positionals[index + 1];
          if (following !== undefined) upcoming = new FilePreparation(following);
          outcome = await sendFile(link, file, index + 1, token, progressOn);
        } catch (error) {
          if (error instanceof CliError && error.exitCode !== 1) throw error;
          outcome = { ok: false, message: describeError(error), connectionLost: false, fromPeer: false };
        }
        if (outcome.ok) {
          const size = Number(outcome.reply.size ?? 0);
          const seconds = (performance.now() - started) / 1000;
          printLine(`sent ${shown(path)} (${size} bytes in ${seconds.toFixed(2)} s, ${humanBytes(size / Math.max(seconds, 1e-3))}/s), verified and saved as ${shown(String(outcome.reply.saved))}`);
        } else {
          failures++;
          printError(`sockframe put: ${shown(path)}: ${outcome.message}`);
          if (outcome.code === "UNAUTHORIZED") {
            // The same token would be refused for every file left.
            for (const left of positionals.slice(index + 1)) printError(`sockframe put: ${shown(left)}: not sent: the receiver refused the token`);
            failures += positionals.length - index - 1;
            break;
          }
        }
      }
    } finally {
      await link.close();
    }
    return failures === 0 ? 0 : 1;
  },
};
