import { afterEach, expect, test } from "bun:test";
import { bindDatagram, connect, listen } from "../src/index.ts";
import { bytes, Resources, socketDir, text } from "./helpers.ts";

const dir = socketDir();
const open = new Resources();
afterEach(() => open.closeAll());

const echo = async (connection: import("../src/index.ts").Connection) => {
  for await (const frame of connection) await connection.send({ id: frame.header.id }, frame.body);
};

test("listens on IPv6 loopback and reports the real port", async () => {
  const server = open.server(await listen("[::1]:0", echo));
  expect(server.address).toMatchObject({ transport: "tcp", host: "::1" });
  expect(server.url).toMatch(/^tcp:\/\/\[::1\]:\d+$/);
  const client = open.client(await connect(server.url));
  expect(text((await client.request({}, bytes("v6"))).body)).toBe("v6");
  expect(client.remoteAddress).toBe(server.url);
});

test("binds 127.0.0.1 when no host is given", async () => {
  const server = open.server(await listen(":0", echo));
  expect(server.address).toMatchObject({ transport: "tcp", host: "127.0.0.1" });
});

test("errors carry the errno code", async () => {
  const server = open.server(await listen("127.0.0.1:0", echo));
  await expect(listen(server.address, echo)).rejects.toMatchObject({ code: "EADDRINUSE" });
  await expect(connect(`unix:${dir}/nobody-here.sock`)).rejects.toMatchObject({ code: "ENOENT" });
});

test("each API refuses the other transports", async () => {
  await expect(listen("udp://127.0.0.1:0", echo)).rejects.toThrow(TypeError);
  await expect(connect("udp://127.0.0.1:9")).rejects.toThrow(TypeError);
  await expect(bindDatagram(`unix:${dir}/d.sock`)).rejects.toThrow(TypeError);
  await expect(bindDatagram({ transport: "tcp", host: "127.0.0.1", port: 0 })).rejects.toThrow(TypeError);
});
