import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeFrame } from "@sockframe/codec";
import { afterAll, describe, expect, test } from "vitest";
import { cliCommand, collect, killLeftovers, RUNTIMES, runCli, spawnTracked } from "./support/cli.ts";

const dir = mkdtempSync(join(tmpdir(), "sf-inspect-"));
afterAll(() => {
  killLeftovers();
  rmSync(dir, { recursive: true, force: true });
});

const utf8 = new TextEncoder();
const binary = Uint8Array.from({ length: 300 }, (_, i) => i % 256);
const frames = [
  encodeFrame({ id: 1, filename: "a.txt" }, utf8.encode("hello, 信息")),
  encodeFrame({ x: [1, 2] }, new Uint8Array(0)),
  encodeFrame({}, binary, { checksums: ["sha256"] }),
];
const good = Buffer.concat(frames);
const capture = join(dir, "capture.bin");
writeFileSync(capture, Buffer.concat([good, Buffer.from([0, 0, 0, 3]), Buffer.from("[1]")]));
const leCapture = join(dir, "capture-le.bin");
writeFileSync(leCapture, Buffer.from(encodeFrame({ filename: "a.txt", md5: createHash("md5").update("seed").digest("hex") }, utf8.encode("seed"), { profile: "le" })));

const lines = (text: string) => text.trim().split("\n").map((line) => JSON.parse(line));

describe.each(RUNTIMES)("inspect on %s", (runtime) => {
  test("one JSON line per frame, then the error with code, stage and offset", async () => {
    const result = await runCli(runtime, ["inspect", capture]);
    expect(result.code).toBe(1);
    const out = lines(result.stdout);
    expect(out).toHaveLength(4);
    expect(out[0]).toEqual({
      frame: 0,
      offset: 0,
      header: { total_size: 13, id: 1, filename: "a.txt" },
      body_size: 13,
      sha256: createHash("sha256").update("hello, 信息").digest("hex"),
      preview: "hello, 信息",
    });
    expect(out[1]).toMatchObject({ frame: 1, offset: frames[0]!.length, body_size: 0, preview: "" });
    expect(out[2]).toMatchObject({ frame: 2, offset: frames[0]!.length + frames[1]!.length, body_size: 300, preview_truncated: true });
    expect(out[2].preview).toBe(`hex:${Buffer.from(binary.subarray(0, 48)).toString("hex")}`);
    expect(out[3]).toEqual({
      error: { code: "HEADER_INVALID", stage: "header", offset: good.length + 4, frame: 3, message: expect.stringMatching(/^HEADER_INVALID/) },
    });
    expect(result.stderr).toBe("");
  });

  test("a valid header of any depth, or with an infinity, prints as it reads", async () => {
    const deep = `{"total_size":2,"x":1e400,"d":${"[".repeat(20_000)}${"]".repeat(20_000)}}`;
    const input = Buffer.concat([Buffer.alloc(4), Buffer.from(deep), Buffer.from("ok")]);
    input.writeUInt32BE(deep.length, 0);
    const result = await runCli(runtime, ["inspect", "-"], { input });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const line = JSON.parse(result.stdout);
    expect(line.header.x).toBe(Infinity);
    expect(result.stdout).toContain(`"d":${"[".repeat(20_000)}`);
    expect(line).toMatchObject({ frame: 0, body_size: 2, preview: "ok" });
  });

  test("a reader that goes away (| head) ends it quietly with status 141, as SIGPIPE would", async () => {
    const many = Buffer.concat(Array.from({ length: 20_000 }, (_, i) => encodeFrame({ id: i }, utf8.encode("abc"))));
    const [file, args] = cliCommand(runtime, ["inspect", "-"]);
    const child = spawnTracked(file, args);
    child.stdout!.once("data", () => child.stdout!.destroy());
    child.stdin!.on("error", () => undefined);
    child.stdin!.end(many);
    const result = await collect(child, 60_000);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(141);
  });

  test("standard input, profiles, a clean end", async () => {
    const piped = await runCli(runtime, ["inspect", "-"], { input: good });
    expect(piped.code).toBe(0);
    expect(lines(piped.stdout)).toHaveLength(3);
    const seed = await runCli(runtime, ["inspect", leCapture, "--profile", "seed"]);
    expect(lines(seed.stdout)[0]).toMatchObject({ header: { filename: "a.txt" }, preview: "seed" });
    const wrongProfile = await runCli(runtime, ["inspect", leCapture]);
    expect(lines(wrongProfile.stdout)[0]).toMatchObject({ error: { code: "HEADER_TOO_LARGE", stage: "prefix", offset: 0 } });
    const truncated = await runCli(runtime, ["inspect"], { input: good.subarray(0, good.length - 1) });
    expect(lines(truncated.stdout).at(-1)).toMatchObject({ error: { code: "TRUNCATED", stage: "end" } });
    const missing = await runCli(runtime, ["inspect", join(dir, "nope")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^sockframe inspect: .*nope: no such file or directory\n$/);
  });
});
