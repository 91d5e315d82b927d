import { afterEach, expect, test } from "bun:test";
import { connect, listen } from "../src/index.ts";
import { bytes, Resources, text, within } from "./helpers.ts";

const open = new Resources();
afterEach(() => open.closeAll());

const FRAMES = 10_000;

/** Counts Bun socket write() calls while `run` runs (every TCP socket shares one prototype). */
async function countSocketWrites(run: () => Promise<void>): Promise<number> {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const probe = await Bun.connect({ hostname: "127.0.0.1", port: listener.port, socket: { data() {} } });
  const proto = Object.getPrototypeOf(probe) as { write: (...args: unknown[]) => number };
  probe.end();
  listener.stop(true);
  const original = proto.write;
  let calls = 0;
  proto.write = function (this: unknown, ...args: unknown[]) {
    calls++;
    return original.apply(this, args);
  };
  try {
    await run();
  } finally {
    proto.write = original;
  }
  return calls;
}

test("10,000 small frames sent at once arrive in order, in few socket writes (coalesced)", async () => {
  const received: number[] = [];
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  const server = open.server(
    await listen("127.0.0.1:0", async (connection) => {
      for await (const { header, body } of connection) {
        received.push(header.seq as number);
        if (text(body) !== `body ${header.seq}`) throw new Error(`frame ${header.seq} carries ${text(body)}`);
        if (received.length === FRAMES) done();
      }
    }),
  );
  const client = open.client(await connect(server.address));
  const writes = await countSocketWrites(async () => {
    await within(20_000, "10,000 sends", Promise.all(Array.from({ length: FRAMES }, (_, seq) => client.send({ seq }, bytes(`body ${seq}`)))));
  });
  await within(20_000, "10,000 frames at the server", all);
  expect(received).toEqual(Array.from({ length: FRAMES }, (_, i) => i));
  // Uncoalesced, this is two writes per frame (head, body): 20,000.
  expect(writes).toBeLessThan(100);
});
