/**
 * @module
 * The Node.js transport of sockframe: framed connections over node:net (TCP and Unix sockets) and
 * datagrams over node:dgram (UDP). Everything of @sockframe/connection and @sockframe/codec is
 * re-exported, so this one import is enough.
 */
export { type ConnectOptions, connect } from "./connect.ts";
export { bindDatagram, UdpTransport } from "./datagram.ts";
export { NATIVE_HASHES, withNativeHashes } from "@sockframe/connection/native-hashes";
export { type ListenOptions, listen } from "./listen.ts";
export { NetByteStream, type SocketLabels } from "./net-byte-stream.ts";
export * from "@sockframe/connection";
export * from "@sockframe/codec";
