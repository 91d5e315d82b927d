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
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  if (!info.isSocket) throw new Deno.errors.AddrInUse(`address in use: ${path} exists and is not a socket`);
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
  throw new Deno.errors.AddrInUse(`address in use by a live server: unix:${path}`);
}
