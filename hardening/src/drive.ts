/**
 * The client side of the hardening scenarios. Good clients use the runtime's own adapter
 * (`connect`); hostile ones are raw node:net sockets (./raw.ts). Each driver measures and returns
 * figures; run.mjs judges them against the bounds (and against the server's own counts).
 */
import { concatBytes, decodeAll, encodeFrame } from "@sockframe/codec";
import type { Connection } from "@sockframe/connection";
import { type Adapter, asciiUpper, decoder, encoder, equalBytes, errorText, MiB, pool, round, sleep, within } from "./common.ts";
import { drip, garbage, HOSTILE_KINDS, type HostileKind, type HostileResult, idle, nonreader, oversized, RawPeer, reset, truncated } from "./raw.ts";
import type { ServerStats } from "./server.ts";

const REPLY_BOUND_MS = 30_000;
const CLOSE_BOUND_MS = 10_000;

function hostPort(url: string): { host: string; port: number } {
  const match = /^tcp:\/\/(.+):(\d+)$/.exec(url);
  if (match === null) throw new Error(`not a tcp url: ${url}`);
  return { host: match[1]!.replace(/^\[|\]$/g, ""), port: Number(match[2]) };
}

/** The server's figures, over a connection of its own (which the figures count). */
async function stats(adapter: Adapter, url: string, mark = false): Promise<ServerStats> {
  const connection = await adapter.connect(url);
  try {
    const reply = await within(connection.request({ op: "stats", mark }), REPLY_BOUND_MS, null);
    if (reply === null) throw new Error("no answer to a stats request");
    return JSON.parse(decoder.decode(reply.body)) as ServerStats;
  } finally {
    await within(connection.close(), CLOSE_BOUND_MS, null);
  }
}

/** Polls the server until `done(stats)`, at most `boundMs`. */
async function pollStats(adapter: Adapter, url: string, done: (stats: ServerStats) => boolean, boundMs: number): Promise<{ stats: ServerStats; ms: number; reached: boolean }> {
  const started = performance.now();
  for (;;) {
    const current = await stats(adapter, url);
    const ms = Math.round(performance.now() - started);
    if (done(current)) return { stats: current, ms, reached: true };
    if (ms > boundMs) return { stats: current, ms, reached: false };
    await sleep(100);
  }
}

async function shutdownServer(adapter: Adapter, url: string): Promise<boolean> {
  const connection = await adapter.connect(url);
  const reply = await within(connection.request({ op: "shutdown" }).catch(() => null), REPLY_BOUND_MS, null);
  await within(connection.close(), CLOSE_BOUND_MS, null);
  return reply?.header["ok"] === true;
}

function requestBody(client: number, n: number): Uint8Array {
  return encoder.encode(`client ${client} request ${n}: ${"hello, world! ".repeat(1 + ((client * 31 + n) % 60))}\u00e9t\u00e9 \u2603`);
}

interface GoodResult {
  correct: number;
  wrong: number;
  outOfOrder: number;
  missing: number;
  ms: number;
  error: string | null;
}

/** `count` upper requests sent at once (one write), replies read in order from the connection. */
async function pipelined(connection: Connection, client: number, count: number): Promise<GoodResult> {
  const started = performance.now();
  const result: GoodResult = { correct: 0, wrong: 0, outOfOrder: 0, missing: 0, ms: 0, error: null };
  const iterator = connection[Symbol.asyncIterator]();
  for (let n = 0; n < count; n++) {
    connection.send({ op: "upper", id: `${client}.${n}` }, requestBody(client, n)).catch((error: unknown) => (result.error ??= errorText(error)));
  }
  try {
    for (let n = 0; n < count; n++) {
      const next = await within(iterator.next(), REPLY_BOUND_MS, null);
      if (next === null || next.done === true) {
        result.missing = count - n;
        result.error ??= next === null ? "no reply within the bound" : "connection ended early";
        break;
      }
      const { header, body } = next.value;
      if (header.id !== `${client}.${n}`) result.outOfOrder++;
      else if (header.error === undefined && equalBytes(body, asciiUpper(requestBody(client, n)))) result.correct++;
      else result.wrong++;
    }
  } catch (error) {
    result.error ??= errorText(error);
    result.missing = count - result.correct - result.wrong - result.outOfOrder;
  }
  await within(connection.close(), CLOSE_BOUND_MS, null);
  result.ms = Math.round(performance.now() - started);
  return result;
}

/** `count` requests one after the other, each awaiting its reply (request(): matched by id). */
async function sequential(connection: Connection, client: number, count: number, latencies?: number[]): Promise<GoodResult> {
  const started = performance.now();
  const result: GoodResult = { correct: 0, wrong: 0, outOfOrder: 0, missing: 0, ms: 0, error: null };
  for (let n = 0; n < count; n++) {
    const sent = performance.now();
    try {
      const reply = await within(connection.request({ op: "upper" }, requestBody(client, n)), REPLY_BOUND_MS, null);
      if (reply === null) throw new Error("no reply within the bound");
      latencies?.push(performance.now() - sent);
      if (equalBytes(reply.body, asciiUpper(requestBody(client, n)))) result.correct++;
      else result.wrong++;
    } catch (error) {
      result.error = errorText(error);
      result.missing = count - n;
      break;
    }
  }
  await within(connection.close(), CLOSE_BOUND_MS, null);
  result.ms = Math.round(performance.now() - started);
  return result;
}

function summarizeGood(results: GoodResult[], perClient: number) {
  const sum = (pick: (r: GoodResult) => number) => results.reduce((n, r) => n + pick(r), 0);
  const times = results.map((r) => r.ms).sort((a, b) => a - b);
  return {
    clients: results.length,
    clientsOk: results.filter((r) => r.correct === perClient && r.error === null).length,
    expected: results.length * perClient,
    correct: sum((r) => r.correct),
    wrong: sum((r) => r.wrong),
    outOfOrder: sum((r) => r.outOfOrder),
    missing: sum((r) => r.missing),
    errors: [...new Set(results.map((r) => r.error).filter((e) => e !== null))].slice(0, 5),
    p50Ms: times[Math.floor(times.length / 2)] ?? 0,
    maxMs: times.at(-1) ?? 0,
  };
}

function summarizeHostile(results: HostileResult[]) {
  const byKind: Record<
    string,
    {
      count: number;
      variants: Record<string, number>;
      cut: number;
      expectedCodes: number;
      codes: Record<string, number>;
      minCutMs: number;
      maxCutMs: number;
      sentMiB: number;
      errors: string[];
      details: string[];
    }
  > = {};
  for (const r of results) {
    const kind = (byKind[r.kind] ??= { count: 0, variants: {}, cut: 0, expectedCodes: 0, codes: {}, minCutMs: Infinity, maxCutMs: 0, sentMiB: 0, errors: [], details: [] });
    kind.variants[r.variant] = (kind.variants[r.variant] ?? 0) + 1;
    kind.sentMiB = round(kind.sentMiB + r.sentBytes / MiB, 2);
    if (r.cutMs !== null) kind.minCutMs = Math.min(kind.minCutMs, r.cutMs);
    kind.count++;
    if (r.closedByServer) kind.cut++;
    if (r.expected === null || r.errorCode === r.expected) kind.expectedCodes++;
    const code = r.errorCode ?? "none";
    kind.codes[code] = (kind.codes[code] ?? 0) + 1;
    kind.maxCutMs = Math.max(kind.maxCutMs, r.cutMs ?? 0);
    if (r.socketError !== null && !kind.errors.includes(r.socketError) && kind.errors.length < 3) kind.errors.push(r.socketError);
    if (r.detail && kind.details.length < 3 && !kind.details.includes(r.detail)) kind.details.push(r.detail);
  }
  for (const kind of Object.values(byKind)) if (kind.minCutMs === Infinity) kind.minCutMs = 0;
  return byKind;
}

// ---------------------------------------------------------------------------------------------
// Scenario 1: 1,000 concurrent connections, 100 of them hostile

const TOTAL_CONNECTIONS = 1000;
const REQUESTS_PER_GOOD = 20;
const NONREADER_MAX_BYTES = 32 * MiB;
const NONREADER_BODY = 8 * 1024;
/** How long after the other peers are done the server gets to drop the non-readers (writeStallTimeoutMs is 2000). */
const NONREADER_DROP_BOUND_MS = 8_000;

export async function mixed(adapter: Adapter, url: string) {
  const { host, port } = hostPort(url);
  const warm = await adapter.connect(url);
  await Promise.all(Array.from({ length: 200 }, (_, n) => warm.request({ op: "upper" }, requestBody(0, n))));
  await warm.close();
  const before = await stats(adapter, url, true);

  // Every tenth connection is hostile, the kinds in turn: 20 of each of the 5 kinds.
  const plan = Array.from({ length: TOTAL_CONNECTIONS }, (_, n): HostileKind | "good" => (n % 10 === 9 ? HOSTILE_KINDS[Math.floor(n / 10) % HOSTILE_KINDS.length]! : "good"));
  const openStarted = performance.now();
  const opened = await pool(plan.length, 50, async (n) => {
    const kind = plan[n]!;
    return kind === "good" ? { kind, connection: await adapter.connect(url) } : { kind, peer: await RawPeer.open(host, port, kind !== "nonreader") };
  });
  const openMs = Math.round(performance.now() - openStarted);
  const held = await stats(adapter, url);

  const trafficStarted = performance.now();
  let stopNonreaders!: () => void;
  const nonreadersStop = new Promise<void>((resolve) => (stopNonreaders = resolve));
  const nonreaders: Promise<HostileResult>[] = [];
  const hostile: Promise<HostileResult>[] = [];
  const good: Promise<GoodResult>[] = [];
  opened.forEach((entry, n) => {
    if ("connection" in entry) {
      const connection = entry.connection!;
      good.push(n % 2 === 0 ? pipelined(connection, n, REQUESTS_PER_GOOD) : sequential(connection, n, REQUESTS_PER_GOOD));
      return;
    }
    const peer = entry.peer!;
    const kind = entry.kind;
    if (kind === "nonreader") nonreaders.push(nonreader(peer, NONREADER_MAX_BYTES, NONREADER_BODY, nonreadersStop));
    else hostile.push(kind === "garbage" ? garbage(peer, Math.floor(n / 50)) : kind === "oversized" ? oversized(peer, Math.floor(n / 50)) : kind === "drip" ? drip(peer) : reset(peer));
  });
  const goodResults = await Promise.all(good);
  const goodMs = Math.round(performance.now() - trafficStarted);
  const hostileResults = await Promise.all(hostile);
  // The non-readers are done when the server has dropped every one of them (or the bound passed).
  const nonreadersDropped = await pollStats(adapter, url, (s) => (s.endings["dropped while replying"] ?? 0) >= nonreaders.length, NONREADER_DROP_BOUND_MS);
  const nonreadersDroppedAt = performance.now();
  stopNonreaders();
  hostileResults.push(...(await Promise.all(nonreaders)));
  const trafficMs = Math.round(performance.now() - trafficStarted);
  // Every connection of the load gone: only the stats connection itself is left.
  const drained = await pollStats(adapter, url, (s) => s.connections <= 1, 30_000);
  const after = await stats(adapter, url);
  const shutdownOk = await shutdownServer(adapter, url);
  return {
    connections: { planned: TOTAL_CONNECTIONS, opened: opened.length, heldByServer: held.connections - 1, openMs },
    good: { ...summarizeGood(goodResults, REQUESTS_PER_GOOD), ms: goodMs },
    hostile: summarizeHostile(hostileResults),
    trafficMs,
    nonreaders: {
      count: nonreaders.length,
      /** Dropped by the server (write stall) before the bound. */
      droppedByServer: nonreadersDropped.stats.endings["dropped while replying"] ?? 0,
      /** Still open at the bound, their handler blocked in send() (every other peer is done by then). */
      stuckInSend: nonreadersDropped.reached ? 0 : (nonreadersDropped.stats.handlers["sending"] ?? 0),
      allDroppedAfterMs: nonreadersDropped.reached ? Math.round(nonreadersDroppedAt - trafficStarted) : null,
      boundMs: NONREADER_DROP_BOUND_MS,
    },
    drained: { reached: drained.reached, ms: drained.ms, connectionsLeft: drained.stats.connections - 1 },
    server: { before, held, after },
    shutdownOk,
  };
}

// ---------------------------------------------------------------------------------------------
// Scenario 2: reset mid-frame, truncation, half-close, idle, a 64 MiB flood to a peer that does not read

const HALF_CLOSE_REQUESTS = 1000;
const FLOOD_MIB = 64;
const FLOOD_GOOD_CLIENTS = 20;
const FLOOD_GOOD_REQUESTS = 50;
const BIG_NONREADER_BODY = MiB;
const BIG_NONREADER_MAX_BYTES = 160 * MiB;

/** request() x n, then close() at once: our FIN follows the requests; every reply must still come. */
async function halfCloseAdapter(adapter: Adapter, url: string) {
  const started = performance.now();
  const connection = await adapter.connect(url, { closeTimeoutMs: REPLY_BOUND_MS });
  const replies = Array.from({ length: HALF_CLOSE_REQUESTS }, (_, n) =>
    connection.request({ op: "upper" }, requestBody(1, n)).then(
      (reply) => (equalBytes(reply.body, asciiUpper(requestBody(1, n))) ? "correct" : "wrong"),
      (error: unknown) => `error ${errorText(error)}`,
    ),
  );
  const closing = connection.close();
  const outcomes = await within(Promise.all(replies), REPLY_BOUND_MS, null);
  const info = await within(closing, REPLY_BOUND_MS, null);
  return {
    requests: HALF_CLOSE_REQUESTS,
    correct: outcomes?.filter((o) => o === "correct").length ?? 0,
    errors: [...new Set(outcomes?.filter((o) => o !== "correct") ?? ["timed out"])].slice(0, 3),
    closedCleanly: info !== null && info.protocolError === null,
    ms: Math.round(performance.now() - started),
  };
}

/** Raw: n frames in one write, then FIN (end()); read everything until the server's FIN. */
async function halfCloseRaw(host: string, port: number) {
  const started = performance.now();
  const peer = await RawPeer.open(host, port);
  const frames = Array.from({ length: HALF_CLOSE_REQUESTS }, (_, n) => encodeFrame({ op: "upper", id: n }, requestBody(2, n)));
  peer.socket.end(concatBytes(frames));
  await within(peer.closed, REPLY_BOUND_MS, null);
  peer.destroy();
  const { frames: replies, error } = decodeAll(concatBytes(peer.chunks));
  let inOrder = 0;
  for (const [n, reply] of replies.entries()) {
    if (reply.header.id === n && equalBytes(reply.body, asciiUpper(requestBody(2, n)))) inOrder++;
  }
  return {
    requests: HALF_CLOSE_REQUESTS,
    replies: replies.length,
    correctInOrder: inOrder,
    serverClosed: peer.endedAt !== null,
    decodeError: error === null ? null : error.code,
    ms: Math.round(performance.now() - started),
  };
}

const SLOW_REQUESTS = 300;

/**
 * 300 requests with 4 KiB headers pipelined to a slow handler (10 ms each): the server pauses
 * reading at maxQueuedFrames, almost surely with part of a header read. A correct server answers
 * all of them; the client gives up (destroys) as soon as it gets an error frame or the server's FIN.
 */
async function slowHandler(adapter: Adapter, url: string) {
  const started = performance.now();
  const connection = await adapter.connect(url);
  let cutWith: string | null = null;
  let answered = 0;
  const watcher = (async () => {
    try {
      for await (const { header } of connection) {
        if (header.error !== undefined) cutWith ??= header.error.code;
      }
      // The server's FIN before every answer came: an idle close, or a close after an error frame.
      if (answered < SLOW_REQUESTS) cutWith ??= "FIN";
    } catch (error) {
      cutWith ??= errorText(error);
    }
    // Nothing more can come: what is still pending is rejected by destroying.
    if (answered < SLOW_REQUESTS) connection.destroy();
  })();
  const padding = "p".repeat(4096);
  const requests = Array.from({ length: SLOW_REQUESTS }, (_, i) => connection.request({ op: "slow", i, padding }).then(() => answered++));
  await within(Promise.allSettled(requests), REPLY_BOUND_MS, null);
  await within(connection.close(), CLOSE_BOUND_MS, null);
  await within(watcher, CLOSE_BOUND_MS, null);
  return { requests: SLOW_REQUESTS, answered, cutWith, ms: Math.round(performance.now() - started) };
}

/**
 * A request the server's handler answers by returning (the server closes the connection), with 10
 * more requests behind it: after the server's FIN no reply can come, so none should stay pending.
 */
async function hangup(adapter: Adapter, url: string) {
  const connection = await adapter.connect(url);
  const finSeen = (async () => {
    try {
      for await (const _ of connection);
    } catch {
      // closed with an error: also the end
    }
  })();
  const requests = [connection.request({ op: "hangup" }), ...Array.from({ length: 10 }, (_, n) => connection.request({ op: "upper" }, requestBody(4, n)))].map((request) =>
    request.then(
      () => "answered",
      () => "rejected",
    ),
  );
  const fin = await within(finSeen.then(() => true), REPLY_BOUND_MS, false);
  await sleep(1000);
  const pendingAfterFin = connection.pendingRequests;
  connection.destroy();
  const outcomes = await within(Promise.all(requests), CLOSE_BOUND_MS, null);
  return {
    requests: requests.length,
    finSeen: fin,
    pendingAfterFin,
    rejected: outcomes?.filter((o) => o === "rejected").length ?? 0,
    answered: outcomes?.filter((o) => o === "answered").length ?? 0,
  };
}

export async function edges(adapter: Adapter, url: string) {
  const { host, port } = hostPort(url);
  await stats(adapter, url, true);
  const idleBoundMs = 10_000;
  const idlers = Promise.all(Array.from({ length: 5 }, async () => idle(await RawPeer.open(host, port), idleBoundMs)));

  const halfClose = { adapter: await halfCloseAdapter(adapter, url), raw: await halfCloseRaw(host, port) };
  const truncatedResults = await Promise.all(Array.from({ length: 5 }, async () => truncated(await RawPeer.open(host, port))));
  const resetResults = await Promise.all(Array.from({ length: 20 }, async () => reset(await RawPeer.open(host, port))));
  const probe = await adapter.connect(url);
  const afterResets = await sequential(probe, 3, 10);
  const slow = await slowHandler(adapter, url);
  const hung = await hangup(adapter, url);

  // The flood: a raw peer asks for 64 MiB and never reads; good clients go on meanwhile.
  const beforeFlood = await stats(adapter, url, true);
  const floodPeer = await RawPeer.open(host, port, false);
  const floodStarted = performance.now();
  await floodPeer.write(encodeFrame({ op: "flood", id: "flood", mib: FLOOD_MIB }));
  const latencies: number[] = [];
  const goodDuringFlood = await Promise.all(
    Array.from({ length: FLOOD_GOOD_CLIENTS }, async (_, i) => sequential(await adapter.connect(url), 100 + i, FLOOD_GOOD_REQUESTS, latencies)),
  );
  const floodEnded = await pollStats(adapter, url, (s) => s.floods.length > 0 && s.floods[0]!.closedAfterMs !== null, 30_000);
  const floodMs = Math.round(performance.now() - floodStarted);
  floodPeer.destroy();

  // A peer that never reads, sending 1 MiB requests: what it pins must be bounded in octets
  // (maxQueuedBytes), not only in frames (maxQueuedFrames x 1 MiB = 256 MiB).
  const beforeBig = await stats(adapter, url, true);
  let stopBig!: () => void;
  const bigStop = new Promise<void>((resolve) => (stopBig = resolve));
  const big = nonreader(await RawPeer.open(host, port, false), BIG_NONREADER_MAX_BYTES, BIG_NONREADER_BODY, bigStop);
  const dropsBefore = beforeBig.endings["dropped while replying"] ?? 0;
  const afterBig = await pollStats(adapter, url, (s) => (s.endings["dropped while replying"] ?? 0) > dropsBefore, 8_000);
  stopBig();
  const bigNonreader = await big;
  const idleResults = await idlers;
  latencies.sort((a, b) => a - b);
  const after = await stats(adapter, url);
  const shutdownOk = await shutdownServer(adapter, url);
  return {
    halfClose,
    truncated: summarizeHostile(truncatedResults),
    reset: { ...summarizeHostile(resetResults), serverAnsweredAfter: afterResets.correct === 10 },
    idle: summarizeHostile(idleResults),
    slowHandler: slow,
    hangup: hung,
    flood: {
      requestedMiB: FLOOD_MIB,
      dropped: floodEnded.reached,
      server: floodEnded.stats.floods[0] ?? null,
      peakRssMiB: floodEnded.stats.peakRssMiB,
      baselineRssMiB: beforeFlood.baselineRssMiB,
      growthMiB: floodEnded.stats.growthMiB,
      ms: floodMs,
      good: { ...summarizeGood(goodDuringFlood, FLOOD_GOOD_REQUESTS), p99LatencyMs: round(latencies[Math.floor(latencies.length * 0.99)] ?? 0), maxLatencyMs: round(latencies.at(-1) ?? 0) },
    },
    bigNonreader: {
      bodyKiB: BIG_NONREADER_BODY / 1024,
      sentMiB: round(bigNonreader.sentBytes / MiB),
      droppedByServer: afterBig.reached,
      stuckInSend: afterBig.reached ? 0 : (afterBig.stats.handlers["sending"] ?? 0),
      detail: bigNonreader.detail,
      growthMiB: afterBig.stats.growthMiB,
    },
    server: { after },
    shutdownOk,
  };
}

// ---------------------------------------------------------------------------------------------
// Scenario 3: server.close() with 10,000 frames in flight

const SHUTDOWN_CONNECTIONS = 10;
const SHUTDOWN_PER_CONNECTION = 1000;
const SHUTDOWN_BURST = 5;
const SHUTDOWN_AT = 5000;
/** Between bursts: the 10,000 requests are spread over about a second, so that some arrive after the server's FIN. */
const SHUTDOWN_PAUSE_MS = 5;

type Outcome = "answered" | "wrong" | "refused" | "closed" | "notSent" | `remote ${string}`;

export async function shutdown(adapter: Adapter, url: string) {
  const control = await adapter.connect(url);
  const connections = await Promise.all(Array.from({ length: SHUTDOWN_CONNECTIONS }, () => adapter.connect(url, { closeTimeoutMs: REPLY_BOUND_MS })));
  // When the server closes a connection (its FIN), the client closes too: what is still pending
  // then is rejected by the close, never left hanging.
  const closes = connections.map(async (connection) => {
    try {
      for await (const _ of connection);
    } catch {
      // a reset: closed anyway
    }
    return within(connection.close(), REPLY_BOUND_MS, null);
  });
  const outcomes: Promise<Outcome>[] = [];
  let attempted = 0;
  let shutdownRequest: Promise<unknown> | null = null;
  let shutdownRequestedAt = 0;
  const started = performance.now();
  const send = (connection: Connection, client: number, n: number) => {
    const body = requestBody(client, n);
    attempted++;
    outcomes.push(
      connection.request({ op: "upper" }, body).then(
        (reply): Outcome => (equalBytes(reply.body, asciiUpper(body)) ? "answered" : "wrong"),
        (error: unknown): Outcome => {
          const code = (error as { code?: string }).code;
          if ((error as Error).name === "RemoteError") return code === "SHUTTING_DOWN" ? "refused" : `remote ${code}`;
          return (error as { code?: unknown }).code === "CLOSING" ? "notSent" : "closed";
        },
      ),
    );
  };
  await Promise.all(
    connections.map(async (connection, client) => {
      for (let n = 0; n < SHUTDOWN_PER_CONNECTION; n += SHUTDOWN_BURST) {
        for (let k = n; k < n + SHUTDOWN_BURST; k++) send(connection, client, k);
        if (attempted >= SHUTDOWN_AT && shutdownRequest === null) {
          shutdownRequestedAt = attempted;
          shutdownRequest = control.request({ op: "shutdown" }).catch(() => null);
        }
        await sleep(SHUTDOWN_PAUSE_MS);
      }
    }),
  );
  const sendMs = Math.round(performance.now() - started);
  const settled = await within(Promise.all(outcomes), REPLY_BOUND_MS, null);
  const settleMs = Math.round(performance.now() - started);
  await within(Promise.all(closes), REPLY_BOUND_MS, null);
  await within(control.close(), CLOSE_BOUND_MS, null);
  const counts: Record<string, number> = {};
  let hanging = outcomes.length;
  if (settled !== null) {
    hanging = 0;
    for (const outcome of settled) counts[outcome] = (counts[outcome] ?? 0) + 1;
  }
  return {
    connections: SHUTDOWN_CONNECTIONS,
    attempted,
    shutdownRequestedAfter: shutdownRequestedAt,
    counts,
    answered: counts["answered"] ?? 0,
    refused: counts["refused"] ?? 0,
    closedUnanswered: counts["closed"] ?? 0,
    notSent: counts["notSent"] ?? 0,
    hanging,
    sendMs,
    settleMs,
  };
}
