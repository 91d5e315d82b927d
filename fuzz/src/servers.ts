import type { Profile } from "@sockframe/codec";

/** The live servers the soak attacks: both profiles, both body modes, custom limits, short deadlines. */
export interface ServerSpec {
  name: string;
  profile: Profile;
  streamBodies: boolean;
  maxHeaderBytes?: number;
  maxBodyBytes?: number;
  maxStreamBodyBytes?: number;
  headerTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** Inputs may leave the connection open on this server: its deadlines must close it. */
  stall?: boolean;
}

export const SERVERS: readonly ServerSpec[] = [
  { name: "be-buffered-small", profile: "be", streamBodies: false, maxHeaderBytes: 4096, maxBodyBytes: 65536 },
  { name: "le-buffered-default", profile: "le", streamBodies: false },
  { name: "be-streaming", profile: "be", streamBodies: true, maxStreamBodyBytes: 1 << 20 },
  { name: "le-streaming-small", profile: "le", streamBodies: true, maxHeaderBytes: 1024, maxStreamBodyBytes: 100_000 },
  { name: "be-deadlines", profile: "be", streamBodies: false, maxHeaderBytes: 8192, headerTimeoutMs: 1000, idleTimeoutMs: 1500, stall: true },
];

export function limitsOf(spec: ServerSpec): { maxHeaderBytes: number; bodyLimit: number } {
  return {
    maxHeaderBytes: spec.maxHeaderBytes ?? 65536,
    bodyLimit: spec.streamBodies ? spec.maxStreamBodyBytes ?? Number.MAX_SAFE_INTEGER : spec.maxBodyBytes ?? 16 * 1024 * 1024,
  };
}

/**
 * Servers for the fixed scenarios only (scenarios.ts), not for random inputs: a handler that takes
 * one frame per second, like exec-server after a wrong token or while a command runs.
 */
export const SCENARIO_SERVERS: readonly ServerSpec[] = [
  { name: "be-slow-handler", profile: "be", streamBodies: false },
];
