import { spawn } from "node:child_process";
import { existsSync, lstatSync, readFileSync, writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { connect, type Connection, listen, UNIX_PATH_MAX } from "../src/index.ts";
import { tempDir, text, upper, utf8, within } from "./helpers.ts";

const dir = tempDir();
afterAll(() => dir.remove());

async function upperCaser(connection: Connection): Promise<void> {
  for await (const { header, body } of connection) await connection.send({ id: header.id }, upper(body));
}

async function roundTrip(path: string, word: string): Promise<string> {
  const client = await connect(`unix:${path}`);
  try {
    return text((await within(5000, client.request({}, utf8.encode(word)))).body);
  } finally {
    await client.close();
  }
}

/** Leaves a socket file behind: a child process listens on `path` and is killed with SIGKILL. */
async function crashedServer(path: string): Promise<void> {
  const script = `require("node:net").createServer().listen(${JSON.stringify(path)}, () => console.log("listening"))`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  await within(
    10_000,
    new Promise<void>((resolve, reject) => {
      child.stdout.on("data", () => resolve());
      child.once("exit", (code) => reject(new Error(`child exited early with ${code}`)));
    }),
    "child listening",
  );
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await within(10_000, exited, "child exit");
}

describe("Unix socket paths", () => {
  it("rejects a path over 107 octets with a clear RangeError", async () => {
    const long = `/tmp/${"x".repeat(UNIX_PATH_MAX)}`;
    await expect(listen(`unix:${long}`, upperCaser)).rejects.toThrow(RangeError);
    await expect(listen(`unix:${long}`, upperCaser)).rejects.toThrow(/over the limit of 107/);
    await expect(connect({ transport: "unix", path: long })).rejects.toThrow(RangeError);
    // Counted in octets, not characters: 55 characters, 108 octets.
    await expect(listen(`unix:/${"é".repeat(53)}x`, upperCaser)).rejects.toThrow(/108 octets/);
  });

  it("replaces the socket file of a crashed server", async () => {
    const path = dir.path("stale.sock");
    await crashedServer(path);
    expect(lstatSync(path).isSocket()).toBe(true);
    const server = await listen(`unix:${path}`, upperCaser);
    try {
      expect(await roundTrip(path, "revived")).toBe("REVIVED");
    } finally {
      await server.close();
    }
  });

  it("refuses to take over a live server's socket, which keeps serving", async () => {
    const path = dir.path("live.sock");
    const first = await listen(`unix:${path}`, upperCaser);
    try {
      await expect(listen(`unix:${path}`, upperCaser)).rejects.toThrow(/address in use by a live server/);
      expect(await roundTrip(path, "still mine")).toBe("STILL MINE");
    } finally {
      await first.close();
    }
  });

  it("never removes a file that is not a socket", async () => {
    const path = dir.path("plain-file");
    writeFileSync(path, "precious");
    await expect(listen(`unix:${path}`, upperCaser)).rejects.toThrow(/not a socket/);
    expect(readFileSync(path, "utf8")).toBe("precious");
  });

  it("removes its socket file on close", async () => {
    const path = dir.path("tidy.sock");
    const server = await listen(`unix:${path}`, upperCaser);
    expect(existsSync(path)).toBe(true);
    await server.close();
    expect(existsSync(path)).toBe(false);
  });
});
