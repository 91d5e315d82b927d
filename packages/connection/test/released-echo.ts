/**
 * A check every adapter's tests run over real sockets (the Node, Deno and Bun packages import it):
 * Connection.release() end to end, with the runtime's own reads and writes.
 */
import type { Address, Connection, ConnectionOptions } from "../src/index.ts";

/** The adapters' listen() and connect(), as far as the check uses them. */
export type Listen = (
  address: string | Address,
  handler: (connection: Connection) => Promise<void>,
  options: ConnectionOptions,
) => Promise<{ address: Address; close(): Promise<void> }>;
export type Connect = (address: Address) => Promise<Connection>;

const MiB = 1024 * 1024;

/**
 * Six rounds of four 1 MiB echoes in flight, every body released on both sides. The server sends
 * each body back and releases it at once: its high-water mark is far off, so send() resolves
 * before the write ends, and the memory must not be reused until it has. The client releases each
 * reply once checked. Returns, per echo, whether the reply came back intact, and how many buffers
 * the server's 24 bodies used (fewer than 24 when memory was reused).
 */
export async function releasedEcho(listen: Listen, connect: Connect, address: string | Address): Promise<{ intact: boolean[]; serverBuffers: number }> {
  const buffers = new Set<ArrayBufferLike>();
  const server = await listen(
    address,
    async (connection) => {
      for await (const { header, body } of connection) {
        buffers.add(body.buffer);
        await connection.send({ id: header.id }, body);
        connection.release(body);
      }
    },
    { writeHighWaterMark: 64 * MiB },
  );
  const intact: boolean[] = [];
  try {
    const client = await connect(server.address);
    try {
      for (let round = 0; round < 6; round++) {
        const echoes = [1, 2, 3, 4].map(async (k) => {
          const n = round * 4 + k;
          const reply = await client.request({}, new Uint8Array(MiB).fill(n));
          const same = reply.body.length === MiB && reply.body.every((octet) => octet === n);
          client.release(reply.body);
          return same;
        });
        intact.push(...(await Promise.all(echoes)));
      }
    } finally {
      await client.close();
    }
  } finally {
    await server.close();
  }
  return { intact, serverBuffers: buffers.size };
}
