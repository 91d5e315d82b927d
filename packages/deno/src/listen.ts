import { type Address, checkServerOptions, type ConnectionHandler, parseAddress, Server, type ServerOptions } from "@sockframe/connection";
import { fromDenoAddr } from "./addresses.ts";
import { DenoByteStream } from "./byte-stream.ts";
import { withNativeHashes } from "@sockframe/connection/native-hashes";
import { DenoListener } from "./listener.ts";
import { clearStaleSocket } from "./unix-path.ts";

/** Options of listen(): the server's, and whether handlers receive bodies as streams. */
export type ListenOptions = ServerOptions & { streamBodies?: boolean };

/**
 * Deno's "address in use" carries no `code`; Node's and Bun's carry EADDRINUSE. Added, so that one
 * check works on every runtime (the error stays a Deno.errors.AddrInUse).
 */
async function openListener(address: Address): Promise<DenoListener> {
  try {
    return await openListenerOnce(address);
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse && (error as { code?: unknown }).code === undefined) {
      Object.defineProperty(error, "code", { value: "EADDRINUSE", enumerable: true });
    }
    throw error;
  }
}

async function openListenerOnce(address: Address): Promise<DenoListener> {
  if (address.transport === "tcp") {
    // Deno.listen binds 0.0.0.0 when no hostname is given: the host is always passed explicitly.
    const listener = Deno.listen({ transport: "tcp", hostname: address.host, port: address.port });
    return new DenoListener(listener, fromDenoAddr(listener.addr));
  }
  if (address.transport === "unix") {
    await clearStaleSocket(address.path);
    const listener = Deno.listen({ transport: "unix", path: address.path });
    return new DenoListener(listener, { transport: "unix", path: address.path });
  }
  throw new TypeError("listen() serves TCP and Unix stream sockets; use bindDatagram() for UDP");
}

/**
 * Listens on a TCP address (default host 127.0.0.1, port 0 for any free one) or a Unix socket path,
 * and runs `handler` for each connection.
 */
export async function listen(address: string | Address, handler: ConnectionHandler, options: ListenOptions = {}): Promise<Server> {
  const { streamBodies, ...serverOptions } = options;
  const parsed = parseAddress(address);
  checkServerOptions(serverOptions);
  const listener = await openListener(parsed);
  const server = new Server(listener, handler, withNativeHashes(serverOptions));
  listener.start((conn) => {
    if (parsed.transport === "tcp") (conn as Deno.TcpConn).setNoDelay(true);
    server.accept(new DenoByteStream(conn), { streamBodies: streamBodies ?? false });
  });
  return server;
}
