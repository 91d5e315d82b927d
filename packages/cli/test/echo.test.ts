import { spawn } from "node:child_process";
import * as dgram from "node:dgram";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeDatagram, encodeDatagram, FrameDecoder } from "@sockframe/codec";
import { type Connection, formatAddress } from "@sockframe/connection";
import { connect, listen } from "@sockframe/node";
import { afterAll, describe, expect, test } from "vitest";
import { CliServer, killLeftovers, RUNTIMES, runCli, sleep } from "./support/cli.ts";

afterAll(() => killLeftovers());

const utf8 = new TextEncoder();
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/**
 * A raw client: sends one good frame and waits for its reply, then sends garbage and reads until
 * the server closes (10 s at most). Returns the reply's header and body, the error frame's header,
 * and how many octets followed it.
 */
function rawGarbageExchange(address: { host: string; port: number }): Promise<{ reply: Buffer; body: Buffer; error: Buffer; trailing: number }> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(address, () => socket.write(Buffer.from([0, 0, 0, 16, ...utf8.encode('{"total_size":2}ok')])));
    let received = Buffer.alloc(0);
    let sentGarbage = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error("raw client: no close within 10 s"));
    }, 10_000);
    socket.on("data", (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (!sentGarbage && received.length >= 4 + 16 + 2) {
        sentGarbage = true;
        socket.write(Buffer.concat([Buffer.from([0, 0, 0, 5]), Buffer.from("{oops")]));
      }
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(timer);
      const replyLength = received.readUInt32BE(0);
      const reply = received.subarray(4, 4 + replyLength);
      const body = received.subarray(4 + replyLength, 4 + replyLength + 2);
      const rest = received.subarray(4 + replyLength + 2);
      const error = rest.subarray(4, 4 + rest.readUInt32BE(0));
      resolve({ reply, body, error, trailing: rest.length - 4 - error.length });
    });
  });
}

function tcpTarget(url: string): { host: string; port: number } {
  const match = /^tcp:\/\/(.+):(\d+)$/.exec(url)!;
  return { host: match[1]!, port: Number(match[2]) };
}

describe.each(RUNTIMES)("echo and client on %s", (runtime) => {
  test("--max-connections: connections past it are told why and closed, and logged; those served go on", async () => {
    const server = await CliServer.start(runtime, ["echo", "--max-connections", "2"]);
    const held: Connection[] = [];
    let stopped = false;
    try {
      for (let i = 0; i < 2; i++) held.push(await connect(server.address));
      for (const connection of held) await connection.request({}, new TextEncoder().encode("x")); // both accepted
      const third = await connect(server.address);
      const outcome = await Promise.race([
        third.request({}, new TextEncoder().encode("x")).then(() => "answered", (error: { code?: string }) => `refused: ${error.code}`),
        new Promise((resolve) => setTimeout(() => resolve("still open"), 5000)),
      ]);
      expect(outcome).toBe("refused: TOO_MANY_CONNECTIONS");
      const client = await runCli(runtime, ["client", "--connect", server.address, "--message", "hi"]);
      expect(client.code).toBe(1);
      expect(client.stderr).toMatch(/TOO_MANY_CONNECTIONS/);
      expect(new TextDecoder().decode((await held[0]!.request({}, new TextEncoder().encode("y"))).body)).toBe("Y");
      third.destroy();
      for (const connection of held) connection.destroy();
      const { stderr } = await server.stop();
      stopped = true;
      // The first refusal is logged at once; the client's, within the same second, is counted for the next line.
      expect(stderr).toMatch(/sockframe echo: .*: refused: already serving 2 connections \(--max-connections\)\n/);
    } finally {
      for (const connection of held) connection.destroy();
      if (!stopped) await server.stop();
    }
  });

  test("a Unix socket path in a missing directory, or taken by a file that is not a socket, says which", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sf-cli-"));
    try {
      const file = join(dir, "plain");
      writeFileSync(file, "not a socket");
      const missing = await runCli(runtime, ["echo", "--listen", `unix:${dir}/no/such/s.sock`]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toBe(`sockframe echo: no directory ${dir}/no/such for the socket unix:${dir}/no/such/s.sock\n`);
      const taken = await runCli(runtime, ["echo", "--listen", `unix:${file}`]);
      expect(taken.code).toBe(1);
      expect(taken.stderr).toBe(`sockframe echo: ${file} exists and is not a socket; not removing it\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("listens on loopback, port 0 gives the real port; the client sends lines and --message", async () => {
    const server = await CliServer.start(runtime, ["echo", "--listen", "127.0.0.1:0"]);
    try {
      expect(server.address).toMatch(/^tcp:\/\/127\.0\.0\.1:[1-9]\d*$/);
      const one = await runCli(runtime, ["client", "--connect", server.address, "--message", "hello wörld 信息"]);
      expect(one.stderr).toBe("");
      expect(one.code).toBe(0);
      expect(one.stdout).toBe("HELLO WöRLD 信息\n");

      // The seed's 4.4 loop: empty lines skipped, "q" ends it, nothing after it is sent.
      const loop = await runCli(runtime, ["client", "--connect", server.address], { input: "first line\n\n   \n  second  \nq\nnever\n" });
      expect(loop.code).toBe(0);
      expect(loop.stdout).toBe("FIRST LINE\nSECOND\n");
    } finally {
      const stopped = await server.stop("SIGINT");
      expect(stopped.code).toBe(0);
    }
  });

  test("keeps id and extensions, recomputes digests, answers in order; garbage gets an error frame, others never notice", async () => {
    const server = await CliServer.start(runtime, ["echo"]);
    try {
      const client = await connect(server.address);
      const bystander = await connect(server.address);
      const sends = Array.from({ length: 50 }, (_, i) =>
        client.send({ id: `r${i}`, trace: { n: i } }, utf8.encode(`msg ${i}`)));
      await Promise.all(sends);
      const replies = client[Symbol.asyncIterator]();
      for (let i = 0; i < 50; i++) {
        const { value } = await replies.next();
        expect(value.header).toMatchObject({ id: `r${i}`, trace: { n: i }, total_size: `MSG ${i}`.length });
        expect(text(value.body)).toBe(`MSG ${i}`);
      }
      const checked = await client.request({ x: 1 }, utf8.encode("digest me"));
      expect(checked.header.x).toBe(1);

      // A raw client: a good frame (answered), then garbage: the SPEC 7.3 error frame, then EOF.
      const garbage = await rawGarbageExchange(tcpTarget(server.address));
      expect(JSON.parse(garbage.reply.toString())).toEqual({ total_size: 2 });
      expect(garbage.body.toString()).toBe("OK");
      expect(JSON.parse(garbage.error.toString())).toMatchObject({ total_size: 0, error: { code: "HEADER_INVALID_JSON" } });
      expect(garbage.trailing).toBe(0);

      const after = await bystander.request({}, utf8.encode("still here"));
      expect(text(after.body)).toBe("STILL HERE");
      await client.close();
      await bystander.close();
    } finally {
      const stopped = await server.stop();
      expect(stopped.code).toBe(0);
      expect(stopped.stderr).toMatch(/HEADER_INVALID_JSON \(header\) at offset 26; sent an error frame and disconnected/);
    }
  });

  test("a valid request whose header cannot be sent back gets an error reply with its id; the connection goes on", async () => {
    const server = await CliServer.start(runtime, ["echo"]);
    try {
      // Valid (SPEC 3.2: 1e400 reads as infinity; no depth limit), but refused by any encoder (8.2).
      const headers = ['{"total_size":3,"id":1,"x":1e400}', `{"total_size":3,"id":2,"deep":${"[".repeat(1500)}${"]".repeat(1500)}}`, '{"total_size":3,"id":3}'];
      const wire = Buffer.concat(headers.map((header) => Buffer.concat([Buffer.alloc(4), Buffer.from(header), Buffer.from("abc")])));
      let at = 0;
      for (const header of headers) {
        wire.writeUInt32BE(Buffer.byteLength(header), at);
        at += 4 + Buffer.byteLength(header) + 3;
      }
      const replies = await new Promise<Array<{ header: Record<string, unknown>; body: string }>>((resolve, reject) => {
        const socket = net.createConnection(tcpTarget(server.address), () => socket.write(wire));
        const decoder = new FrameDecoder();
        const got: Array<{ header: Record<string, unknown>; body: string }> = [];
        const timer = setTimeout(() => (socket.destroy(), reject(new Error(`${got.length} replies within 10 s`))), 10_000);
        socket.on("data", (chunk) => {
          decoder.push(chunk);
          for (const frame of decoder) got.push({ header: frame.header as Record<string, unknown>, body: text(frame.body) });
          if (got.length === 3) {
            clearTimeout(timer);
            socket.end();
            resolve(got);
          }
        });
        socket.on("error", reject);
      });
      expect(replies.map((reply) => reply.header.id)).toEqual([1, 2, 3]);
      expect(replies[0]!.header.error).toMatchObject({ code: "HEADER_INVALID", message: expect.stringMatching(/cannot be echoed.*x: Infinity/) });
      expect(replies[1]!.header.error).toMatchObject({ code: "HEADER_INVALID", message: expect.stringMatching(/nested too deeply/) });
      expect(replies[2]).toEqual({ header: { total_size: 3, id: 3 }, body: "ABC" });
    } finally {
      const stopped = await server.stop();
      expect(stopped.code).toBe(0);
      expect(stopped.stderr).not.toMatch(/error frame/);
    }
  });

  test("many clients at once", async () => {
    const server = await CliServer.start(runtime, ["echo"]);
    try {
      const clients = await Promise.all(Array.from({ length: 20 }, () => connect(server.address)));
      const replies = await Promise.all(clients.flatMap((client, c) =>
        Array.from({ length: 20 }, (_, i) => client.request({}, utf8.encode(`c${c} m${i}`)).then((reply) => text(reply.body)))));
      expect(replies).toEqual(clients.flatMap((_, c) => Array.from({ length: 20 }, (_, i) => `C${c} M${i}`)));
      await Promise.all(clients.map((client) => client.close()));
    } finally {
      await server.stop();
    }
  });

  test("le profile and Unix sockets", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sf-cli-"));
    const server = await CliServer.start(runtime, ["echo", "--listen", `unix:${dir}/echo.sock`, "--profile", "le"]);
    try {
      expect(server.address).toBe(`unix:${dir}/echo.sock`);
      const ok = await runCli(runtime, ["client", "--connect", server.address, "--profile", "le", "--message", "little endian"]);
      expect(ok.stdout).toBe("LITTLE ENDIAN\n");
      // A be client against an le server: its prefix reads as a huge length, an error frame comes back.
      const wrong = await runCli(runtime, ["client", "--connect", server.address, "--message", "x"]);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr.trim().split("\n")).toHaveLength(1);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("piped lines go out without waiting for each answer; answers print in order, an error reply ends it", async () => {
    // This server answers nothing until ten lines are in: a client waiting for each answer in turn
    // would time out on the first.
    const held: Array<{ connection: Connection; id: unknown; body: Uint8Array }> = [];
    const answer = ({ connection, id, body }: (typeof held)[number]) =>
      text(body) === "bad" ? connection.send({ id, error: { code: "BAD", message: "refused" } }) : connection.send({ id }, utf8.encode(text(body).toUpperCase()));
    const server = await listen("127.0.0.1:0", async (connection) => {
      for await (const { header, body } of connection) {
        held.push({ connection, id: header.id, body });
        if (held.length === 10) for (const frame of held) await answer(frame);
        else if (held.length > 10) await answer(held.at(-1)!);
      }
    });
    try {
      const input = ["l1", "l2", "l3", "l4", "l5", "l6", "l7", "l8", "l9", "bad", "l11", "l12"].join("\n");
      const result = await runCli(runtime, ["client", "--connect", formatAddress(server.address), "--timeout", "5s"], { input });
      expect(result.stdout).toBe("L1\nL2\nL3\nL4\nL5\nL6\nL7\nL8\nL9\n");
      expect(result.stderr).toBe("sockframe client: error reply: BAD: refused\n");
      expect(result.code).toBe(1);
    } finally {
      await server.close();
    }
  });

  test("UDP", async () => {
    const server = await CliServer.start(runtime, ["echo", "--listen", "udp://127.0.0.1:0"], { denoFlags: ["-A", "--unstable-net"] });
    try {
      expect(server.address).toMatch(/^udp:\/\/127\.0\.0\.1:\d+$/);
      const reply = await runCli(runtime, ["client", "--connect", server.address, "--message", "datagram"], { denoFlags: ["-A", "--unstable-net"] });
      expect(reply.stdout).toBe("DATAGRAM\n");
    } finally {
      await server.stop();
    }
  });

  test("UDP: a reply sent back to the server is not answered (a forged source cannot start a loop); requests still are", async () => {
    const server = await CliServer.start(runtime, ["echo", "--listen", "udp://127.0.0.1:0"], { denoFlags: ["-A", "--unstable-net"] });
    const socket = dgram.createSocket("udp4");
    try {
      const [, host, port] = /^udp:\/\/(.+):(\d+)$/.exec(server.address)!;
      await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
      const inbox: Buffer[] = [];
      let arrived = () => {};
      socket.on("message", (datagram) => {
        inbox.push(datagram);
        arrived();
      });
      const next = async (): Promise<Buffer> => {
        if (inbox.length === 0) await new Promise<void>((resolve) => ((arrived = resolve), setTimeout(resolve, 10_000)));
        const datagram = inbox.shift();
        if (datagram === undefined) throw new Error("no datagram from the echo server within 10 s");
        return datagram;
      };
      const send = (datagram: Uint8Array) => socket.send(datagram, Number(port), host);

      send(encodeDatagram({ id: 1 }, utf8.encode("ping")));
      const reply = await next();
      const first = decodeDatagram(reply).frame!;
      expect([first.header, text(first.body)]).toEqual([{ total_size: 4, id: 1, echo_reply: true }, "PING"]);
      // What the server would get from a source forged as its own address, or from a second echo server.
      send(reply);
      send(encodeDatagram({ id: 2 }, utf8.encode("pong")));
      // Answered in the order received: an answer to the reply would come first.
      const second = decodeDatagram(await next()).frame!;
      expect([second.header.id, text(second.body)]).toEqual([2, "PONG"]);
      await sleep(200);
      expect(inbox).toEqual([]);
    } finally {
      socket.close();
      await server.stop();
    }
  });

  test("UDP client: an answer from another address than the server's is ignored", async () => {
    // The server answers the right id, after a third party did with the same id from another port.
    const server = dgram.createSocket("udp4");
    const intruder = dgram.createSocket("udp4");
    try {
      await new Promise<void>((resolve) => server.bind(0, "127.0.0.1", resolve));
      await new Promise<void>((resolve) => intruder.bind(0, "127.0.0.1", resolve));
      server.on("message", (request, client) => {
        const { id } = decodeDatagram(request).frame!.header;
        intruder.send(encodeDatagram({ id }, utf8.encode("FORGED")), client.port, client.address, () => {
          server.send(encodeDatagram({ id }, utf8.encode("REAL")), client.port, client.address);
        });
      });
      const port = server.address().port;
      // 0.0.0.0: the OS sends it over loopback, and the answer comes from 127.0.0.1.
      for (const host of ["127.0.0.1", "0.0.0.0"]) {
        const result = await runCli(runtime, ["client", "--connect", `udp://${host}:${port}`, "--message", "hi", "--timeout", "10s"], { denoFlags: ["-A", "--unstable-net"] });
        expect([result.stdout, result.stderr, result.code], host).toEqual(["REAL\n", "", 0]);
      }
    } finally {
      server.close();
      intruder.close();
    }
  });

  test("a server that never answers: --timeout gives one clear line and exit 1", async () => {
    // Accepts and reads, never replies.
    const silent = net.createServer((socket) => socket.on("data", () => undefined).on("error", () => undefined));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const port = (silent.address() as net.AddressInfo).port;
      const result = await runCli(runtime, ["client", "--connect", `127.0.0.1:${port}`, "--message", "hello?", "--timeout", "300ms"]);
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split("\n")).toEqual(["sockframe client: no reply within 0.3 s"]);
    } finally {
      silent.close();
    }
  });

  test("a server that never accepts: client --timeout and exec/put --connect-timeout bound the connect, one clear line", async () => {
    const blackhole = spawn("python3", [fileURLToPath(new URL("fixtures/blackhole.py", import.meta.url)), "30"], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        blackhole.stdout!.once("data", (text: Buffer) => resolve(Number(text.toString().trim())));
        blackhole.once("exit", (code) => reject(new Error(`blackhole.py exited with ${code}`)));
      });
      const target = `127.0.0.1:${port}`;
      const cannot = `cannot connect to tcp://${target} within 0.3 s`;
      const client = await runCli(runtime, ["client", "--connect", target, "--message", "hello?", "--timeout", "300ms"]);
      expect([client.code, client.stderr.trim().split("\n")]).toEqual([1, [`sockframe client: ${cannot}`]]);
      // exec and put take --connect-timeout; exec's own failures exit 125, put's 1.
      const exec = await runCli(runtime, ["exec", "--connect", target, "--connect-timeout", "300ms", "--", "true"]);
      expect([exec.code, exec.stderr.trim().split("\n")]).toEqual([125, [`sockframe exec: ${cannot}`]]);
      const file = fileURLToPath(new URL("fixtures/seed-tutorial.txt", import.meta.url));
      const put = await runCli(runtime, ["put", "--quiet", "--connect", target, "--connect-timeout", "300ms", file]);
      expect([put.code, put.stderr.trim().split("\n")]).toEqual([1, [`sockframe put: ${file}: ${cannot}`]]);
      // The seed profile's raw sockets too.
      const seedClient = await runCli(runtime, ["client", "--profile", "seed", "--connect", target, "--message", "hello?", "--timeout", "300ms"]);
      expect([seedClient.code, seedClient.stderr.trim().split("\n")]).toEqual([1, [`sockframe client: ${cannot}`]]);
      const seedExec = await runCli(runtime, ["exec", "--profile", "seed", "--connect", target, "--connect-timeout", "300ms", "--", "true"]);
      expect([seedExec.code, seedExec.stderr.trim().split("\n")]).toEqual([125, [`sockframe exec: ${cannot}`]]);
    } finally {
      blackhole.kill();
    }
  });

  test("--help everywhere; errors are one line and a non-zero exit", async () => {
    for (const command of ["echo", "client", "exec-server", "exec", "recv", "put", "inspect"]) {
      const help = await runCli(runtime, [command, "--help"]);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage: sockframe ${command}`));
    }
    const top = await runCli(runtime, ["--help"]);
    expect(top.stdout).toMatch(/Commands:/);
    expect((await runCli(runtime, ["help", "put"])).stdout).toMatch(/^Usage: sockframe put/);
    // No command, or help on one that does not exist: usage errors.
    const bare = await runCli(runtime, []);
    expect([bare.code, bare.stdout]).toEqual([2, ""]);
    expect(bare.stderr).toMatch(/Commands:/);
    const nope = await runCli(runtime, ["help", "nope"]);
    expect([nope.code, nope.stderr]).toEqual([2, expect.stringMatching(/^sockframe help: unknown command "nope"/)]);
    for (const args of [["echo", "--bogus"], ["nope"], ["client"], ["echo", "--profile", "xx"], ["echo", "--listen", "tcp://1.2.3.4:99999"], ["client", "--connect", "127.0.0.1:1", "--message", "x"], ["put", "--connect", "127.0.0.1:1", "no\nsuch file"]]) {
      const result = await runCli(runtime, args);
      expect(result.code, args.join(" ")).not.toBe(0);
      expect(result.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
      expect(result.stderr).toMatch(/^sockframe/);
    }
    // Usage errors exit 2, except exec's: all of its own failures are 125, apart from the remote status.
    // Checked before connecting: no server at 127.0.0.1:1 to blame. Timers cap at 2^31 - 1 ms.
    const usage: Array<[string[], number]> = [[["echo", "--bogus"], 2], [["put", "x"], 2], [["client", "--connect", "127.0.0.1:1", "--message", ""], 2], [["client", "--connect", "127.0.0.1:1", "--timeout", "1000h"], 2], [["exec-server", "--allow", "ls", "--timeout", "0"], 2], [["exec", "--bogus"], 125], [["exec", "--", "ls"], 125], [["exec", "--connect", "127.0.0.1:1"], 125]];
    for (const [args, status] of usage) expect((await runCli(runtime, args)).code, args.join(" ")).toBe(status);
  });
});

test.runIf(RUNTIMES.includes("deno"))("deno: UDP without --unstable-net is one clear line", async () => {
  const result = await runCli("deno", ["echo", "--listen", "udp://127.0.0.1:0"]);
  expect(result.code).toBe(1);
  expect(result.stderr.trim().split("\n")).toHaveLength(1);
  expect(result.stderr).toMatch(/--unstable-net/);
});

test("the Node bin leaves nothing of its compiler running (no esbuild process)", async () => {
  const server = await CliServer.start("node", ["echo", "--listen", "127.0.0.1:0"]);
  const children = () =>
    readdirSync(`/proc/${server.pid}/task`).flatMap((task) => readFileSync(`/proc/${server.pid}/task/${task}/children`, "utf8").trim().split(/\s+/).filter(Boolean));
  try {
    // esbuild's stop() sends its process SIGTERM and returns without waiting for it to exit (and
    // be reaped), so on a busy machine it may still be listed just after start-up; with buildSync
    // it stays for the life of the program.
    const deadline = Date.now() + 5000;
    while (children().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(children()).toEqual([]);
  } finally {
    await server.stop();
  }
});
