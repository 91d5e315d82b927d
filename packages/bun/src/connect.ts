import { type Address, Connection, type ConnectionOptions, formatAddress, parseAddress } from "@sockframe/connection";
import { codedError, errorCode } from "./errors.ts";
import { withNativeHashes } from "@sockframe/connection/native-hashes";
import { BunSocketStream, type StreamSocket, streamHandlers } from "./socket-stream.ts";

/** Opens a TCP or Unix socket as a ByteStream (for callers that frame it themselves). */
export async function openStream(address: string | Address): Promise<BunSocketStream> {
  const where = parseAddress(address);
  if (where.transport === "udp") throw new TypeError("sockframe: connect() is for TCP and Unix sockets; use bindDatagram() for UDP");
  const unixPath = where.transport === "unix" ? where.path : null;
  const socket = {
    ...streamHandlers,
    open(socket: StreamSocket) {
      BunSocketStream.attach(socket, unixPath);
    },
    // Present so that Bun does not also report the rejection below as unhandled.
    connectError() {},
  };
  let opened: StreamSocket;
  try {
    opened =
      where.transport === "unix"
        ? await Bun.connect<BunSocketStream | undefined>({ unix: where.path, allowHalfOpen: true, socket, data: undefined })
        : await Bun.connect<BunSocketStream | undefined>({ hostname: where.host, port: where.port, allowHalfOpen: true, socket, data: undefined });
  } catch (error) {
    const code = errorCode(error) ?? "ECONNECT";
    throw codedError(`sockframe: cannot connect to ${formatAddress(where)}: ${code}`, code, error);
  }
  if (opened.data === undefined) throw new Error("sockframe: Bun opened a socket without calling its open handler");
  return opened.data;
}

/** Connects to a sockframe server over TCP or a Unix socket. */
export async function connect(
  address: string | Address,
  options: ConnectionOptions & { streamBodies?: boolean } = {},
): Promise<Connection> {
  return new Connection(await openStream(address), withNativeHashes(options));
}
