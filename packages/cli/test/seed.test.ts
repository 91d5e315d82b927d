// The seed tutorial's own Python programs as peers, extracted from the seed file at test time.
// They hard-code 127.0.0.1 ports 6666, 7890 and 8083: these tests run one at a time (vitest runs
// files one after another, and the tests of a file in order), and nothing else here uses those ports.
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CliServer, type CliResult, collect, killLeftovers, RUNTIMES, runCli, sleep, spawnTracked } from "./support/cli.ts";
import { extractSeedPrograms, listeningOn, pythonEnvironment, type SeedPrograms, seedFile } from "./support/seed.ts";

let programs: SeedPrograms;
let env: Record<string, string>;

beforeAll(() => {
  const path = seedFile();
  if (path === null) throw new Error("the seed file was not found: expected ../shared/seed/000_3557afddd17c671b.txt beside the repository, or SOCKFRAME_SEED_FILE");
  programs = extractSeedPrograms(path);
  env = pythonEnvironment(programs);
});

afterAll(() => {
  killLeftovers();
  if (programs) rmSync(programs.dir, { recursive: true, force: true });
});

async function waitUntil(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  for (const started = performance.now(); !check();) {
    if (performance.now() - started > ms) throw new Error(`timed out: ${what}`);
    await sleep(25);
  }
}

/** Runs one of the seed's Python programs to completion (bounded), feeding it `input`. */
function python(program: string, input = "", timeoutMs = 30_000): Promise<CliResult> {
  const child = spawnTracked("python3", [program], { env });
  const done = collect(child, timeoutMs);
  child.stdin!.on("error", () => undefined);
  child.stdin!.end(input);
  return done;
}

/** Starts one of the seed's Python servers and waits until it listens on `port`. */
async function pythonServer(program: string, port: number) {
  if (listeningOn(port)) throw new Error(`port ${port} is taken before the test`);
  const child = spawnTracked("python3", [program], { env });
  child.stdin!.end();
  const done = collect(child, 60_000);
  await waitUntil(() => listeningOn(port), `seed server on ${port}`);
  return {
    done,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      return done;
    },
  };
}

describe.each(RUNTIMES)("the seed profile on %s, with the seed's programs", (runtime) => {
  test("echo --profile seed serves the seed's 4.2 client (port 6666)", async () => {
    const server = await CliServer.start(runtime, ["echo", "--profile", "seed", "--listen", "127.0.0.1:6666"]);
    try {
      expect(server.address).toBe("tcp://127.0.0.1:6666");
      const client = await python(programs.client42);
      expect(client.stderr).toBe("");
      expect(client.code).toBe(0);
      expect(client.stdout).toBe("服务端 SHOW 信息\n");
    } finally {
      expect((await server.stop()).code).toBe(0);
    }
  });

  test("echo --profile seed serves the seed's 4.4 loop client (port 7890)", async () => {
    const server = await CliServer.start(runtime, ["echo", "--profile", "seed", "--listen", "7890"]);
    try {
      const client = await python(programs.client44, "hello seed\n\n   \nabc 信息 xyz\nq\n");
      expect(client.code).toBe(0);
      expect(client.stdout).toBe(">>服务端 HELLO SEED\n>>>>>>服务端 ABC 信息 XYZ\n>>");
    } finally {
      await server.stop();
    }
  });

  test("client --profile seed talks to the seed's 4.1 and 4.3 servers", async () => {
    const one = await pythonServer(programs.server41, 6666);
    try {
      const reply = await runCli(runtime, ["client", "--profile", "seed", "--connect", "127.0.0.1:6666", "--message", "one shot"]);
      expect(reply.stdout).toBe("ONE SHOT\n");
      expect(reply.code).toBe(0);
      const server = await one.done;
      expect(server.code).toBe(0);
      expect(server.stdout).toMatch(/客户端消息 one shot/);
    } finally {
      await one.stop();
    }
    const loop = await pythonServer(programs.server43, 7890);
    try {
      const replies = await runCli(runtime, ["client", "--profile", "seed", "--connect", "127.0.0.1:7890"], { input: "first\n\nsecond 信息\nq\n" });
      expect(replies.stdout).toBe("FIRST\nSECOND 信息\n");
      expect(replies.code).toBe(0);
      expect((await loop.done).code).toBe(0);
    } finally {
      await loop.stop();
    }
  });

  test("exec-server --profile seed serves the seed's 5.5 client; the allowlist still holds (port 8083)", async () => {
    const server = await CliServer.start(runtime, ["exec-server", "--profile", "seed", "--listen", "127.0.0.1:8083", "--allow", "echo", "--allow", "ls"]);
    let client: CliResult;
    try {
      // The 5.5 client loops until its input ends, then dies of EOFError: that end is expected.
      client = await python(programs.client55, "echo hello world\nls /nonexistent-sockframe\nrm -rf /tmp/sockframe-nothing\ncat /etc/passwd | head\n");
    } finally {
      await server.stop();
    }
    expect(client.stderr).toMatch(/EOFError/);
    const answers = client.stdout.split("cmd>>：").slice(1);
    expect(answers).toHaveLength(5);
    expect(answers[0]).toMatch(/^\{'total_size': 12, 'filename': 'a\.txt', 'md5': '[0-9a-f]{32}', .*'exit_code': 0, 'stderr_size': 0, 'stdout_size': 12\}\nhello world\n\n$/);
    expect(answers[1]).toMatch(/'exit_code': 2, .*\n.*ls: cannot access '\/nonexistent-sockframe': No such file or directory\n\n$/);
    expect(answers[2]).toMatch(/'error': \{'code': 'EXEC_NOT_ALLOWED', 'message': 'rm is not an allowed program \(allowed: echo, ls\)'\}\}\nsockframe: refused: rm is not an allowed program/);
    expect(answers[3]).toMatch(/EXEC_NOT_ALLOWED.*shell syntax "\|" needs a shell/);
  });

  test("exec --profile seed works against the seed's own 5.5 server, and against ours", async () => {
    const seedServer = await pythonServer(programs.server55, 8083);
    try {
      const hello = await runCli(runtime, ["exec", "--profile", "seed", "--connect", "127.0.0.1:8083", "--", "echo", "it's", "$HOME", "a  b"]);
      expect(hello.stdout).toBe("it's $HOME a  b\n");
      expect(hello.code).toBe(0);
      // The seed's header says md5 "1111111111": not a digest, so the body cannot be checked; we say so.
      expect(hello.stderr).toBe('sockframe exec: note: the reply\'s md5 "1111111111" is not a digest; the body was not verified\n');
      // The seed glues stderr to stdout and sends no exit status.
      const failing = await runCli(runtime, ["exec", "--profile", "seed", "--connect", "127.0.0.1:8083", "--", "ls", "/nonexistent-sockframe"]);
      expect(failing.stdout).toMatch(/ls: cannot access '\/nonexistent-sockframe': No such file or directory\n/);
    } finally {
      await seedServer.stop();
    }
    await waitUntil(() => !listeningOn(8083), "port 8083 to be free");
    const ours = await CliServer.start(runtime, ["exec-server", "--profile", "seed", "--listen", "127.0.0.1:8083", "--allow", "sh"]);
    try {
      const split = await runCli(runtime, ["exec", "--profile", "seed", "--connect", "127.0.0.1:8083", "--", "sh", "-c", "echo out; echo err >&2; exit 4"]);
      expect(split.stdout).toBe("out\n");
      expect(split.stderr).toBe("err\n");
      expect(split.code).toBe(4);
      const refused = await runCli(runtime, ["exec", "--profile", "seed", "--connect", "127.0.0.1:8083", "--", "rm", "x"]);
      expect(refused.code).toBe(126);
      expect(refused.stderr).toMatch(/^sockframe exec: EXEC_NOT_ALLOWED: rm is not an allowed program/);
    } finally {
      await ours.stop();
    }
  });
});
