import { lstatSync, unlinkSync } from "node:fs";
import { codedError, errorCode } from "./errors.ts";

/** True if something accepts connections on the Unix socket at `path`. */
async function isLive(path: string): Promise<boolean> {
  try {
    const probe = await Bun.connect({ unix: path, socket: { data() {}, connectError() {} } });
    probe.end();
    return true;
  } catch (error) {
    const code = errorCode(error);
    if (code === "ECONNREFUSED" || code === "ENOENT") return false;
    throw error;
  }
}

/**
 * Makes `path` free to bind. A socket file that refuses connections was left by a crashed server
 * and is removed; one with a live server behind it, or a file that is not a socket, is never touched.
 */
export async function clearStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch (error) {
    if (errorCode(error) === "ENOENT") return;
    throw error;
  }
  if (!isSocket) throw codedError(`sockframe: ${path} exists and is not a socket`, "EADDRINUSE");
  if (await isLive(path)) throw codedError(`sockframe: address in use by a live server: unix:${path}`, "EADDRINUSE");
  try {
    unlinkSync(path);
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw error;
  }
}
