import { describe, expect, it } from "vitest";
import { checkConnectionOptions, checkDatagramOptions, checkServerOptions, Connection, DatagramEndpoint, type DatagramTransport, type Listener, MAX_TIMER_MS, Server } from "../src/index.ts";
import { streamPair } from "./memory-stream.ts";

const listener: Listener = { address: { transport: "tcp", host: "127.0.0.1", port: 1 }, close: async () => undefined };
const transport = (): DatagramTransport & { started: boolean } => ({
  address: { transport: "udp", host: "127.0.0.1", port: 1 },
  started: false,
  send: async () => undefined,
  start() {
    this.started = true;
  },
  close: async () => undefined,
});

describe("options out of range are programming errors (RangeError), found before any socket is used", () => {
  const bad: [string, unknown][] = [
    ["maxQueuedFrames", 0],
    ["maxQueuedFrames", -1],
    ["maxQueuedFrames", Number.NaN],
    ["maxQueuedBytes", -1],
    ["maxQueuedBytes", 1.5],
    ["writeHighWaterMark", -1],
    ["maxWriteBufferBytes", Number.POSITIVE_INFINITY],
    ["closeTimeoutMs", -5],
    ["closeTimeoutMs", MAX_TIMER_MS + 1], // a longer timer fires at once
    ["idleTimeoutMs", Number.NaN],
    ["headerTimeoutMs", "30"],
    ["bodyTimeoutMs", -1],
    ["writeStallTimeoutMs", Number.POSITIVE_INFINITY],
    ["minBodyRate", -1],
    ["profile", "xx"],
    ["maxHeaderBytes", 0.5],
  ];

  it.each(bad)("a connection with %s %s", (name, value) => {
    const options = { [name]: value };
    expect(() => checkConnectionOptions(options)).toThrow(RangeError);
    const [a] = streamPair();
    expect(() => new Connection(a, options)).toThrow(RangeError);
  });

  it.each([...bad, ["maxConnections", 0], ["maxConnections", 2.5], ["shutdownTimeoutMs", -1]] as [string, unknown][])("a server with %s %s", (name, value) => {
    const options = { [name]: value };
    expect(() => checkServerOptions(options)).toThrow(RangeError);
    expect(() => new Server(listener, async () => undefined, options)).toThrow(RangeError);
  });

  it.each([
    ["maxQueuedFrames", 0],
    ["maxQueuedFrames", -1],
    ["maxQueuedFrames", Number.NaN],
    ["maxQueuedBytes", -1],
    ["maxDatagramBytes", -1],
    ["profile", "xx"],
  ] as [string, unknown][])("a datagram endpoint with %s %s", (name, value) => {
    const options = { [name]: value };
    expect(() => checkDatagramOptions(options)).toThrow(RangeError);
    const socket = transport();
    expect(() => new DatagramEndpoint(socket, options)).toThrow(RangeError);
    expect(socket.started).toBe(false);
  });

  it("names the option and the range", () => {
    expect(() => checkConnectionOptions({ maxQueuedFrames: 0 })).toThrow("maxQueuedFrames must be an integer >= 1, got 0");
    expect(() => checkConnectionOptions({ closeTimeoutMs: 2 ** 31 })).toThrow(`closeTimeoutMs must be a number of ms in 0..${MAX_TIMER_MS}, got 2147483648`);
  });

  it("accepts the edges of every range, and 0 where it disables or means none", () => {
    const edges = {
      maxQueuedFrames: 1,
      maxQueuedBytes: 0,
      writeHighWaterMark: 0,
      maxWriteBufferBytes: Number.MAX_SAFE_INTEGER,
      closeTimeoutMs: 0,
      headerTimeoutMs: MAX_TIMER_MS,
      bodyTimeoutMs: 0,
      idleTimeoutMs: 0.5,
      writeStallTimeoutMs: 0,
      minBodyRate: 0,
    };
    expect(() => checkServerOptions({ ...edges, maxConnections: 1, shutdownTimeoutMs: 0 })).not.toThrow();
    const [a] = streamPair();
    expect(() => new Connection(a, edges).destroy()).not.toThrow();
    expect(() => checkDatagramOptions({ maxQueuedFrames: 1, maxQueuedBytes: 0, maxDatagramBytes: 0 })).not.toThrow();
  });
});
