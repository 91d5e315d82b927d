/**
 * @module
 * The Bun adapter of sockframe: framed connections over Bun.listen / Bun.connect (TCP and Unix
 * sockets) and Bun.udpSocket (one frame per datagram).
 */
export { connect } from "./connect.ts";
export { bindDatagram } from "./datagram.ts";
export { NATIVE_HASHES, withNativeHashes } from "@sockframe/connection/native-hashes";
export { listen } from "./listen.ts";
export * from "@sockframe/connection";
export * from "@sockframe/codec";
