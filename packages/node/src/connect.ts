import { createConnection, type Socket } from "node:net";
import { type Address, checkConnectionOptions, type ConnectOptions, Connection, parseAddress } from "@sockframe/connection";
import { withNativeHashes } from "@sockframe/connection/native-hashes";
import { NetByteStream, OnreadBuffers } from "./net-byte-stream.ts";
import { socketLabels } from "./socket-labels.ts";

export type { ConnectOptions };

function open(target: Address, onread: OnreadBuffers): Socket {
  // Half-open: the server's FIN must leave our write side open.
  if (target.transport === "unix") return createConnection({ path: target.path, allowHalfOpen: true, onread: onread.option });
  return createConnection({ host: target.host, port: target.port, allowHalfOpen: true, onread: onread.option });
}

/** Connects to a sockframe server over TCP or a Unix socket. */
export async function connect(address: string | Address, options: ConnectOptions = {}): Promise<Connection> {
  const target = parseAddress(address);
  if (target.transport === "udp") throw new TypeError("sockframe: connect() takes a tcp or unix address; use bindDatagram() for udp");
  checkConnectionOptions(options);
  const { signal } = options;
  signal?.throwIfAborted();
  const onread = new OnreadBuffers();
  const socket = open(target, onread);
  await new Promise<void>((resolve, reject) => {
    const settled = () => {
      socket.off("error", failed);
      signal?.removeEventListener("abort", aborted);
    };
    const failed = (error: unknown) => {
      settled();
      socket.destroy();
      reject(error);
    };
    const aborted = () => failed(signal!.reason);
    socket.once("error", failed);
    signal?.addEventListener("abort", aborted, { once: true });
    socket.once("connect", () => {
      settled();
      resolve();
    });
  });
  if (target.transport === "tcp") socket.setNoDelay(true);
  return new Connection(new NetByteStream(socket, socketLabels(socket, target), onread), withNativeHashes(options));
}
