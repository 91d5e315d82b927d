import assert from "node:assert/strict";
import {
  connect,
  type ConnectionOptions,
  digestHex,
  listen,
  NATIVE_HASHES,
  PURE_HASHES,
  SockframeError,
  withNativeHashes,
} from "../src/index.ts";
import { text, utf8, within } from "./helpers.ts";

Deno.test("native digests (node:crypto) agree with the pure-JS ones", () => {
  const data = new Uint8Array(100_003).map((_, i) => (i * 7) & 0xff);
  for (const name of ["md5", "sha256"] as const) {
    const native = NATIVE_HASHES[name]();
    native.update(data.subarray(0, 5000));
    native.update(data.subarray(5000));
    assert.equal(native.hexDigest(), digestHex(name, [data], PURE_HASHES));
  }
});

Deno.test("the native digests are the default; a caller's own digests win, per algorithm", () => {
  assert.deepEqual(withNativeHashes<ConnectionOptions>({}).hashes, NATIVE_HASHES);
  assert.equal(withNativeHashes<ConnectionOptions>({ maxBodyBytes: 1 }).maxBodyBytes, 1);
  const own = { sha256: PURE_HASHES.sha256 };
  assert.deepEqual(withNativeHashes<ConnectionOptions>({ hashes: own }).hashes, { md5: NATIVE_HASHES.md5, sha256: PURE_HASHES.sha256 });
});

Deno.test("received checksums are verified with the connection's digests; a mismatch ends the stream", async () => {
  const body = utf8.encode("checked body");
  const good = digestHex("sha256", [body]);
  const handled = Promise.withResolvers<void>();
  const server = await listen("127.0.0.1:0", async (connection) => {
    await connection.send({ n: 1, sha256: good }, body);
    await connection.send({ n: 2, sha256: "0".repeat(64) }, body);
    // Reads the client's error frame and its FIN before returning.
    for await (const _ of connection) {
      // Nothing to answer.
    }
    handled.resolve();
  });
  let hashed = 0;
  const counting = {
    sha256: () => {
      hashed++;
      return NATIVE_HASHES.sha256();
    },
  };
  const client = await connect(server.address, { hashes: counting });
  try {
    const frames: string[] = [];
    await assert.rejects(
      within(5000, "two frames", (async () => {
        for await (const frame of client) frames.push(text(frame.body));
      })()),
      (error: unknown) => error instanceof SockframeError && error.code === "CHECKSUM_MISMATCH",
    );
    assert.deepEqual(frames, ["checked body"]);
    assert.equal(hashed, 2);
  } finally {
    client.destroy();
    await client.closed;
    await within(5000, "handler done", handled.promise);
    await server.close();
  }
});
