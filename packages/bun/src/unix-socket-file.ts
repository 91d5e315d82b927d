import { lstatSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
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
    if (errorCode(error) !== "ENOENT") throw error;
    const dir = dirname(path);
    const info = lstatSync(dir, { throwIfNoEntry: false });
    if (info === undefined || !info.isDirectory()) throw codedError(`sockframe: no directory ${dir} for the socket unix:${path}`, "ENOENT");
    return;
  }
  if (!isSocket) throw codedError(`sockframe: ${path} exists and is not a socket; not removing it`, "EADDRINUSE");
  if (await isLive(path)) throw codedError(`sockframe: unix:${path} address in use by a live server`, "EADDRINUSE");
  try {
    unlinkSync(path);
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw error;
  }
}
