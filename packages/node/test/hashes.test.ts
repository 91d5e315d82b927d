import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { connect, type Connection, type HashFactories, listen, NATIVE_HASHES, PURE_HASHES, type Server, withNativeHashes } from "../src/index.ts";
import { take, text, utf8, within } from "./helpers.ts";

const sample = utf8.encode("The quick brown fox jumps over the lazy dog");

function digest(factory: NonNullable<HashFactories["sha256"]>, data: Uint8Array): string {
  const hasher = factory();
  hasher.update(data.subarray(0, 10));
  hasher.update(data.subarray(10));
  return hasher.hexDigest();
}

let server: Server | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

describe("node:crypto digests", () => {
  it("agree with the pure-JS ones, incrementally", () => {
    expect(digest(NATIVE_HASHES.md5, sample)).toBe(digest(PURE_HASHES.md5, sample));
    expect(digest(NATIVE_HASHES.sha256, sample)).toBe(digest(PURE_HASHES.sha256, sample));
    expect(digest(NATIVE_HASHES.sha256, sample)).toBe(createHash("sha256").update(sample).digest("hex"));
  });

  it("are the default, and give way to the caller's own per algorithm", () => {
    expect(withNativeHashes({}).hashes).toEqual(NATIVE_HASHES);
    const mine = { sha256: PURE_HASHES.sha256 };
    expect(withNativeHashes({ hashes: mine }).hashes).toEqual({ md5: NATIVE_HASHES.md5, sha256: PURE_HASHES.sha256 });
  });

  it("are the ones a connection verifies checksums with", async () => {
    const used: string[] = [];
    const counting: HashFactories = {
      sha256: () => {
        used.push("sha256");
        return NATIVE_HASHES.sha256();
      },
    };
    const echo = async (connection: Connection) => {
      for await (const { header, body } of connection) await connection.send({ id: header.id }, body);
    };
    server = await listen("127.0.0.1:0", echo, { hashes: counting });
    const client = await connect(server.address);
    await client.send({ id: 2, sha256: createHash("sha256").update(sample).digest("hex") }, sample);
    const [reply] = await within(5000, take(client, 1));
    expect(text(reply!.body)).toBe(text(sample));
    expect(used).toContain("sha256");
    await client.close();
  });
});
