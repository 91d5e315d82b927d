import { createConnection, type Socket } from "node:net";
import { type Address, Connection, type ConnectionOptions, parseAddress } from "@sockframe/connection";
import { withNativeHashes } from "@sockframe/connection/native-hashes";
import { NetByteStream, OnreadBuffers } from "./net-byte-stream.ts";
import { socketLabels } from "./socket-labels.ts";

/** Options of connect(): the connection's, and whether bodies are received as streams. */
export type ConnectOptions = ConnectionOptions & { streamBodies?: boolean };

function open(target: Address, onread: OnreadBuffers): Socket {
  // Half-open: the server's FIN must leave our write side open.
  if (target.transport === "unix") return createConnection({ path: target.path, allowHalfOpen: true, onread: onread.option });
  return createConnection({ host: target.host, port: target.port, allowHalfOpen: true, onread: onread.option });
}

/** Connects to a sockframe server over TCP or a Unix socket. */
export async function connect(address: string | Address, options: ConnectOptions = {}): Promise<Connection> {
  const target = parseAddress(address);
  if (target.transport === "udp") throw new TypeError("sockframe: connect() takes a tcp or unix address; use bindDatagram() for udp");
  const onread = new OnreadBuffers();
  const socket = open(target, onread);
  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.once("error", failed);
    socket.once("connect", () => {
      socket.off("error", failed);
      resolve();
    });
  });
  if (target.transport === "tcp") socket.setNoDelay(true);
  return new Connection(new NetByteStream(socket, socketLabels(socket, target), onread), withNativeHashes(options));
}
