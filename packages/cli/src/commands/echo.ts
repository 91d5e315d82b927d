import type { Socket } from "node:net";
import { type Connection, type DatagramEndpoint, formatAddress } from "@sockframe/connection";
import { type Header, isSockframeError, type OutgoingHeader } from "@sockframe/codec";
import type { RuntimeAdapter } from "../adapter.ts";
import { cliAddress } from "../address.ts";
import { stringOption } from "../args.ts";
import { md5Hex, sha256Hex, upperAscii } from "../bytes.ts";
import type { Command } from "../command.ts";
import { reportConnectionError } from "../connection-log.ts";
import { UsageError } from "../errors.ts";
import { printError, printLine } from "../output.ts";
import { PROFILE_OPTION, parseProfile, wireProfile } from "../profile.ts";
import { listenRaw } from "../raw/net.ts";
import { connectionLimit, DEFAULT_MAX_CONNECTIONS, MAX_CONNECTIONS_OPTION } from "../max-connections.ts";
import { shutdownSignal } from "../shutdown.ts";

const HELP = `Usage: sockframe echo [--listen ADDR] [--profile be|le|seed]

The tutorial's server: every request frame is answered by one frame whose body is the request
body with ASCII a-z upper-cased, whose header keeps the request's id and other fields, with
total_size (and md5/sha256 if the request carried them) computed for the reply; a valid header
that cannot be encoded again (an extension of 1e400, say) gets an error reply with its id. Replies
go out in request order; many clients are served at once. A client that sends bytes that are not frames gets
an error frame (SPEC 7.3) and is disconnected; the others never notice.

Over UDP each reply carries the extension member "echo_reply": true, and a datagram carrying it
(or an error) is not answered: a datagram's source address can be forged, and a request forged to
come from the server itself, or from another echo server, would otherwise bounce between them
forever (the loop of RFC 862's echo and chargen services).

The first line printed is the bound address, e.g. "listening on tcp://127.0.0.1:54321".
Ctrl-C (SIGINT) or SIGTERM shuts down gracefully: requests already received are answered.

Options:
  --listen ADDR      host:port, tcp://host:port, [::1]:port, unix:/path or udp://host:port
                     (default 127.0.0.1:0: loopback, any free port; servers never bind every
                     interface unless asked, e.g. 0.0.0.0:7000)
  --profile P        be (default): big-endian prefix; le: little-endian prefix (Python's
                     struct.pack('i')); seed: no framing at all, as the tutorial's 4.x servers:
                     each chunk received is sent back upper-cased (serves the seed's 4.2 and 4.4
                     clients unchanged)
  --max-connections N
                     connections served at once (default ${DEFAULT_MAX_CONNECTIONS}); more are refused (TOO_MANY_CONNECTIONS)
  -h, --help         this help
`;

/** The reply to one request: the body upper-cased, the header's fields kept, its digests recomputed. */
export function echoReply(header: Header, body: Uint8Array): { header: OutgoingHeader; body: Uint8Array } {
  const reply = upperAscii(body);
  // Spread copies own members with define semantics: a "__proto__" member stays inert data (SPEC 3.4.8).
  const { total_size: _size, md5, sha256, ...kept } = header;
  const out: OutgoingHeader = { ...kept };
  if (md5 !== undefined) out.md5 = md5Hex(reply);
  if (sha256 !== undefined) out.sha256 = sha256Hex(reply);
  return { header: out, body: reply };
}

/**
 * The echo of a request, or, when its header cannot be sent back (a valid header the encoder
 * refuses, SPEC 8.2: an extension of 1e400, nesting past 1000 levels), an error reply with its id:
 * never silence, and the connection stays up. `mark` is added to either (UDP's ECHO_REPLY_MARK).
 */
async function answer(send: (header: OutgoingHeader, body?: Uint8Array) => Promise<void>, header: Header, body: Uint8Array, mark?: OutgoingHeader): Promise<void> {
  const reply = echoReply(header, body);
  try {
    await send(mark === undefined ? reply.header : { ...reply.header, ...mark }, reply.body);
  } catch (error) {
    if (!isSockframeError(error) || error.stage !== "encode") throw error;
    const refusal: OutgoingHeader = { error: { code: error.code, message: `the request's header cannot be echoed: ${error.message}` }, ...mark };
    if (header.id !== undefined) refusal.id = header.id;
    await send(refusal);
  }
}

/**
 * The member marking the UDP echo's replies. A datagram's source can be forged: one forged to come
 * from the server itself (or from another echo server) would have it answer its own replies
 * forever, RFC 862's echo/chargen loop. A marked frame is never answered, which ends any such loop
 * after one reply.
 */
export const ECHO_REPLY_MARK = "echo_reply";

async function serveConnection(connection: Connection): Promise<void> {
  try {
    for await (const frame of connection) {
      // SPEC 7.3: an error frame is never answered with another frame; the peer is closing.
      if (frame.header.error !== undefined) continue;
      await answer((header, body) => connection.send(header, body), frame.header, frame.body);
    }
  } catch (error) {
    reportConnectionError("echo", connection, error);
  }
}

async function serveDatagrams(endpoint: DatagramEndpoint): Promise<void> {
  for await (const frame of endpoint) {
    if (frame.header.error !== undefined || frame.header[ECHO_REPLY_MARK] === true) continue;
    await answer((header, body) => endpoint.send(header, body, frame.from), frame.header, frame.body, { [ECHO_REPLY_MARK]: true }).catch((error: unknown) => {
      printError(`sockframe echo: reply to ${formatAddress(frame.from)} not sent: ${(error as Error).message}`);
    });
  }
}

/** The seed profile: bytes in, the same bytes upper-cased out, per read, as the seed's `conn.send(data.upper())`. */
function rawEcho(socket: Socket): void {
  socket.on("data", (chunk: Uint8Array) => {
    if (!socket.write(upperAscii(chunk))) {
      socket.pause();
      socket.once("drain", () => socket.resume());
    }
  });
  socket.once("end", () => socket.end());
}

export const echoCommand: Command = {
  name: "echo",
  summary: "upper-casing echo server (the tutorial's server)",
  help: HELP,
  options: { listen: { type: "string" }, ...PROFILE_OPTION, ...MAX_CONNECTIONS_OPTION },
  positionals: false,
  async run({ values }, adapter: RuntimeAdapter) {
    const profile = parseProfile(stringOption(values, "profile"));
    const address = cliAddress(stringOption(values, "listen") ?? "127.0.0.1:0", "listen");
    const stop = shutdownSignal();

    if (profile === "seed") {
      if (address.transport === "udp") throw new UsageError("--profile seed is a stream protocol: use a tcp or unix address");
      const server = await listenRaw(address, rawEcho);
      printLine(`listening on ${server.url}`);
      await stop;
      await server.close();
      return 0;
    }
    if (address.transport === "udp") {
      const endpoint = await adapter.bindDatagram(address, { profile: wireProfile(profile) });
      printLine(`listening on ${formatAddress(endpoint.address)}`);
      const serving = serveDatagrams(endpoint);
      await stop;
      await endpoint.close();
      await serving;
      return 0;
    }
    const server = await adapter.listen(address, serveConnection, { profile, ...connectionLimit("echo", stringOption(values, "max-connections")) });
    printLine(`listening on ${server.url}`);
    await stop;
    await server.close();
    return 0;
  },
};
