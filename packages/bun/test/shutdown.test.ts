import { afterEach, expect, test } from "bun:test";
import { connect, listen } from "../src/index.ts";
import { bytes, Resources, sleep, text, within } from "./helpers.ts";

const open = new Resources();
afterEach(() => open.closeAll());

test("server.close() lets an in-flight handler finish and flushes its reply; new connections are refused after", async () => {
  let started!: () => void;
  const inFlight = new Promise<void>((resolve) => (started = resolve));
  const server = await listen(
    "127.0.0.1:0",
    async (connection) => {
      for await (const frame of connection) {
        started();
        await sleep(200);
        await connection.send({ id: frame.header.id }, bytes(`done: ${text(frame.body)}`));
      }
    },
    {},
  );
  const client = open.client(await connect(server.address));
  const events: string[] = [];
  const reply = client.request({}, bytes("slow job")).then((frame) => {
    events.push(`reply ${text(frame.body)}`);
    // The reply is the last thing this client expects: close our side so the server can finish.
    void client.close();
  });
  await within(5000, "the request to reach the handler", inFlight);
  const closed = server.close().then(() => events.push("server closed"));
  await within(5000, "reply and close", Promise.all([reply, closed]));
  expect(events).toEqual(["reply done: slow job", "server closed"]);
  expect(server.connections).toBe(0);
  await expect(connect(server.address)).rejects.toMatchObject({ code: "ECONNREFUSED" });
});
