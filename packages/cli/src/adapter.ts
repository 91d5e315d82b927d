import type {
  Address,
  Connection,
  ConnectionHandler,
  ConnectOptions,
  DatagramEndpoint,
  DatagramOptions,
  Server,
  ServerOptions,
} from "@sockframe/connection";

export type RuntimeName = "node" | "deno" | "bun";

/**
 * The part of a runtime adapter (@sockframe/node, @sockframe/deno, @sockframe/bun) the commands
 * use. Passed in explicitly so every command is runtime-neutral and testable with any adapter.
 */
export interface RuntimeAdapter {
  readonly runtime: RuntimeName;
  listen(address: string | Address, handler: ConnectionHandler, options?: ServerOptions & { streamBodies?: boolean }): Promise<Server>;
  connect(address: string | Address, options?: ConnectOptions): Promise<Connection>;
  bindDatagram(address: string | Address, options?: DatagramOptions): Promise<DatagramEndpoint>;
}
