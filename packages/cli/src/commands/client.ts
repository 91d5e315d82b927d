import { createInterface } from "node:readline";
import { type Address, type Connection, formatAddress, RemoteError } from "@sockframe/connection";
import type { RuntimeAdapter } from "../adapter.ts";
import { cliAddress, datagramClientBinding, isReplySource } from "../address.ts";
import { parseDuration, requireOption, stringOption } from "../args.ts";
import { lossyUtf8, utf8Encoder } from "../bytes.ts";
import type { Command } from "../command.ts";
import { connectWithin, isTimeout } from "../connect.ts";
import { CliError, describeError, UsageError } from "../errors.ts";
import { printError, printLine } from "../output.ts";
import { type CliProfile, PROFILE_OPTION, parseProfile, wireProfile } from "../profile.ts";
import { connectRaw, SocketReader } from "../raw/net.ts";
import { within } from "../shutdown.ts";

/** Lines a non-interactive client keeps in flight on a framed stream. */
const PIPELINE_WINDOW = 64;

const HELP = `Usage: sockframe client --connect ADDR [--message TEXT] [--profile be|le|seed]

The tutorial's loop client (4.4): reads lines from standard input, skips empty ones, stops at "q"
or at the end of input, sends each line as one frame and prints the reply's body. With --message
it sends that one text and exits. Lines from a pipe or a file go out without waiting for each
answer (up to ${PIPELINE_WINDOW} at a time, over TCP or a Unix socket), and the answers are printed in order.

Over UDP the client binds a free port on loopback when ADDR is a loopback address, else on every
address of ADDR's family (IPv4 for a host name), so that it can reach another machine. Only a
datagram from the server's port (from any of its addresses) is taken as the reply.

Options:
  --connect ADDR     host:port, tcp://host:port, unix:/path or udp://host:port
  --message TEXT     send TEXT, print the reply, exit (non-interactive)
  --timeout DUR      how long to wait for the connection and for each reply (default 30s; e.g.
                     500ms, 10s, 2m)
  --profile P        be (default), le, or seed: raw text without framing, as the tutorial's 4.x
                     programs (talks to the seed's 4.1 and 4.3 servers unchanged)
  -h, --help         this help

Exit status: 0 when every message was answered, 1 on an error reply or a lost connection.
`;

/** One exchange per line: send the text, wait for the answer text. */
interface Exchange {
  ask(text: string): Promise<string>;
  /**
   * Whether several asks may be in flight: a framed stream answers in order (request ids). Not
   * UDP, where a lost datagram stalls only its own line, nor the seed's unframed text, where two
   * lines in flight would merge into one message: the tutorial's sticky packets.
   */
  pipelined: boolean;
  close(): Promise<void>;
}

async function framedExchange(adapter: RuntimeAdapter, address: Address, profile: "be" | "le", timeoutMs: number): Promise<Exchange> {
  if (address.transport === "udp") return datagramExchange(adapter, address, profile, timeoutMs);
  const connection: Connection = await connectWithin(adapter, address, { profile }, timeoutMs);
  return {
    pipelined: true,
    async ask(text) {
      const reply = await connection.request({}, utf8Encoder.encode(text), { signal: AbortSignal.timeout(timeoutMs) }).catch((error: unknown) => {
        throw isTimeout(error) ? new CliError(`no reply within ${timeoutMs / 1000} s`) : error;
      });
      return lossyUtf8.decode(reply.body);
    },
    async close() {
      await connection.close();
    },
  };
}

async function datagramExchange(adapter: RuntimeAdapter, address: Address & { transport: "udp" }, profile: "be" | "le", timeoutMs: number): Promise<Exchange> {
  const endpoint = await adapter.bindDatagram(datagramClientBinding(address), { profile });
  const replies = endpoint[Symbol.asyncIterator]();
  let nextId = 1;
  return {
    pipelined: false,
    async ask(text) {
      const id = nextId++;
      await endpoint.send({ id }, utf8Encoder.encode(text), address);
      const deadline = Date.now() + timeoutMs;
      // Datagrams may be lost or stale, or come from anyone: wait for the reply that carries our id, from the server.
      for (;;) {
        const left = deadline - Date.now();
        const next = left > 0 ? await within(left, replies.next(), null) : null;
        if (next === null || next.done) throw new CliError(`no reply from ${formatAddress(address)} within ${timeoutMs / 1000} s (UDP: lost, or nobody listening)`);
        if (next.value.header.id !== id || !isReplySource(address, next.value.from)) continue;
        if (next.value.header.error !== undefined) throw new RemoteError(next.value.header);
        return lossyUtf8.decode(next.value.body);
      }
    },
    async close() {
      await endpoint.close();
    },
  };
}

/** The seed profile: raw text out, one read back (the seed's `phone.recv(1024)`). */
async function rawExchange(address: Address, timeoutMs: number): Promise<Exchange> {
  if (address.transport === "udp") throw new UsageError("--profile seed is a stream protocol: use a tcp or unix address");
  const socket = await connectRaw(address, timeoutMs);
  const reader = new SocketReader(socket);
  return {
    pipelined: false,
    async ask(text) {
      socket.write(utf8Encoder.encode(text));
      const chunk = await within(timeoutMs, reader.readSome(1024), undefined);
      if (chunk === undefined) throw new CliError(`no reply within ${timeoutMs / 1000} s`);
      if (chunk === null) throw new CliError("the server closed the connection");
      return lossyUtf8.decode(chunk);
    },
    async close() {
      socket.end();
      socket.destroySoon();
    },
  };
}

function open(adapter: RuntimeAdapter, address: Address, profile: CliProfile, timeoutMs: number): Promise<Exchange> {
  return profile === "seed" ? rawExchange(address, timeoutMs) : framedExchange(adapter, address, wireProfile(profile), timeoutMs);
}

function describeReplyError(error: unknown): string {
  if (error instanceof RemoteError) return `error reply: ${error.code}: ${String(error.header.error?.message ?? "")}`;
  return describeError(error);
}

export const clientCommand: Command = {
  name: "client",
  summary: "send lines (or one --message) and print the replies (the tutorial's client)",
  help: HELP,
  options: { connect: { type: "string" }, message: { type: "string" }, timeout: { type: "string" }, ...PROFILE_OPTION },
  positionals: false,
  async run({ values }, adapter) {
    const profile = parseProfile(stringOption(values, "profile"));
    const address = cliAddress(requireOption(values, "connect", "client"), "connect");
    const timeoutMs = parseDuration(stringOption(values, "timeout") ?? "30s", "timeout");
    const message = stringOption(values, "message");
    if (message?.length === 0) throw new UsageError("--message: empty text (the tutorial's client never sends one: the server would wait forever)");
    const exchange = await open(adapter, address, profile, timeoutMs);
    try {
      if (message !== undefined) {
        printLine(await exchange.ask(message));
        return 0;
      }
      const interactive = process.stdin.isTTY === true;
      const window = interactive || !exchange.pipelined ? 1 : PIPELINE_WINDOW;
      const lines = createInterface({ input: process.stdin, output: interactive ? process.stdout : undefined, terminal: interactive });
      if (interactive) {
        lines.setPrompt(">> ");
        lines.prompt();
      }
      // Answers still to print, in the order their lines were read.
      const answers: Array<Promise<string>> = [];
      /** Prints the oldest answer; false after an error reply (printed), which ends the session. */
      const printOldest = async (): Promise<boolean> => {
        try {
          printLine(await answers.shift()!);
          return true;
        } catch (error) {
          if (!(error instanceof RemoteError)) throw error;
          printError(`sockframe client: ${describeReplyError(error)}`);
          return false;
        }
      };
      try {
        for await (const line of lines) {
          const text = line.trim();
          if (text === "q") break;
          if (text.length > 0) {
            const answer = exchange.ask(text);
            // Awaited in its turn; until then its failure must not count as unhandled.
            answer.catch(() => undefined);
            answers.push(answer);
            if (answers.length >= window && !(await printOldest())) return 1;
          }
          if (interactive) lines.prompt();
        }
        while (answers.length > 0) if (!(await printOldest())) return 1;
      } finally {
        lines.close();
      }
      return 0;
    } catch (error) {
      throw new CliError(describeReplyError(error));
    } finally {
      await exchange.close().catch(() => undefined);
    }
  },
};
