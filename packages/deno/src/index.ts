/**
 * @module
 * sockframe for Deno: framed connections over TCP and Unix sockets (Deno.listen, Deno.connect) and
 * one frame per UDP datagram (Deno.listenDatagram, which needs `--unstable-net`).
 *
 * ```ts
 * import { connect, listen } from "@sockframe/deno";
 *
 * const server = await listen("127.0.0.1:0", async (connection) => {
 *   for await (const { header, body } of connection) await connection.send({ id: header.id }, body);
 * });
 * const client = await connect(server.address);
 * const reply = await client.request({}, new TextEncoder().encode("hello"));
 * ```
 */
export { type ConnectOptions, connect } from "./connect.ts";
export { bindDatagram } from "./datagram.ts";
export { DenoByteStream } from "./byte-stream.ts";
export { NATIVE_HASHES, withNativeHashes } from "@sockframe/connection/native-hashes";
export { type ListenOptions, listen } from "./listen.ts";
export * from "@sockframe/connection";
export * from "@sockframe/codec";
