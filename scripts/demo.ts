// `npm run demo`: the sticky-packet problem, sockframe's answer, and the whole system at work:
// echo servers on Node, Deno and Bun, 10,000 frames glued into one write, remote exec with an
// allowlist, a verified file transfer. Everything runs on loopback and ephemeral ports, and every
// process and file the demo makes is removed at the end.
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { connect } from "@sockframe/node";
import { concatBytes, decodeAll, encodeFrame, type Frame, FrameDecoder, type SockframeError } from "@sockframe/codec";

const root = new URL("..", import.meta.url).pathname;
const bin = (name: string) => join(root, "node_modules", ".bin", name);
const cliMain = join(root, "packages/cli/src/main.ts");
const cli: Record<"node" | "deno" | "bun", string[]> = {
  node: [process.execPath, join(root, "packages/cli/bin/sockframe.js")],
  deno: [bin("deno"), "run", "--conditions=source", "-A", cliMain],
  bun: [bin("bun"), cliMain],
};
const utf8 = new TextEncoder();
const text = new TextDecoder();
const work = mkdtempSync(join(tmpdir(), "sf-demo-"));
const children: ChildProcess[] = [];

function section(title: string): void {
  console.log(`\n== ${title}`);
}

/** Starts a CLI server and resolves with the address from its first line ("listening on ..."). */
function startServer(runtime: keyof typeof cli, args: string[]): Promise<string> {
  const [command, ...rest] = cli[runtime];
  const child = spawn(command!, [...rest, ...args], { stdio: ["ignore", "pipe", "inherit"], cwd: root });
  children.push(child);
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", (line) => {
      const match = /^listening on (\S+)/.exec(line);
      if (match) resolve(match[1]!);
      else reject(new Error(`${runtime}: unexpected first line ${JSON.stringify(line)}`));
    });
    child.once("exit", (code) => reject(new Error(`${runtime} server exited with ${code}`)));
    setTimeout(() => reject(new Error(`${runtime} server did not start within 30 s`)), 30_000).unref();
  });
}

/** Runs a CLI command to completion; its output goes to ours. */
function run(runtime: keyof typeof cli, args: string[]): Promise<number> {
  const [command, ...rest] = cli[runtime];
  const child = spawn(command!, [...rest, ...args], { stdio: ["ignore", "inherit", "inherit"], cwd: root });
  children.push(child);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code ?? 1)));
}

/** Stops every server the demo started (Ctrl-C: a graceful shutdown) and removes its files. */
async function cleanUp(): Promise<void> {
  const running = children.filter((child) => child.exitCode === null && child.signalCode === null);
  const exited = running.map((child) => new Promise((resolve) => child.once("exit", resolve)));
  for (const child of running) child.kill("SIGINT");
  const timer = setTimeout(() => running.forEach((child) => child.kill("SIGKILL")), 5000);
  await Promise.all(exited);
  clearTimeout(timer);
  rmSync(work, { recursive: true, force: true });
}

async function main(): Promise<void> {
  section("1. The problem: TCP is a byte stream");
  const messages = ["hello", "how are you", "bye"];
  console.log(`sender writes ${messages.map((m) => JSON.stringify(m)).join(", ")}`);
  console.log(`receiver's recv(1024) sees ${JSON.stringify(messages.join(""))}: where does one message end?`);

  section("2. The fix: 4-octet length | JSON header | body");
  const one = encodeFrame({ filename: "hello.txt" }, utf8.encode("hello"), { checksums: ["md5"] });
  const headerLength = new DataView(one.buffer).getUint32(0);
  console.log(`prefix  ${[...one.subarray(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join(" ")}  (header is ${headerLength} octets)`);
  console.log(`header  ${text.decode(one.subarray(4, 4 + headerLength))}`);
  console.log(`body    ${JSON.stringify(text.decode(one.subarray(4 + headerLength)))}`);

  section("3. Echo servers (the tutorial's upper-casing server) on Node, Deno and Bun");
  const servers = {
    node: await startServer("node", ["echo", "--listen", "127.0.0.1:0"]),
    deno: await startServer("deno", ["echo", "--listen", "127.0.0.1:0"]),
    bun: await startServer("bun", ["echo", "--listen", "127.0.0.1:0"]),
  };
  for (const [runtime, address] of Object.entries(servers)) console.log(`${runtime.padEnd(5)} listening on ${address}`);

  section("4. 10,000 frames glued into ONE write, every one answered, in order");
  const frames = Array.from({ length: 10_000 }, (_, i) => encodeFrame({ id: i }, utf8.encode(`message number ${i}`)));
  const glued = concatBytes(frames);
  const replies = await new Promise<Frame[]>((resolve, reject) => {
    const port = Number(servers.node.split(":").pop());
    const socket = createConnection({ host: "127.0.0.1", port });
    const decoder = new FrameDecoder();
    const got: Frame[] = [];
    socket.on("data", (chunk) => {
      decoder.push(chunk);
      for (const frame of decoder) got.push(frame);
      if (got.length === frames.length) {
        socket.end();
        resolve(got);
      }
    });
    socket.on("error", reject);
    socket.write(glued);
  });
  const inOrder = replies.every((f, i) => f.header.id === i && text.decode(f.body) === `MESSAGE NUMBER ${i}`);
  console.log(`sent ${frames.length} frames as one ${glued.length}-octet write; ${replies.length} replies, ${inOrder ? "all correct and in order" : "MISMATCH"}`);
  console.log(`last reply: id ${replies.at(-1)?.header.id}, body ${JSON.stringify(text.decode(replies.at(-1)!.body))}`);
  if (!inOrder) process.exitCode = 1;

  section("5. One client, three servers");
  for (const [runtime, address] of Object.entries(servers)) {
    const connection = await connect(address);
    const reply = await connection.request({}, utf8.encode(`hello from a node client to ${runtime}`));
    console.log(`${runtime.padEnd(5)} answered ${JSON.stringify(text.decode(reply.body))}`);
    await connection.close();
  }

  section("6. Remote exec, without the tutorial's shell=True hole");
  const exec = await startServer("node", ["exec-server", "--listen", "127.0.0.1:0", "--allow", "uname", "--allow", "echo"]);
  console.log(`exec-server on ${exec}, allowing: uname, echo`);
  console.log("$ sockframe exec -- uname -s");
  console.log(`exit code ${await run("node", ["exec", "--connect", exec, "--", "uname", "-s"])}`);
  console.log("$ sockframe exec -- echo '$(rm -rf /)'     (arguments stay literal: no shell)");
  console.log(`exit code ${await run("node", ["exec", "--connect", exec, "--", "echo", "$(rm -rf /)"])}`);
  console.log("$ sockframe exec -- rm -rf /tmp/nothing    (not on the allowlist)");
  console.log(`exit code ${await run("node", ["exec", "--connect", exec, "--", "rm", "-rf", "/tmp/nothing"])}`);

  section("7. File transfer: streamed, md5 and sha256 verified, renamed into place only when intact");
  const inbox = join(work, "inbox");
  mkdirSync(inbox);
  const file = join(work, "payload.bin");
  const payload = new Uint8Array(48 * 1024 * 1024);
  for (let i = 0; i < payload.length; i += 4096) payload[i] = (i >> 12) & 0xff;
  writeFileSync(file, payload);
  const recv = await startServer("bun", ["recv", "--listen", "127.0.0.1:0", "--dir", inbox]);
  console.log(`recv (on Bun) on ${recv}, writing into ${inbox}`);
  const putCode = await run("node", ["put", "--connect", recv, file]);
  const sent = createHash("sha256").update(payload).digest("hex");
  let received = "(missing)";
  try {
    received = createHash("sha256").update(readFileSync(join(inbox, "payload.bin"))).digest("hex");
  } catch {}
  console.log(`put exited ${putCode}; sha256 sent ${sent.slice(0, 16)}..., received ${received.slice(0, 16)}... ${sent === received ? "(identical)" : "(MISMATCH)"}`);
  if (sent !== received) process.exitCode = 1;

  section("8. Hostile input gets a typed error; nothing received before it is lost");
  const good = encodeFrame({ id: "before" });
  const handMade = (header: string, body = "") => {
    const head = utf8.encode(header);
    const prefix = new Uint8Array(4);
    new DataView(prefix.buffer).setUint32(0, head.length);
    return concatBytes([prefix, head, utf8.encode(body)]);
  };
  for (const [what, bytes] of [
    ["a 4 GiB header length", new Uint8Array([0xff, 0xff, 0xff, 0xff])],
    ["a header that is not JSON", handMade("{x}")],
    ["a body over the 16 MiB limit", handMade('{"total_size":999999999}')],
    ["a duplicate key", handMade('{"total_size":0,"total_size":5}')],
    ["a wrong sha256", handMade(`{"total_size":2,"sha256":"${"0".repeat(64)}"}`, "hi")],
  ] as const) {
    const { frames: kept, error } = decodeAll(concatBytes([good, bytes]));
    const e = error as SockframeError;
    console.log(`${what.padEnd(30)} -> ${kept.length} frame kept, then ${e.code} (stage ${e.stage}, offset ${e.offset})`);
  }
}

const started = Date.now();
try {
  await main();
  console.log(`\ndemo complete in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (error) {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  console.log("\nstopping the servers (Ctrl-C, graceful) and removing temporary files");
  await cleanUp();
}
