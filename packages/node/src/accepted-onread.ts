import { Socket } from "node:net";
import { OnreadBuffers } from "./net-byte-stream.ts";

/** The part of node:net's socket handle (TCPWrap, PipeWrap) this module relies on. */
interface StreamHandle {
  useUserBuffer(buffer: Uint8Array): void;
  readStart(): number;
}

function handleOf(socket: Socket): StreamHandle | null {
  const handle: unknown = (socket as unknown as { _handle?: unknown })._handle;
  if (typeof handle !== "object" || handle === null) return null;
  const { useUserBuffer, readStart } = handle as Partial<StreamHandle>;
  return typeof useUserBuffer === "function" && typeof readStart === "function" ? (handle as StreamHandle) : null;
}

/**
 * node:net offers the `onread` option to the sockets it connects, not to those a server accepts:
 * they read through 'data', a fresh 64 KiB buffer per read, each copied into the body it belongs
 * to. Rewrapped with onread, the rest of a large body is read straight into place (the bench's
 * Node server echoing 1 MiB bodies: 1.13-1.20x the rate, medians of paired rounds; the 64-octet
 * echo unchanged).
 *
 * `accepted` must come from a server with `pauseOnConnect: true`, so its handle has not read yet.
 * The handle moves to a new socket; the old one is destroyed, which closes nothing (it has no
 * handle left) and takes it off node:net's count of the server's connections (sockframe's Server
 * keeps its own).
 *
 * The handle is node:net's `_handle`, not a documented property: where it is missing or lacks
 * what node:net's `onread` needs (another runtime's node:net), this returns null and leaves
 * `accepted` as it was, to be read through 'data'.
 */
export function withOnread(accepted: Socket): { socket: Socket; onread: OnreadBuffers } | null {
  const handle = handleOf(accepted);
  if (handle === null) return null;
  const onread = new OnreadBuffers();
  (accepted as unknown as { _handle: unknown })._handle = null;
  // Readable and writable as node:net's server makes them; reading starts at once, held by
  // OnreadBuffers until the connection starts.
  const socket = new Socket({ handle, allowHalfOpen: true, readable: true, writable: true, onread: onread.option } as ConstructorParameters<typeof Socket>[0]);
  accepted.destroy();
  return { socket, onread };
}
