/**
 * Shared by the tests. Unix sockets live at fixed paths because Deno's --allow-net scopes a Unix
 * socket by its exact path (unix:/tmp/sf-deno-test/a.sock): package.json's test script grants
 * exactly these two.
 */
export const SOCKET_DIR = "/tmp/sf-deno-test";
export const SOCKET_A = `${SOCKET_DIR}/a.sock`;
export const SOCKET_B = `${SOCKET_DIR}/b.sock`;

export const utf8 = new TextEncoder();
export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** Makes the socket directory and removes leftovers of an earlier, interrupted run. */
export async function freshSocketDir(): Promise<void> {
  await Deno.mkdir(SOCKET_DIR, { recursive: true });
  for (const path of [SOCKET_A, SOCKET_B]) {
    await Deno.remove(path).catch(() => undefined);
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Rejects if `promise` takes longer than `ms`: every wait in the tests is bounded. */
export async function within<T>(ms: number, label: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${label}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A connected pair of loopback TCP sockets, client first. */
export async function tcpPair(): Promise<[Deno.TcpConn, Deno.TcpConn]> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const [client, server] = await Promise.all([Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }), listener.accept()]);
    return [client, server];
  } finally {
    listener.close();
  }
}

/** Reads until EOF (or `limit` octets), with an overall time bound. */
export async function readToEnd(conn: Deno.Conn, ms = 10_000, limit = 1 << 20): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  const reading = (async () => {
    for (;;) {
      const buffer = new Uint8Array(64 * 1024);
      const count = await conn.read(buffer);
      if (count === null) break;
      parts.push(buffer.subarray(0, count));
      total += count;
      if (total >= limit) break;
    }
  })();
  await within(ms, "read to end of stream", reading);
  return concat(parts);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Splits a byte string into frames (header JSON, body) without the codec, to check wire output. */
export function parseFrames(bytes: Uint8Array): Array<{ header: Record<string, unknown>; body: Uint8Array }> {
  const frames: Array<{ header: Record<string, unknown>; body: Uint8Array }> = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at + 4 <= bytes.length) {
    const headerLength = view.getUint32(at);
    const header = JSON.parse(text(bytes.subarray(at + 4, at + 4 + headerLength))) as Record<string, unknown>;
    const size = Number(header.total_size);
    const start = at + 4 + headerLength;
    frames.push({ header, body: bytes.subarray(start, start + size) });
    at = start + size;
  }
  if (at !== bytes.length) throw new Error(`${bytes.length - at} octets after the last whole frame`);
  return frames;
}
