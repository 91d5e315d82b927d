import { abortable, type Address, checkConnectionOptions, type ConnectOptions, Connection, formatAddress, parseAddress } from "@sockframe/connection";
import { codedError, errorCode } from "./errors.ts";
import { withNativeHashes } from "@sockframe/connection/native-hashes";
import { BunSocketStream, type StreamSocket, streamHandlers } from "./socket-stream.ts";

/**
 * Opens a TCP or Unix socket as a ByteStream (for callers that frame it themselves). Bun.connect
 * takes no signal: when `signal` aborts first, the attempt goes on (and keeps the process alive)
 * until the OS settles it, and a socket that opens after all is closed at once.
 */
export async function openStream(address: string | Address, signal?: AbortSignal): Promise<BunSocketStream> {
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
    const opening =
      where.transport === "unix"
        ? Bun.connect<BunSocketStream | undefined>({ unix: where.path, allowHalfOpen: true, socket, data: undefined })
        : Bun.connect<BunSocketStream | undefined>({ hostname: where.host, port: where.port, allowHalfOpen: true, socket, data: undefined });
    opened = await abortable(opening, signal, (late) => late.data?.destroy());
  } catch (error) {
    if (signal?.aborted && error === signal.reason) throw error;
    const code = errorCode(error) ?? "ECONNECT";
    throw codedError(`sockframe: cannot connect to ${formatAddress(where)}: ${code}`, code, error);
  }
  if (opened.data === undefined) throw new Error("sockframe: Bun opened a socket without calling its open handler");
  return opened.data;
}

/** Connects to a sockframe server over TCP or a Unix socket. */
export async function connect(address: string | Address, options: ConnectOptions = {}): Promise<Connection> {
  checkConnectionOptions(options);
  return new Connection(await openStream(address, options.signal), withNativeHashes(options));
}
