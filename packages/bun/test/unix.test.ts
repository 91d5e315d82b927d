import { existsSync, lstatSync, writeFileSync } from "node:fs";
import { afterEach, expect, test } from "bun:test";
import { connect, listen } from "../src/index.ts";
import { bytes, Resources, socketDir, text, within } from "./helpers.ts";

const dir = socketDir();
const open = new Resources();
afterEach(() => open.closeAll());

const echo = async (connection: import("../src/index.ts").Connection) => {
  for await (const frame of connection) await connection.send({ id: frame.header.id }, frame.body);
};

async function roundTrip(path: string, word: string): Promise<string> {
  const client = open.client(await connect(`unix:${path}`));
  return text((await within(5000, `echo over ${path}`, client.request({}, bytes(word)))).body);
}

test("a path over 107 octets is refused with a clear RangeError", async () => {
  const long = `${dir}/${"x".repeat(120)}.sock`;
  await expect(listen(`unix:${long}`, echo)).rejects.toThrow(RangeError);
  await expect(listen(`unix:${long}`, echo)).rejects.toThrow(/over the limit of 107/);
  await expect(connect(`unix:${long}`)).rejects.toThrow(RangeError);
  // Multi-byte characters count as octets: 40 three-octet characters are 120 octets.
  await expect(listen(`unix:${dir}/${"€".repeat(40)}`, echo)).rejects.toThrow(RangeError);
});

test("a stale socket file left by a crashed server is replaced", async () => {
  const path = `${dir}/stale.sock`;
  // A real crash: a child Bun listens, then dies by SIGKILL, leaving its socket file behind.
  const child = Bun.spawn(
    [process.execPath, "-e", `Bun.listen({ unix: ${JSON.stringify(path)}, socket: { data() {} } }); console.log("listening"); setInterval(() => {}, 1000);`],
    { stdout: "pipe", stderr: "inherit" },
  );
  try {
    const reader = child.stdout.getReader();
    const first = await within(10_000, "the child to listen", reader.read());
    expect(new TextDecoder().decode(first.value)).toContain("listening");
    reader.releaseLock();
  } finally {
    child.kill("SIGKILL");
    await child.exited;
  }
  expect(lstatSync(path).isSocket()).toBe(true);
  const server = open.server(await listen(`unix:${path}`, echo));
  expect(server.address).toEqual({ transport: "unix", path });
  expect(await roundTrip(path, "fresh")).toBe("fresh");
});

test("a live server's socket is never taken over: listening again is an error and the first keeps serving", async () => {
  const path = `${dir}/live.sock`;
  const first = open.server(await listen(`unix:${path}`, echo));
  await expect(listen(`unix:${path}`, echo)).rejects.toThrow(/address in use by a live server/);
  expect(lstatSync(path).isSocket()).toBe(true);
  expect(await roundTrip(path, "still here")).toBe("still here");
  expect(first.address).toEqual({ transport: "unix", path });
});

test("a path that is not a socket is left alone", async () => {
  const path = `${dir}/regular-file`;
  writeFileSync(path, "data");
  await expect(listen(`unix:${path}`, echo)).rejects.toThrow(/not a socket/);
  expect(existsSync(path)).toBe(true);
});

test("closing the server removes its socket file", async () => {
  const path = `${dir}/removed.sock`;
  const server = await listen(`unix:${path}`, echo);
  expect(existsSync(path)).toBe(true);
  await server.close();
  expect(existsSync(path)).toBe(false);
});
