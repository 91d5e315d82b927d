import { dirname } from "node:path";

/**
 * Makes `path` free for a Unix listener. A socket file left by a server that crashed refuses
 * connections: it is removed. One that accepts them belongs to a live server and is never removed;
 * a file that is not a socket is not ours to remove either.
 */
export async function clearStaleSocket(path: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    const dir = dirname(path);
    // Only a directory known to be missing: without --allow-read for it, listen() says what it says.
    const missingDir = await Deno.lstat(dir).then((info) => !info.isDirectory, (dirError: unknown) => dirError instanceof Deno.errors.NotFound);
    if (missingDir) throw Object.assign(new Deno.errors.NotFound(`sockframe: no directory ${dir} for the socket unix:${path}`), { code: "ENOENT" });
    return;
  }
  if (!info.isSocket) throw new Deno.errors.AddrInUse(`sockframe: ${path} exists and is not a socket; not removing it`);
  let probe: Deno.UnixConn;
  try {
    probe = await Deno.connect({ transport: "unix", path });
  } catch (error) {
    if (!(error instanceof Deno.errors.ConnectionRefused)) throw error;
    await Deno.remove(path).catch((removeError: unknown) => {
      if (!(removeError instanceof Deno.errors.NotFound)) throw removeError;
    });
    return;
  }
  probe.close();
  throw new Deno.errors.AddrInUse(`sockframe: unix:${path} address in use by a live server`);
}
