import type { SocketListener } from "bun";
import {
  type Address,
  type ConnectionHandler,
  type Listener,
  checkServerOptions,
  parseAddress,
  Server,
  type ServerOptions,
} from "@sockframe/connection";
import { codedError, errorCode } from "./errors.ts";
import { withNativeHashes } from "@sockframe/connection/native-hashes";
import { BunSocketStream, type StreamSocket, streamHandlers } from "./socket-stream.ts";
import { clearStaleSocket } from "./unix-socket-file.ts";

class BunListener implements Listener {
  readonly address: Address;
  readonly #listener: SocketListener<BunSocketStream | undefined>;

  constructor(address: Address, listener: SocketListener<BunSocketStream | undefined>) {
    this.address = address;
    this.#listener = listener;
  }

  async close(): Promise<void> {
    // false: accepted connections stay open; Server closes them gracefully. Bun unlinks a Unix socket file.
    this.#listener.stop(false);
  }
}

/**
 * Listens on TCP (`127.0.0.1:0`, `[::1]:8080`) or a Unix socket (`unix:/path`) and runs `handler`
 * for each connection. A stale Unix socket file (its server crashed) is replaced; a live one is an
 * error. Connections are half-open capable: a peer's FIN still lets the handler reply.
 */
export async function listen(
  address: string | Address,
  handler: ConnectionHandler,
  options: ServerOptions & { streamBodies?: boolean } = {},
): Promise<Server> {
  const where = parseAddress(address);
  const { streamBodies, ...serverOptions } = options;
  const unixPath = where.transport === "unix" ? where.path : null;
  if (where.transport === "udp") throw new TypeError("sockframe: listen() is for TCP and Unix sockets; use bindDatagram() for UDP");
  checkServerOptions(serverOptions);
  if (unixPath !== null) await clearStaleSocket(unixPath);

  let server: Server | null = null;
  const socket = {
    ...streamHandlers,
    open(socket: StreamSocket) {
      const stream = BunSocketStream.attach(socket, unixPath);
      if (server === null) stream.destroy();
      else server.accept(stream, { streamBodies });
    },
  };
  let listener: SocketListener<BunSocketStream | undefined>;
  let bound: Address;
  try {
    if (where.transport === "unix") {
      listener = Bun.listen<BunSocketStream | undefined>({ unix: where.path, allowHalfOpen: true, socket });
      bound = where;
    } else {
      const tcp = Bun.listen<BunSocketStream | undefined>({ hostname: where.host, port: where.port, allowHalfOpen: true, socket });
      listener = tcp;
      bound = { transport: "tcp", host: where.host, port: tcp.port };
    }
  } catch (error) {
    const code = errorCode(error) ?? "ELISTEN";
    throw codedError(`sockframe: cannot listen on ${typeof address === "string" ? address : JSON.stringify(address)}: ${code}`, code, error);
  }
  server = new Server(new BunListener(bound, listener), handler, withNativeHashes(serverOptions));
  return server;
}
