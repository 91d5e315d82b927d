// Node: @sockframe/node, node:net raw sockets, and ws (with bufferutil) for the WebSocket figures.
import { createRequire } from "node:module";
import { type AddressInfo, createConnection, createServer, type Socket } from "node:net";
import type { Address } from "@sockframe/connection";
import * as adapter from "@sockframe/node";
import type { WebSocket } from "ws";
import type { Raw, RawConn, RawServer, RuntimeModule, Ws, WsClient } from "./types.ts";

/** ws, loaded only by the peers that use it (the memory figures are taken in peers that do not). */
const loadWs = () => import("ws");

/** Whether ws will find bufferutil (it loads it the same way, unless WS_NO_BUFFER_UTIL is set). */
function hasBufferutil(): boolean {
  try {
    createRequire(import.meta.url)("bufferutil");
    return process.env.WS_NO_BUFFER_UTIL === undefined;
  } catch {
    return false;
  }
}

function bound(asked: Address, info: AddressInfo | string | null): Address {
  if (asked.transport !== "tcp" || info === null || typeof info === "string") return asked;
  return { transport: "tcp", host: info.address, port: info.port };
}

function open(address: Address): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket =
      address.transport === "unix"
        ? createConnection({ path: address.path, allowHalfOpen: true })
        : createConnection({ host: (address as { host: string }).host, port: (address as { port: number }).port, allowHalfOpen: true });
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.off("error", reject);
      if (address.transport === "tcp") socket.setNoDelay(true);
      resolve(socket);
    });
  });
}

class NodeRawConn implements RawConn {
  onData: (chunk: Uint8Array) => void = () => undefined;
  readonly #socket: Socket;
  #full = false;

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("drain", () => {
      this.#full = false;
    });
    socket.on("error", () => undefined);
  }

  write(bytes: Uint8Array): void {
    if (!this.#socket.write(bytes)) this.#full = true;
  }

  drained(): Promise<void> {
    if (!this.#full) return Promise.resolve();
    return new Promise((resolve) => this.#socket.once("drain", () => resolve()));
  }

  end(): void {
    this.#socket.end();
  }

  close(): void {
    this.#socket.destroy();
  }
}

async function serve(address: Address, onSocket: (socket: Socket) => void): Promise<RawServer> {
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    if (address.transport === "tcp") socket.setNoDelay(true);
    socket.on("error", () => undefined);
    onSocket(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    if (address.transport === "unix") server.listen({ path: address.path }, resolve);
    else server.listen({ host: (address as { host: string }).host, port: (address as { port: number }).port }, resolve);
  });
  return { address: bound(address, server.address()), close: () => server.close() };
}

const raw: Raw = {
  connect: async (address) => new NodeRawConn(await open(address)),
  listenEcho: (address) =>
    serve(address, (socket) => {
      socket.on("data", (chunk: Buffer) => {
        if (!socket.write(chunk)) {
          socket.pause();
          socket.once("drain", () => socket.resume());
        }
      });
      socket.on("end", () => socket.end());
    }),
  listenWith: (address, onConn) => serve(address, (socket) => onConn(new NodeRawConn(socket))),
  listenSink: (address) =>
    serve(address, (socket) => {
      let count = 0;
      socket.on("data", (chunk: Buffer) => {
        count += chunk.length;
      });
      socket.on("end", () => {
        const answer = new Uint8Array(8);
        new DataView(answer.buffer).setBigUint64(0, BigInt(count));
        socket.end(answer);
      });
    }),
};

class NodeWsClient implements WsClient {
  onMessage: (data: Uint8Array) => void = () => undefined;
  readonly #ws: WebSocket;

  constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.binaryType = "nodebuffer";
    ws.on("message", (data: Buffer) => this.onMessage(data));
    ws.on("error", () => undefined);
  }

  send(data: Uint8Array): void {
    this.#ws.send(data, { binary: true });
  }

  close(): void {
    this.#ws.terminate();
  }
}

const ws: Ws = {
  bufferutil: false,
  async listenEcho(address) {
    const { WebSocketServer } = await loadWs();
    const { createServer: createHttpServer } = await import("node:http");
    ws.bufferutil = hasBufferutil();
    const http = createHttpServer();
    const wss = new WebSocketServer({ server: http, perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
    wss.on("connection", (socket) => {
      socket.on("message", (data: Buffer, isBinary: boolean) => socket.send(data, { binary: isBinary }));
      socket.on("error", () => undefined);
    });
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      if (address.transport === "unix") http.listen({ path: address.path }, resolve);
      else http.listen({ host: (address as { host: string }).host, port: 0 }, resolve);
    });
    const info = http.address() as AddressInfo | string;
    const url = typeof info === "string" ? `ws+unix:${info}:/` : `ws://${info.address}:${info.port}/`;
    return {
      url,
      close: () => {
        wss.close();
        http.close();
      },
    };
  },
  async connect(url) {
    const { WebSocket } = await loadWs();
    const socket = new WebSocket(url, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    return new NodeWsClient(socket);
  },
};

export async function load(): Promise<RuntimeModule> {
  return { adapter, raw, ws };
}
