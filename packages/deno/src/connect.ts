import { abortable, type Address, checkConnectionOptions, type ConnectOptions, Connection, parseAddress } from "@sockframe/connection";
import { DenoByteStream } from "./byte-stream.ts";
import { withNativeHashes } from "@sockframe/connection/native-hashes";

export type { ConnectOptions };

async function openConn(address: Address, signal: AbortSignal | undefined): Promise<Deno.Conn> {
  signal?.throwIfAborted();
  if (address.transport === "tcp") {
    // Deno.connect's signal cancels the attempt itself, so nothing keeps the process waiting.
    const conn = await Deno.connect({ transport: "tcp", hostname: address.host, port: address.port, signal });
    conn.setNoDelay(true);
    return conn;
  }
  if (address.transport === "unix") return await abortable(Deno.connect({ transport: "unix", path: address.path }), signal, (conn) => conn.close());
  throw new TypeError("connect() opens TCP and Unix stream sockets; use bindDatagram() for UDP");
}

/** Connects to a sockframe server over TCP or a Unix socket. */
export async function connect(address: string | Address, options: ConnectOptions = {}): Promise<Connection> {
  const target = parseAddress(address);
  checkConnectionOptions(options);
  const conn = await openConn(target, options.signal);
  return new Connection(new DenoByteStream(conn), withNativeHashes(options));
}
