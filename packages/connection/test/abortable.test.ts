import { describe, expect, it } from "vitest";
import { abortable } from "../src/index.ts";

/** A connect attempt the test settles by hand. */
function attempt() {
  let open!: (socket: { closed: boolean }) => void;
  let fail!: (error: Error) => void;
  const opening = new Promise<{ closed: boolean }>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { opening, open, fail };
}

describe("abortable", () => {
  it("passes the attempt through when the signal never fires", async () => {
    const { opening, open } = attempt();
    const result = abortable(opening, new AbortController().signal, () => undefined);
    const socket = { closed: false };
    open(socket);
    await expect(result).resolves.toBe(socket);
  });

  it("rejects with the reason when aborted first, and closes a socket that opens later", async () => {
    const { opening, open } = attempt();
    const controller = new AbortController();
    const result = abortable(opening, controller.signal, (late) => (late.closed = true));
    const reason = new Error("gave up");
    controller.abort(reason);
    await expect(result).rejects.toBe(reason);
    const late = { closed: false };
    open(late);
    await opening;
    await Promise.resolve();
    expect(late.closed).toBe(true);
  });

  it("an attempt that fails after the abort is not reported twice", async () => {
    const { opening, fail } = attempt();
    const result = abortable(opening, AbortSignal.abort(new Error("early")), () => undefined);
    await expect(result).rejects.toThrow("early");
    fail(new Error("refused"));
    await expect(opening).rejects.toThrow("refused");
  });

  it("an attempt that fails first rejects with its own error", async () => {
    const { opening, fail } = attempt();
    const result = abortable(opening, new AbortController().signal, () => undefined);
    fail(new Error("refused"));
    await expect(result).rejects.toThrow("refused");
  });
});
