import { type Address, Connection, type ConnectionOptions, parseAddress } from "@sockframe/connection";
import { DenoByteStream } from "./byte-stream.ts";
import { withNativeHashes } from "@sockframe/connection/native-hashes";

/** Options of connect(): the connection's, and whether bodies are received as streams. */
export type ConnectOptions = ConnectionOptions & { streamBodies?: boolean };

async function openConn(address: Address): Promise<Deno.Conn> {
  if (address.transport === "tcp") {
    const conn = await Deno.connect({ transport: "tcp", hostname: address.host, port: address.port });
    conn.setNoDelay(true);
    return conn;
  }
  if (address.transport === "unix") return await Deno.connect({ transport: "unix", path: address.path });
  throw new TypeError("connect() opens TCP and Unix stream sockets; use bindDatagram() for UDP");
}

/** Connects to a sockframe server over TCP or a Unix socket. */
export async function connect(address: string | Address, options: ConnectOptions = {}): Promise<Connection> {
  const conn = await openConn(parseAddress(address));
  return new Connection(new DenoByteStream(conn), withNativeHashes(options));
}
