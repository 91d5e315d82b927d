import assert from "node:assert/strict";
import { connect, type Connection, listen, UNIX_PATH_MAX } from "../src/index.ts";
import { exists, freshSocketDir, SOCKET_A, SOCKET_B, SOCKET_DIR, text, utf8, within } from "./helpers.ts";

const echo = () => async (connection: Connection) => {
  for await (const { header, body } of connection) await connection.send({ id: header.id }, body);
};

async function roundTrip(path: string, word: string): Promise<string> {
  const client = await connect(`unix:${path}`);
  try {
    return text((await within(5000, `request over ${path}`, client.request({}, utf8.encode(word)))).body);
  } finally {
    await client.close();
  }
}

Deno.test("unix: a path over 107 octets is refused with a clear RangeError", async () => {
  const long = `${SOCKET_DIR}/${"x".repeat(UNIX_PATH_MAX)}.sock`;
  await assert.rejects(listen(`unix:${long}`, echo()), (error: unknown) => {
    assert.ok(error instanceof RangeError);
    assert.match(error.message, /over the limit of 107/);
    return true;
  });
  await assert.rejects(connect(`unix:${long}`), RangeError);
  // Octets, not characters: 54 two-octet characters are 108 octets.
  await assert.rejects(listen(`unix:/${"é".repeat(54)}`, echo()), RangeError);
});

Deno.test("unix: a stale socket file (its server crashed) is replaced", async () => {
  await freshSocketDir();
  // A crash leaves a socket file with no listener behind it. Deno removes the file of a listener it
  // closes, so a hard link to it stands in for the file a killed process would leave.
  const crashed = Deno.listen({ transport: "unix", path: SOCKET_A });
  await Deno.link(SOCKET_A, SOCKET_B);
  crashed.close();
  assert.ok((await Deno.lstat(SOCKET_B)).isSocket);
  await assert.rejects(Deno.connect({ transport: "unix", path: SOCKET_B }), Deno.errors.ConnectionRefused);

  const server = await listen(`unix:${SOCKET_B}`, echo());
  try {
    assert.deepEqual(server.address, { transport: "unix", path: SOCKET_B });
    assert.equal(await roundTrip(SOCKET_B, "fresh"), "fresh");
  } finally {
    await server.close();
  }
  assert.equal(await exists(SOCKET_B), false, "the socket file is removed on close");
});

Deno.test("unix: a live server's socket is never removed: address in use", async () => {
  await freshSocketDir();
  const live = await listen(`unix:${SOCKET_A}`, echo());
  try {
    await assert.rejects(listen(`unix:${SOCKET_A}`, echo()), (error: unknown) => {
      assert.ok(error instanceof Deno.errors.AddrInUse);
      assert.equal((error as { code?: string }).code, "EADDRINUSE"); // as on Node and Bun
      assert.match((error as Error).message, /address in use by a live server/);
      return true;
    });
    assert.equal(await roundTrip(SOCKET_A, "still served"), "still served");
  } finally {
    await live.close();
  }
});

Deno.test("unix: a file that is not a socket is left alone: address in use", async () => {
  await freshSocketDir();
  await Deno.writeTextFile(SOCKET_A, "precious");
  try {
    await assert.rejects(listen(`unix:${SOCKET_A}`, echo()), Deno.errors.AddrInUse);
    assert.equal(await Deno.readTextFile(SOCKET_A), "precious");
  } finally {
    await Deno.remove(SOCKET_A);
  }
});
