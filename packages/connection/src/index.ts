/**
 * @module
 * The runtime-neutral connection layer of sockframe: a framed Connection over any ByteStream, the
 * server core, addresses. Runtime adapters (@sockframe/node, @sockframe/deno, @sockframe/bun)
 * supply sockets as ByteStreams.
 */
export { abortable } from "./abortable.ts";
export { type Address, checkUnixPath, datagramAddress, DEFAULT_HOST, formatAddress, isLocalAddress, parseAddress, type UdpAddress, UNIX_PATH_MAX } from "./address.ts";
export type { ByteStream, ByteStreamEvents, RuntimeServices } from "./byte-stream.ts";
export { COALESCE_LIMIT, coalesce } from "./coalesce.ts";
export { type CloseInfo, type ConnectOptions, Connection, ConnectionClosedError, type ConnectionOptions, DeadlineError, HEADER_MEMORY_FACTOR, RemoteError, type RequestOptions, type SendStreamOptions, type StreamedFrame } from "./connection.ts";
export { FrameQueue } from "./frame-queue.ts";
export { checkConnectionOptions, checkDatagramOptions, checkServerOptions, MAX_TIMER_MS } from "./options.ts";
export { passOnRead, transferFlags } from "./pass-on-read.ts";
export { READ_SIZE, ReadBuffers, STREAM_READ_SIZE } from "./read-buffers.ts";
export { type ConnectionHandler, type Listener, Server, SERVER_DEFAULTS, type ServerOptions } from "./server.ts";
export {
  DatagramEndpoint,
  type DatagramFrame,
  type DatagramOptions,
  type DatagramStats,
  type DatagramTransport,
} from "./datagram.ts";
// Re-exported for compatibility: it moved to the codec with decodeDatagram.
export { MAX_DATAGRAM_BYTES } from "@sockframe/codec";
