import type { Socket } from "node:net";
import { type Address, formatAddress } from "@sockframe/connection";
import type { SocketLabels } from "./net-byte-stream.ts";

/** Text forms of a connected socket's ends; a Unix socket's ends are both named by the path it was bound to. */
export function socketLabels(socket: Socket, address: Address): SocketLabels {
  if (address.transport === "unix") {
    const text = formatAddress(address);
    return { localAddress: text, remoteAddress: text };
  }
  const end = (host: string | undefined, port: number | undefined) =>
    formatAddress({ transport: "tcp", host: host ?? "?", port: port ?? 0 });
  return { localAddress: end(socket.localAddress, socket.localPort), remoteAddress: end(socket.remoteAddress, socket.remotePort) };
}
