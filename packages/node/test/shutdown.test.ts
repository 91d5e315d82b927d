import { afterAll, describe, expect, it } from "vitest";
import { connect, type Connection, listen } from "../src/index.ts";
import { deferred, delay, take, tempDir, text, upper, utf8, within } from "./helpers.ts";

const dir = tempDir();
afterAll(() => dir.remove());

describe.each([
  ["tcp", () => "127.0.0.1:0", /ECONNREFUSED/],
  ["unix", () => `unix:${dir.path("shutdown.sock")}`, /ENOENT|ECONNREFUSED/],
])("graceful server.close() over %s", (_name, address, refused) => {
  it("lets the in-flight handler finish and flush its reply, and refuses new connections", async () => {
    const events: string[] = [];
    const started = deferred();
    const slowUpper = async (connection: Connection) => {
      for await (const { header, body } of connection) {
        started.resolve();
        await delay(300);
        await connection.send({ id: header.id }, upper(body));
        events.push("reply sent");
      }
    };
    const server = await listen(address(), slowUpper);
    // An idle client: close() must end its connection too, not wait for it to go away by itself.
    const idle = await connect(server.address);
    const idleEnded = take(idle, 1).then(() => idle.close());
    const client = await connect(server.address);
    const reply = client.request({}, utf8.encode("in flight"));
    await within(5000, started.promise, "handler start");
    expect(server.connections).toBe(2);

    const closing = server.close().then(() => events.push("server closed"));
    // Refused at once, while the handler is still at work.
    await expect(connect(server.address)).rejects.toThrow(refused);

    expect(text((await within(5000, reply, "reply")).body)).toBe("IN FLIGHT");
    events.push("reply received");
    // The server closes its side after the reply: the client's iteration ends.
    expect(await within(5000, take(client, 1), "server FIN")).toEqual([]);
    await client.close();
    await within(5000, closing, "server.close()");
    await within(5000, idleEnded, "idle client closed");
    expect(events).toEqual(["reply sent", "reply received", "server closed"]);
    expect(server.connections).toBe(0);
    await expect(connect(server.address)).rejects.toThrow(refused);
  });
});
