/** Something with Deno.Conn's write(): resolves with the octets written, which may be fewer than asked. */
export interface Writer {
  write(data: Uint8Array): Promise<number>;
}

/**
 * Writes every octet of `data`. Deno's conn.write() writes what the socket buffer takes (a few MiB
 * on loopback) and returns the count; the rest must be written again or it is lost.
 */
export async function writeAll(writer: Writer, data: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    offset += await writer.write(offset === 0 ? data : data.subarray(offset));
  }
}
