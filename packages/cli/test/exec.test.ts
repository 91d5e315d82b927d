import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createConnection, type Socket } from "node:net";
import { join } from "node:path";
import { connect, decodeAll } from "@sockframe/node";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CliServer, killLeftovers, RUNTIMES, runCli, sleep } from "./support/cli.ts";

let dir: string;
let tokenFile: string;
let wrongTokenFile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sf-exec-"));
  tokenFile = join(dir, "token");
  writeFileSync(tokenFile, "0123456789abcdef0123456789abcdef\n");
  chmodSync(tokenFile, 0o600);
  wrongTokenFile = join(dir, "wrong");
  writeFileSync(wrongTokenFile, "0123456789abcdef0123456789abcdeX\n");
});

afterAll(() => {
  killLeftovers();
  rmSync(dir, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.each(RUNTIMES)("exec-server and exec on %s", (runtime) => {
  test("allowlist, argv without a shell, stdout/stderr split, exit status, limits", async () => {
    const server = await CliServer.start(runtime, [
      "exec-server", "--allow", "sh", "--allow", "cat", "--allow", "echo", "--allow", "head",
      "--timeout", "1500ms", "--max-output", "1k", "--max-concurrent", "1", "--max-input", "1k",
    ]);
    const exec = (args: string[], input?: string) => runCli(runtime, ["exec", "--connect", server.address, ...args], { input });
    try {
      const split = await exec(["--", "sh", "-c", "echo out; echo err >&2; exit 3"]);
      expect(split.stdout).toBe("out\n");
      expect(split.stderr).toBe("err\n");
      expect(split.code).toBe(3);

      // No shell: metacharacters are plain argument text.
      const literal = await exec(["--", "echo", "a;", "$HOME", "|", "`id`"]);
      expect(literal.stdout).toBe("a; $HOME | `id`\n");
      expect(literal.code).toBe(0);

      const stdin = await exec(["--stdin", "--", "cat"], "piped input\n");
      expect(stdin.stdout).toBe("piped input\n");
      // Input over the server's --max-input, then over the client's own.
      const tooMuch = await exec(["--stdin", "--", "cat"], "x".repeat(1025));
      expect(tooMuch.code).toBe(125);
      expect(tooMuch.stderr).toMatch(/BODY_TOO_LARGE/);
      const overOwn = await exec(["--stdin", "--max-input", "1k", "--", "cat"], "x".repeat(1025));
      expect(overOwn.code).toBe(125);
      expect(overOwn.stderr).toBe("sockframe exec: --stdin: input over 1024 bytes (--max-input)\n");

      for (const program of ["rm", "./sh", "/tmp/sh", "bash"]) {
        const refused = await exec(["--", program, "-c", "true"]);
        expect(refused.code, program).toBe(126);
        expect(refused.stdout).toBe("");
        expect(refused.stderr).toMatch(/^sockframe exec: EXEC_NOT_ALLOWED: .* is not an allowed program \(allowed: sh, cat, echo, head\)\n$/);
      }
      const noShell = await exec(["--shell", "--", "echo hi | cat"]);
      expect(noShell.code).toBe(126);
      expect(noShell.stderr).toMatch(/EXEC_SHELL_DISABLED/);

      // Timeout: the whole tree goes, including a child left in the background.
      const pidFile = join(dir, `bg-${runtime}.pid`);
      const slow = await exec(["--", "sh", "-c", `sleep 30 & echo $! > ${pidFile}; sleep 30`]);
      expect(slow.code).toBe(124);
      expect(slow.stderr).toMatch(/^sockframe exec: EXEC_TIMEOUT: killed after 1.5 s/);
      const orphan = Number(readFileSync(pidFile, "utf8"));
      for (let i = 0; i < 50 && alive(orphan); i++) await sleep(100);
      expect(alive(orphan)).toBe(false);

      const big = await exec(["--", "head", "-c", "100000", "/dev/zero"]);
      expect(big.code).toBe(125);
      expect(big.stderr).toMatch(/EXEC_OUTPUT_LIMIT: killed: output exceeded 1.0 KiB/);
      const justUnder = await exec(["--", "head", "-c", "1024", "/dev/zero"]);
      expect(justUnder.code).toBe(0);
      expect(justUnder.stdoutBytes.length).toBe(1024);

      // One command at a time: a second one meanwhile is refused, not queued without bound.
      const busyMark = join(dir, `busy-${runtime}`);
      const busy = exec(["--", "sh", "-c", `touch ${busyMark}; sleep 1; echo done`]);
      for (let i = 0; i < 300 && !existsSync(busyMark); i++) await sleep(50);
      // From this process: a second CLI's start-up could outlast the first command.
      const client = await connect(server.address);
      await expect(client.request({ argv: ["echo", "second"] })).rejects.toMatchObject({ code: "EXEC_BUSY" });
      await client.close();
      expect((await busy).stdout).toBe("done\n");
    } finally {
      const stopped = await server.stop();
      expect(stopped.code).toBe(0);
    }
  });

  test("a client that goes away before its reply has its command killed, and its slot freed", async () => {
    const server = await CliServer.start(runtime, ["exec-server", "--allow", "sh", "--allow", "echo", "--max-concurrent", "1", "--timeout", "20s"]);
    try {
      const pidFile = join(dir, `gone-${runtime}.pid`);
      const leaving = await connect(server.address);
      void leaving.request({ argv: ["sh", "-c", `echo $$ > ${pidFile}; exec sleep 19`] }).catch(() => undefined);
      for (let i = 0; i < 300 && !existsSync(pidFile); i++) await sleep(50);
      const pid = Number(readFileSync(pidFile, "utf8"));
      expect(alive(pid)).toBe(true);
      leaving.destroy();
      for (let i = 0; i < 50 && alive(pid); i++) await sleep(100);
      expect(alive(pid)).toBe(false);
      // The --max-concurrent slot is free again.
      const next = await connect(server.address);
      expect(new TextDecoder().decode((await next.request({ argv: ["echo", "free"] })).body)).toBe("free\n");
      await next.close();
    } finally {
      const stopped = await server.stop();
      expect(stopped.code).toBe(0);
      expect(stopped.stderr).toMatch(/EXEC_ABANDONED: killed: the client went away/);
    }
  });

  test("token: required beyond loopback, checked, failures slowed; --shell announced and first word checked", async () => {
    const open = await runCli(runtime, ["exec-server", "--listen", "0.0.0.0:0", "--allow", "echo"]);
    expect(open.code).toBe(2);
    expect(open.stdout).toBe("");
    expect(open.stderr).toMatch(/non-loopback address only with --token-file/);

    const server = await CliServer.start(runtime, ["exec-server", "--allow", "echo", "--allow", "tr", "--token-file", tokenFile, "--shell"]);
    try {
      const started = performance.now();
      const none = await runCli(runtime, ["exec", "--connect", server.address, "--", "echo", "x"]);
      expect(none.code).toBe(126);
      expect(none.stderr).toBe("sockframe exec: UNAUTHORIZED: wrong or missing token\n");
      expect(performance.now() - started).toBeGreaterThan(1000);
      const wrong = await runCli(runtime, ["exec", "--connect", server.address, "--token-file", wrongTokenFile, "--", "echo", "x"]);
      expect(wrong.code).toBe(126);
      const right = await runCli(runtime, ["exec", "--connect", server.address, "--token-file", tokenFile, "--", "echo", "x"]);
      expect(right.stdout).toBe("x\n");
      const piped = await runCli(runtime, ["exec", "--connect", server.address, "--token-file", tokenFile, "--shell", "--", "echo abc | tr a-c x-z"]);
      expect(piped.stdout).toBe("xyz\n");
      const sneaky = await runCli(runtime, ["exec", "--connect", server.address, "--token-file", tokenFile, "--shell", "--", "rm -rf /nonexistent; echo"]);
      expect(sneaky.code).toBe(126);
      expect(sneaky.stderr).toMatch(/EXEC_NOT_ALLOWED: rm is not an allowed program/);
    } finally {
      const stopped = await server.stop();
      expect(stopped.stderr).toMatch(/WARNING: --shell is on/);
      expect(stopped.stderr).toMatch(/wrong or missing token/);
    }
  });

  test("Ctrl-C lets a running command finish and answers it", async () => {
    const server = await CliServer.start(runtime, ["exec-server", "--allow", "sh"]);
    const mark = join(dir, `started-${runtime}`);
    const running = runCli(runtime, ["exec", "--connect", server.address, "--", "sh", "-c", `touch ${mark}; sleep 1; echo finished`]);
    // Signal once the command runs, not before the client has even connected.
    for (let i = 0; i < 300 && !existsSync(mark); i++) await sleep(50);
    const stopped = await server.stop("SIGINT");
    const result = await running;
    expect(result.stdout).toBe("finished\n");
    expect(result.code).toBe(0);
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toMatch(/SIGINT, shutting down/);
  });
});

/** A raw seed-profile client (the tutorial's: one command per write); `read: false` never reads the reply. */
async function seedClient(address: string, read: boolean): Promise<{ socket: Socket; received: () => Uint8Array }> {
  const at = address.lastIndexOf(":");
  const socket = createConnection({ host: address.slice(0, at).replace(/^tcp:\/\//, ""), port: Number(address.slice(at + 1)) });
  const parts: Uint8Array[] = [];
  if (read) socket.on("data", (data: Uint8Array) => parts.push(data));
  socket.on("error", () => undefined);
  await new Promise((resolve) => socket.once("connect", resolve));
  return { socket, received: () => Buffer.concat(parts) };
}

describe("exec-server --profile seed", () => {
  test("holds a command's --max-concurrent slot while its reply waits for a client that does not read it", async () => {
    const server = await CliServer.start("node", ["exec-server", "--profile", "seed", "--listen", "127.0.0.1:0", "--allow", "head", "--allow", "echo", "--max-concurrent", "1", "--max-output", "64MiB"]);
    const silent = await seedClient(server.address, false);
    try {
      // 32 MB of output: far more than the socket buffers take from a client that reads nothing.
      silent.socket.write("head -c 32000000 /dev/zero");
      await sleep(1500); // head is done long before this
      const other = await seedClient(server.address, true);
      other.socket.write("echo hi");
      let frames: ReturnType<typeof decodeAll>["frames"] = [];
      for (const started = Date.now(); frames.length === 0 && Date.now() - started < 10_000; await sleep(20)) {
        frames = decodeAll(other.received(), { profile: "le" }).frames;
      }
      other.socket.destroy();
      // Before, the slot was free once head exited, and 32 MB more waited in memory for each such client.
      expect(new TextDecoder().decode(frames[0]?.body)).toMatch(/refused: .*limit \(--max-concurrent\)/);
    } finally {
      silent.socket.destroy();
      await server.stop();
    }
  });
});
