import type { Connection } from "@sockframe/connection";
import { isSockframeError } from "@sockframe/codec";
import { describeError } from "./errors.ts";
import { printError } from "./output.ts";

/**
 * Reports why a handler's loop over a connection ended abnormally, in one line. A protocol error
 * may surface as the iteration's error or, when the peer's garbage arrived while a reply was being
 * sent, as that send's failure: the connection's own record says which it was.
 */
export function reportConnectionError(command: string, connection: Connection, error: unknown): void {
  // A SockframeError of stage "encode" is ours (a reply we could not encode), not the peer's.
  const protocol = connection.protocolError ?? (isSockframeError(error) && error.stage !== "encode" ? error : null);
  if (protocol !== null) {
    printError(`sockframe ${command}: ${connection.remoteAddress}: ${protocol.code} (${protocol.stage}) at offset ${protocol.offset ?? "?"}; sent an error frame and disconnected`);
  } else {
    printError(`sockframe ${command}: ${connection.remoteAddress}: ${describeError(error)}`);
  }
}
