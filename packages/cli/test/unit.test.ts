import { execFileSync } from "node:child_process";
import { describe, expect, test, vi } from "vitest";
import { parseDuration, parseSize } from "../src/args.ts";
import { preview } from "../src/commands/inspect.ts";
import { echoReply } from "../src/commands/echo.ts";
import { datagramClientBinding, isReplySource } from "../src/address.ts";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { Allowlist, findProgram } from "../src/exec/allowlist.ts";
import { type ExecResult, Executor, exitStatusFor } from "../src/exec/protocol.ts";
import { firstWord, joinCommand, splitWords } from "../src/exec/shell-words.ts";
import { upperAscii } from "../src/bytes.ts";
import { jsonText } from "../src/json-text.ts";
import { printError, shown } from "../src/output.ts";
import { connectionLimit } from "../src/max-connections.ts";
import { describeError, withCode } from "../src/errors.ts";
import { ConnectionClosedError } from "@sockframe/connection";
import { unsafeNameReason } from "../src/transfer/safe-name.ts";
import { UNSAFE_NAMES } from "./support/unsafe-names.ts";

describe("file names", () => {
  test.each(UNSAFE_NAMES)("refuses %j", (name) => {
    expect(unsafeNameReason(name)).not.toBeNull();
  });

  test.each(["a.txt", "report 2024.pdf", "..hidden", "...", "信息.txt", "ñ", "a".repeat(255), "é".repeat(127), "-rf", ".bashrc", "x.part", "\u{1F468}\u200d\u{1F469}\u200d\u{1F467}.jpg", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645.txt", "\u2764\ufe0f.txt", "\u845b\u{e0100}.txt"])("accepts %j", (name) => {
    expect(unsafeNameReason(name)).toBeNull();
  });

  test("counts the length in UTF-8 octets", () => {
    expect(unsafeNameReason("é".repeat(128))).toMatch(/longer than 255/);
  });
});

describe("shell words", () => {
  test("splits like sh, without running one", () => {
    expect(splitWords(`ls -l  'a b' "c \\"d\\"" e\\ f`)).toEqual({ words: ["ls", "-l", "a b", 'c "d"', "e f"] });
    expect(splitWords("  ")).toEqual({ words: [] });
    expect(splitWords(`echo ''`)).toEqual({ words: ["echo", ""] });
  });

  test.each(["ls | wc", "a; b", "a && b", "cat < x", "echo > x", "echo $(id)", "echo `id`", "echo $HOME", "ls *.txt", "ls ~", "a # c", `echo "$HOME"`, "echo 'open", "trailing\\"])(
    "refuses %j",
    (text) => {
      expect(splitWords(text)).toHaveProperty("error");
    },
  );

  test("quoting round-trips through a real sh", () => {
    const argv = ["printf", "%s|", "a b", "it's", '"q"', "$HOME", "`id`", "*", "", "信息", "back\\slash"];
    const out = execFileSync("/bin/sh", ["-c", joinCommand(argv)], { encoding: "utf8" });
    expect(out).toBe(argv.slice(2).map((word) => `${word}|`).join(""));
    expect(splitWords(joinCommand(argv))).toEqual({ words: argv });
  });

  test("first word of a command line", () => {
    expect(firstWord("ls -l | wc")).toBe("ls");
    expect(firstWord("  /bin/echo hi")).toBe("/bin/echo");
    expect(firstWord("ls;rm -rf /")).toBe("ls");
    expect(firstWord("$(rm) x")).toBeNull();
    expect(firstWord("A=1 ls")).toBeNull();
    expect(firstWord("'ls' x")).toBeNull();
  });
});

describe("allowlist", () => {
  test("resolves names once, to absolute paths; relative paths never match", () => {
    const allow = new Allowlist(["ls", "/bin/echo"]);
    const ls = allow.resolve("ls");
    expect(ls).toMatch(/^\/.*\/ls$/);
    expect(allow.resolve(ls!)).toBe(ls);
    expect(allow.resolve("echo")).toBe("/bin/echo");
    expect(allow.resolve("/bin/echo")).toBe("/bin/echo");
    expect(allow.resolve("./ls")).toBeNull();
    expect(allow.resolve("bin/echo")).toBeNull();
    expect(allow.resolve("rm")).toBeNull();
    expect(allow.resolve("/tmp/ls")).toBeNull();
  });

  test("relative PATH entries are never searched: only absolute directories", () => {
    const dir = mkdtempSync(join(tmpdir(), "sf-path-"));
    try {
      mkdirSync(join(dir, "relbin"));
      writeFileSync(join(dir, "relbin", "myls"), "#!/bin/sh\n", { mode: 0o755 });
      const cwd = process.cwd();
      process.chdir(dir);
      try {
        expect(findProgram("myls", `relbin${delimiter}.`)).toBeNull();
        expect(findProgram("myls", `${join(dir, "relbin")}`)).toBe(join(dir, "relbin", "myls"));
      } finally {
        process.chdir(cwd);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an unknown program is a start-up error", () => {
    expect(() => new Allowlist(["no-such-program-sockframe"])).toThrow(/no such executable/);
  });
});

describe("echo", () => {
  test("upper-cases ASCII only, like Python's bytes.upper()", () => {
    const input = new TextEncoder().encode("abc xyz ÀÉ é 信息 {}~\u00ff");
    expect(new TextDecoder().decode(upperAscii(input))).toBe("ABC XYZ ÀÉ é 信息 {}~\u00ff");
  });

  test("the reply keeps id and extensions, recomputes total_size and digests", () => {
    const header = JSON.parse(`{"total_size":2,"id":7,"filename":"f","md5":"${"0".repeat(32)}","x":{"y":[1]},"__proto__":{"polluted":true}}`);
    const reply = echoReply(header, new TextEncoder().encode("hi"));
    expect(new TextDecoder().decode(reply.body)).toBe("HI");
    expect(reply.header).toMatchObject({ id: 7, filename: "f", x: { y: [1] }, md5: "bf8c144140b15befb8ce662632a7b76e" });
    expect(reply.header).not.toHaveProperty("total_size");
    expect(Object.getPrototypeOf(reply.header)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("UDP client", () => {
  const udp = (host: string, port = 7000) => ({ transport: "udp" as const, host, port });

  test.each([
    ["127.0.0.1", "udp://127.0.0.1:0"],
    ["127.4.5.6", "udp://127.0.0.1:0"],
    ["localhost", "udp://127.0.0.1:0"],
    ["0.0.0.0", "udp://127.0.0.1:0"],
    ["::1", "udp://[::1]:0"],
    ["0:0:0:0:0:0:0:1", "udp://[::1]:0"],
    ["::", "udp://[::1]:0"],
    ["192.0.2.7", "udp://0.0.0.0:0"],
    ["10.0.0.9", "udp://0.0.0.0:0"],
    ["example.com", "udp://0.0.0.0:0"],
    ["2001:db8::7", "udp://[::]:0"],
    ["::ffff:192.0.2.7", "udp://[::]:0"],
  ])("binds for a server at %s to %s: loopback only for loopback, else the family's wildcard", (host, local) => {
    expect(datagramClientBinding(udp(host))).toBe(local);
  });

  test("takes a reply only from the server's port, whichever of its addresses it comes from", () => {
    expect(isReplySource(udp("192.0.2.7"), udp("192.0.2.7"))).toBe(true);
    expect(isReplySource(udp("192.0.2.7"), udp("192.0.2.7", 7001))).toBe(false);
    // A server bound to 0.0.0.0 answers a request to 127.0.0.2 (or to a second address) from the
    // address the kernel picks.
    expect(isReplySource(udp("127.0.0.2"), udp("127.0.0.1"))).toBe(true);
    expect(isReplySource(udp("0.0.0.0"), udp("127.0.0.1"))).toBe(true);
    expect(isReplySource(udp("::"), udp("::1"))).toBe(true);
    expect(isReplySource(udp("example.com"), udp("192.0.2.8", 9))).toBe(false);
  });
});

describe("arguments", () => {
  test("sizes and durations", () => {
    expect(parseSize("16MiB", "x")).toBe(16 * 1024 * 1024);
    expect(parseSize("64k", "x")).toBe(65536);
    expect(parseSize("100", "x")).toBe(100);
    expect(() => parseSize("lots", "x")).toThrow(/not a size/);
    expect(parseDuration("30", "x")).toBe(30_000);
    expect(parseDuration("500ms", "x")).toBe(500);
    expect(parseDuration("2m", "x")).toBe(120_000);
    expect(() => parseDuration("-1", "x")).toThrow(/not a duration/);
    // A timer over 2^31 - 1 ms fires at once on every runtime: every command would time out.
    expect(parseDuration("596h", "x")).toBe(596 * 3_600_000);
    expect(() => parseDuration("1000h", "timeout")).toThrow(/--timeout: must be at most 2147483647 ms/);
    expect(() => parseDuration("0", "timeout")).toThrow(/--timeout: must be at least 1 ms/);
    expect(parseDuration("0", "stale-after", { min: 0, max: Number.MAX_SAFE_INTEGER })).toBe(0);
  });

  test("exec exit statuses", () => {
    expect(exitStatusFor("EXEC_TIMEOUT")).toBe(124);
    expect(exitStatusFor("EXEC_NOT_ALLOWED")).toBe(126);
    expect(exitStatusFor("UNAUTHORIZED")).toBe(126);
    expect(exitStatusFor("EXEC_NOT_FOUND")).toBe(127);
    expect(exitStatusFor("EXEC_BUSY")).toBe(125);
  });
});

describe("shown", () => {
  test("a name with a line break or another control character is quoted, others are left as they are", () => {
    expect(shown("notes 信息.txt")).toBe("notes 信息.txt");
    expect(shown("a\nb")).toBe('"a\\nb"');
    expect(shown("a\u2028b\u009bc")).toBe('"a\\u2028b\\u009bc"');
    expect(shown("\u001b[31mred")).toBe('"\\u001b[31mred"');
    expect(shown("evil\u202etxt.exe")).toBe('"evil\\u202etxt.exe"');
  });

  test("printError escapes what a terminal acts on in a peer's text, keeping line breaks and tabs", () => {
    const written: string[] = [];
    const write = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => (written.push(String(chunk)), true));
    try {
      printError('refused: "a\u009b31mred" "evil\u202etxt" "x\u2028y" \u001b[2J\tat\nline');
    } finally {
      write.mockRestore();
    }
    expect(written).toEqual(['refused: "a\\u009b31mred" "evil\\u202etxt" "x\\u2028y" \\u001b[2J\tat\nline\n']);
  });
});

describe("connectionLimit's log", () => {
  test("the first refusal at once, then one line a second, and the count of a burst once its second is over", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "performance"] });
    const written: string[] = [];
    const write = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => (written.push(String(chunk)), true));
    try {
      const { maxConnections, onConnectionRefused } = connectionLimit("echo", "2");
      expect(maxConnections).toBe(2);
      for (let i = 0; i < 5; i++) onConnectionRefused(`peer${i}`);
      expect(written).toEqual(["sockframe echo: peer0: refused: already serving 2 connections (--max-connections)\n"]);
      vi.advanceTimersByTime(1000);
      expect(written[1]).toBe("sockframe echo: refused 4 more connection(s): already serving 2 (--max-connections)\n");
      vi.advanceTimersByTime(5000);
      onConnectionRefused("peer5");
      expect(written).toHaveLength(3);
      expect(written[2]).toMatch(/peer5: refused/);
    } finally {
      write.mockRestore();
      vi.useRealTimers();
    }
  });
});

describe("withCode", () => {
  test("a code before the message, once", () => {
    expect(withCode("FILE_EXISTS", "a.txt exists")).toBe("FILE_EXISTS: a.txt exists");
    expect(withCode("CHECKSUM_MISMATCH", "CHECKSUM_MISMATCH (body): sha256 differs")).toBe("CHECKSUM_MISMATCH (body): sha256 differs");
  });
});

describe("describeError", () => {
  test("one line, without the library's own \"sockframe: \" (the command's prefix comes before it)", () => {
    expect(describeError(new ConnectionClosedError("PEER_CLOSED", "sockframe: the peer closed before replying"))).toBe("the peer closed before replying");
    expect(describeError(new Error("first\nsecond"))).toBe("first");
  });
});

describe("jsonText", () => {
  test("writes what JSON.stringify writes, at any depth, with infinities that read back as such", () => {
    const samples: unknown[] = [{}, [], { total_size: 3, id: "a\n\u2028", x: [1, 0, 0.5, null, true, { "": {} }] }, "s", 12];
    for (const sample of samples) expect(jsonText(sample)).toBe(JSON.stringify(sample));
    expect(jsonText({ x: Infinity, y: [-Infinity] })).toBe('{"x":1e999,"y":[-1e999]}');
    expect(JSON.parse(jsonText({ x: Infinity }))).toEqual({ x: Infinity });
    expect(jsonText({ z: -0 })).toBe('{"z":-0}');
    expect(Object.is(JSON.parse(jsonText({ z: -0 })).z, -0)).toBe(true);
    const deep = JSON.parse(`{"d":${"[".repeat(100_000)}${"]".repeat(100_000)}}`);
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    expect(jsonText(deep)).toBe(`{"d":${"[".repeat(100_000)}${"]".repeat(100_000)}}`);
  });
});

describe("inspect preview", () => {
  test("text when it is text, hex otherwise", () => {
    expect(preview(new TextEncoder().encode("hello\tworld\n"))).toBe("hello\tworld\n");
    expect(preview(new Uint8Array([0xe4, 0xbf, 0xa1, 0xe6]))).toBe("信"); // a character cut at the end
    expect(preview(new Uint8Array([0, 1, 2]))).toBe("hex:000102");
    expect(preview(new Uint8Array([0xff, 0x41]))).toBe("hex:ff41");
  });
});

describe("exec slots", () => {
  test("a command's --max-concurrent slot is held until its reply is handed over, not only while it runs", async () => {
    const executor = new Executor({ allowlist: new Allowlist(["echo"]), shell: null, limits: { timeoutMs: 10_000, maxOutputBytes: 1024 }, maxConcurrent: 1 });
    let handOver!: () => void;
    const answered: ExecResult[] = [];
    // The first reply waits, as for a client that does not read it.
    const first = executor.run({ argv: ["echo", "one"] }, null, undefined, (result) => {
      answered.push(result);
      return new Promise<void>((resolve) => (handOver = resolve));
    });
    while (answered.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await executor.run({ argv: ["echo", "two"] }, null, undefined, async (result) => void answered.push(result));
    expect(second).toMatchObject({ ok: false, code: "EXEC_BUSY" });
    handOver();
    expect(await first).toMatchObject({ ok: true, exitCode: 0 });
    const third = await executor.run({ argv: ["echo", "three"] }, null);
    expect(third).toMatchObject({ ok: true, exitCode: 0 });
    expect(answered.map((result) => result.ok)).toEqual([true, false]);
  });
});
