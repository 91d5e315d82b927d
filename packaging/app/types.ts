// The published declarations, as a strict TypeScript user compiles against them.
import { encodeFrame, FrameDecoder, type Frame, type Header, SockframeError } from "@sockframe/codec";
import { connect, listen, type Connection } from "@sockframe/node";

const decoder: FrameDecoder = new FrameDecoder({ maxBodyBytes: 1024 });
decoder.push(encodeFrame({ filename: "a" }, new Uint8Array(1)));
const frames: Frame<Header>[] = [...decoder];
const size: number = frames[0]!.header.total_size;
const code: string | undefined = decoder.error instanceof SockframeError ? decoder.error.code : undefined;
export async function roundTrip(): Promise<number> {
  const server = await listen("127.0.0.1:0", async (connection: Connection) => {
    for await (const frame of connection) await connection.send({ id: frame.header.id }, frame.body);
  });
  const client = await connect(server.address);
  const reply = await client.request({}, new Uint8Array(size));
  await client.close();
  await server.close();
  return reply.body.length + (code === undefined ? 0 : 1);
}
