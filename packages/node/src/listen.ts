import { type AddressInfo, createServer } from "node:net";
import {
  type Address,
  checkServerOptions,
  type ConnectionHandler,
  type Listener,
  parseAddress,
  Server,
  type ServerOptions,
} from "@sockframe/connection";
import { withNativeHashes } from "@sockframe/connection/native-hashes";
import { withOnread } from "./accepted-onread.ts";
import { NetByteStream } from "./net-byte-stream.ts";
import { socketLabels } from "./socket-labels.ts";
import { clearStaleSocketFile } from "./unix-socket-file.ts";

/** Options of listen(): the server's, and whether handlers receive bodies as streams. */
export type ListenOptions = ServerOptions & { streamBodies?: boolean };

function boundAddress(asked: Address, info: AddressInfo | string | null): Address {
  if (asked.transport === "unix" || info === null || typeof info === "string") return asked;
  return { transport: "tcp", host: info.address, port: info.port };
}

/**
 * Listens on a TCP address (default host 127.0.0.1; port 0 picks a free port, reported in
 * `server.address`) or a Unix socket path, and runs `handler` for each connection. A Unix socket
 * file left behind by a crashed server is replaced; one a live server accepts on is an error.
 */
export async function listen(address: string | Address, handler: ConnectionHandler, options: ListenOptions = {}): Promise<Server> {
  const asked = parseAddress(address);
  if (asked.transport === "udp") throw new TypeError("sockframe: listen() takes a tcp or unix address; use bindDatagram() for udp");
  const { streamBodies, ...serverOptions } = options;
  checkServerOptions(serverOptions);
  if (asked.transport === "unix") await clearStaleSocketFile(asked.path);

  // Half-open: a client's FIN must leave our write side open for the replies still to come.
  // Paused: withOnread() takes over each socket's handle before its first read.
  const netServer = createServer({ allowHalfOpen: true, pauseOnConnect: true });
  let bound: Address = asked;
  const listener: Listener = {
    get address() {
      return bound;
    },
    close: async () => {
      // Only the listening socket: node's close callback would also wait for every connection,
      // which Server.close() winds down after this resolves. libuv closes the descriptor (and
      // unlinks a Unix socket's file) synchronously, so connecting is refused from here on.
      if (netServer.listening) netServer.close();
    },
  };
  const server = new Server(listener, handler, withNativeHashes(serverOptions));
  netServer.on("connection", (accepted) => {
    const rewrapped = withOnread(accepted);
    const socket = rewrapped?.socket ?? accepted;
    if (asked.transport === "tcp") socket.setNoDelay(true);
    server.accept(new NetByteStream(socket, socketLabels(socket, bound), rewrapped?.onread ?? null), { streamBodies });
  });

  await new Promise<void>((resolve, reject) => {
    netServer.once("error", reject);
    const listening = () => {
      netServer.off("error", reject);
      resolve();
    };
    if (asked.transport === "unix") netServer.listen({ path: asked.path }, listening);
    else netServer.listen({ host: asked.host, port: asked.port }, listening);
  });
  // Failures to accept one connection (EMFILE and the like) must not crash the process.
  netServer.on("error", () => undefined);
  bound = boundAddress(asked, netServer.address());
  return server;
}
