import assert from "node:assert/strict";
import { DenoListener } from "../src/listener.ts";

/** A Deno.Listener whose accept() fails `failures` times with `error`, then gives one connection. */
function failingListener(failures: number, error: () => Error): Deno.Listener {
  let left = failures;
  const conn = { close() {} } as unknown as Deno.Conn;
  return {
    accept: () => (left-- > 0 ? Promise.reject(error()) : Promise.resolve(conn)),
    close() {},
  } as unknown as Deno.Listener;
}

Deno.test("listener: connections reset before accept do not stall accepting", async () => {
  for (const error of [() => new Deno.errors.NotConnected("os error 107"), () => new Deno.errors.ConnectionReset("reset")]) {
    const listener = new DenoListener(failingListener(200, error), { transport: "tcp", host: "127.0.0.1", port: 1 });
    const started = Date.now();
    const accepted = new Promise<void>((resolve) => listener.start(() => resolve()));
    await accepted;
    await listener.close();
    // 200 x 50 ms = 10 s when each such error paused the loop.
    assert.ok(Date.now() - started < 1000, `accepted after ${Date.now() - started} ms`);
  }
});

Deno.test("listener: other accept errors (EMFILE and the like) still pause, so they do not spin", async () => {
  const listener = new DenoListener(failingListener(4, () => new Error("Too many open files (os error 24)")), { transport: "tcp", host: "127.0.0.1", port: 1 });
  const started = Date.now();
  await new Promise<void>((resolve) => listener.start(() => resolve()));
  await listener.close();
  assert.ok(Date.now() - started >= 4 * 50 - 10, `accepted after ${Date.now() - started} ms`);
});
