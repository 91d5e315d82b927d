import { lstat, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { connect } from "node:net";

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/** Connects to a Unix socket and hangs up: true if a server accepted, false if nobody listens. */
function probe(path: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", (error) => {
      socket.destroy();
      const code = errorCode(error);
      if (code === "ECONNREFUSED" || code === "ENOENT") resolve(false);
      else reject(error);
    });
  });
}

/**
 * Makes `path` free to bind. A socket file left by a server that crashed (nobody accepts on it) is
 * removed; a live server's socket, and anything that is not a socket, is left alone with an error.
 */
export async function clearStaleSocketFile(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = (await lstat(path)).isSocket();
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw error;
    // Binding in a missing directory fails as EACCES on node:net (libuv): say what is missing.
    const dir = dirname(path);
    const missingDir = await lstat(dir).then((info) => !info.isDirectory(), (dirError: unknown) => errorCode(dirError) === "ENOENT");
    if (missingDir) throw Object.assign(new Error(`sockframe: no directory ${dir} for the socket unix:${path}`), { code: "ENOENT" });
    return;
  }
  if (!isSocket) {
    throw Object.assign(new Error(`sockframe: ${path} exists and is not a socket; not removing it`), { code: "EADDRINUSE" });
  }
  if (await probe(path)) {
    throw Object.assign(new Error(`sockframe: unix:${path} address in use by a live server`), { code: "EADDRINUSE" });
  }
  await unlink(path).catch((error: unknown) => {
    if (errorCode(error) !== "ENOENT") throw error;
  });
}
