/**
 * A flash sale as the intake issue measures it: every order of the burst sent at once (distinct
 * idempotency keys plus resends of used ones), single-unit on one SKU, each call timed on its own.
 * A retryable refusal (INTAKE_SATURATED) is retried after its hint, as a well-behaved storefront
 * does; a gateway time-out is counted as a failure, then retried with the same key so that the
 * run can still check its invariants.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { appendFileSync } from 'node:fs';
import { MongoClient } from 'mongodb';
import type { RunningMesh, SubgraphName } from '@mesh/mesh-runner';
import { GraphQLRequestError, type BenchClient } from './bench-client.js';
import { postJson } from './http-post.js';
import { PLACE_ORDER, placeOrderInput, waitUntilDecided, type DecidedOrder, type OrderRequest, type PlacedOrder } from './orders.js';
import { readCounters } from './service-counters.js';
import { cpuSecondsByRole } from './process-stats.js';
import { percentile } from './stats.js';
import { layersBetween, readLayers, type LayerReadings } from './call-layers.js';
import { listenOverflows } from './listen-overflows.js';

const SUBGRAPHS: readonly SubgraphName[] = ['product', 'inventory', 'order', 'customer', 'ledger'];

/** One HTTP call of the burst. */
export interface BurstCall {
  readonly key: string;
  readonly latencyMs: number;
  /** The answered order status, or the error code (SUBGRAPH_TIMEOUT, INTAKE_SATURATED, ...). */
  readonly outcome: string;
}

export interface BurstOutcome {
  readonly calls: readonly BurstCall[];
  readonly decided: readonly DecidedOrder[];
  /** Distinct order ids answered per idempotency key (must be 1 for every key). */
  readonly idsPerKey: ReadonlyMap<string, number>;
  /** From the first send to the last order's decision (server clock), ms. */
  readonly allFinalMs: number;
  readonly counters: DatabaseWork;
  /** CPU seconds each kind of process used from the first send until the mesh was quiet (see cpuSecondsByRole). */
  readonly cpuSecondsByRole: Readonly<Record<string, number>>;
  /** The gateway's and the order subgraph's own placeOrder timings over the burst (call-layers.ts). */
  readonly layers: LayerReadings;
  /** Connections the kernel dropped for a full accept queue during the burst (listen-overflows.ts). */
  readonly listenOverflows: number;
}

export interface DatabaseWork {
  readonly commands: number;
  readonly docsExamined: number;
  readonly returned: number;
  readonly scans: number;
  /** Index builds the embedded server ran (an index is built on first use, or by its background warmer). */
  readonly indexBuilds: number;
  /** Documents examined per collection (`db.collection`), from the embedded server. */
  readonly examinedByCollection: Readonly<Record<string, number>>;
  /** Queries (reads and updates by filter) per collection, from the embedded server. */
  readonly queriesByCollection: Readonly<Record<string, number>>;
  /** Commands per `service command` (for example `order find`), from the services' counters. */
  readonly commandsByService: Readonly<Record<string, number>>;
  /** The embedded server's garbage collections and the time they took (its JVM pauses every command meanwhile). */
  readonly gcCollections: number;
  readonly gcMillis: number;
}

interface Attempt {
  readonly latencyMs: number;
  readonly placed?: { id: string; status: string; correlationId: string };
  readonly code?: string;
  readonly retryAfterMs?: number;
  /** The error said it may be sent again (extensions.retryable). */
  readonly retryable?: boolean;
}

async function attempt(url: string, token: string, request: OrderRequest): Promise<Attempt> {
  const input = placeOrderInput(request);
  const started = performance.now();
  try {
    const response = await postJson(
      url,
      { authorization: `Bearer ${token}` },
      JSON.stringify({ query: PLACE_ORDER, variables: { input } }),
      AbortSignal.timeout(60_000),
    );
    const body = JSON.parse(response.text) as {
      data?: { placeOrder: { order: { id: string; status: string; correlationId: string } } } | null;
      errors?: { message: string; extensions?: Record<string, unknown> }[];
    };
    const latencyMs = performance.now() - started;
    const error = body.errors?.[0];
    if (error) {
      const retryAfterMs = Number(error.extensions?.['retryAfterMs']);
      const code = String(error.extensions?.['code'] ?? `HTTP_${response.status}`);
      return { latencyMs, code, retryable: error.extensions?.['retryable'] === true, ...(Number.isFinite(retryAfterMs) ? { retryAfterMs } : {}) };
    }
    if (!body.data) return { latencyMs, code: `HTTP_${response.status}` };
    return { latencyMs, placed: body.data.placeOrder.order };
  } catch (error) {
    // undici's own errors carry the code; a fetch-style TypeError carries it on its cause.
    const { code, cause: wrapped } = error as { code?: string; cause?: { code?: string } };
    const cause = code ?? wrapped?.code;
    return {
      latencyMs: performance.now() - started,
      code: (error as Error).name === 'TimeoutError' ? 'CLIENT_TIMEOUT' : `NETWORK_ERROR${cause ? `_${cause}` : ''}`,
    };
  }
}

/** Where each call of a burst is appended as a JSON line, when set (summarised by bench/src/call-log-summary.ts). */
const CALL_LOG = process.env['BENCH_CALL_LOG'];

/** One line of the call log: when the answer came (epoch ms), how long the call took, what it answered, the hint it gave. */
export interface LoggedCall {
  readonly at: number;
  readonly key: string;
  readonly outcome: string;
  readonly latencyMs: number;
  readonly retryAfterMs?: number;
}

function logCall(path: string, key: string, answer: Attempt): void {
  const line: LoggedCall = {
    at: Date.now(),
    key,
    outcome: answer.placed?.status ?? answer.code!,
    latencyMs: Math.round(answer.latencyMs),
    ...(answer.retryAfterMs === undefined ? {} : { retryAfterMs: answer.retryAfterMs }),
  };
  appendFileSync(path, `${JSON.stringify(line)}\n`);
}

/** Sends `request` until it gets an order (each HTTP call recorded): refusals after their hint, failures after a pause. */
async function placeUntilAnswered(url: string, token: string, request: OrderRequest, calls: BurstCall[]): Promise<PlacedOrder> {
  const sentAt = Date.now();
  const started = performance.now();
  for (let tries = 1; tries <= 50; tries++) {
    const answer = await attempt(url, token, request);
    calls.push({ key: request.idempotencyKey, latencyMs: answer.latencyMs, outcome: answer.placed?.status ?? answer.code! });
    if (CALL_LOG) logCall(CALL_LOG, request.idempotencyKey, answer);
    if (answer.placed) {
      return {
        request,
        id: answer.placed.id,
        correlationId: answer.placed.correlationId,
        answeredStatus: answer.placed.status,
        sentAt,
        latencyMs: performance.now() - started,
        timeouts: tries - 1,
      };
    }
    // Refusals, time-outs and dropped connections are sent again (the key makes that safe); the failures are counted.
    if (!answer.retryable && answer.code !== 'SUBGRAPH_TIMEOUT' && answer.code !== 'CLIENT_TIMEOUT' && !answer.code!.startsWith('NETWORK_ERROR')) {
      throw new GraphQLRequestError(`placeOrder ${request.idempotencyKey}: ${answer.code}`, [answer.code!]);
    }
    await sleep(answer.retryAfterMs ?? 1000 + Math.random() * 1000);
  }
  throw new Error(`placeOrder ${request.idempotencyKey}: no answer after 50 calls`);
}

/** Every database command the subgraphs made, and what the embedded server examined for them. */
export async function readDatabaseWork(mesh: RunningMesh, mongo: MongoClient | null): Promise<DatabaseWork> {
  const counts = await readCounters(mesh.subgraphUrls, SUBGRAPHS);
  const commands = Object.values(counts).reduce((sum, entry) => sum + entry.dbCommands, 0);
  const commandsByService = Object.fromEntries(
    Object.entries(counts).flatMap(([service, entry]) => Object.entries(entry.dbCommandsByName ?? {}).map(([name, count]) => [`${service} ${name}`, count])),
  );
  if (!mongo)
    return {
      commands,
      docsExamined: Number.NaN,
      returned: Number.NaN,
      scans: Number.NaN,
      indexBuilds: Number.NaN,
      examinedByCollection: {},
      queriesByCollection: {},
      commandsByService,
      gcCollections: Number.NaN,
      gcMillis: Number.NaN,
    };
  const stats = await mongo.db('admin_stats').command({ meshQueryStats: 1 });
  const gc = stats['gc'] as { collections: number; millis: number };
  const totals = stats['totals'] as { docsExamined: number; returned: number; scans: number };
  const namespaces = stats['namespaces'] as Record<string, { docsExamined: number; indexed: number; scans: number; indexBuilds?: number }>;
  const examinedByCollection = Object.fromEntries(Object.entries(namespaces).map(([name, entry]) => [name, entry.docsExamined]));
  const queriesByCollection = Object.fromEntries(Object.entries(namespaces).map(([name, entry]) => [name, entry.indexed + entry.scans]));
  return {
    commands,
    docsExamined: totals.docsExamined,
    returned: totals.returned,
    scans: totals.scans,
    indexBuilds: Object.values(namespaces).reduce((sum, entry) => sum + (entry.indexBuilds ?? 0), 0),
    examinedByCollection,
    queriesByCollection,
    commandsByService,
    gcCollections: gc.collections,
    gcMillis: gc.millis,
  };
}

const difference = (before: Readonly<Record<string, number>>, after: Readonly<Record<string, number>>) =>
  Object.fromEntries(Object.entries(after).map(([name, count]) => [name, count - (before[name] ?? 0)]));

export const workBetween = (before: DatabaseWork, after: DatabaseWork): DatabaseWork => ({
  commands: after.commands - before.commands,
  docsExamined: after.docsExamined - before.docsExamined,
  returned: after.returned - before.returned,
  scans: after.scans - before.scans,
  indexBuilds: after.indexBuilds - before.indexBuilds,
  examinedByCollection: difference(before.examinedByCollection, after.examinedByCollection),
  queriesByCollection: difference(before.queriesByCollection, after.queriesByCollection),
  commandsByService: difference(before.commandsByService, after.commandsByService),
  gcCollections: after.gcCollections - before.gcCollections,
  gcMillis: after.gcMillis - before.gcMillis,
});

/** The embedded server's garbage collections in `work`, over `wallMs` of wall time: "2 collections, 310 ms (4.4% of the time)". */
export function describeCollections(work: DatabaseWork, wallMs: number): string {
  if (!Number.isFinite(work.gcMillis)) return 'not measured (no embedded server)';
  const share = wallMs > 0 ? Math.round((1000 * work.gcMillis) / wallMs) / 10 : 0;
  return `${work.gcCollections} collections, ${Math.round(work.gcMillis)} ms (${share}% of the time)`;
}

/** The largest entries of a per-name count, as "name N per order" (by default: documents examined per collection). */
export function topCollections(work: DatabaseWork, orders: number, count = 6, of: Readonly<Record<string, number>> = work.examinedByCollection): string {
  return Object.entries(of)
    .sort(([, a], [, b]) => b - a)
    .slice(0, count)
    .map(([name, examined]) => `${name} ${Math.round((examined / orders) * 10) / 10}`)
    .join(', ');
}

/** Waits until the services stop issuing database commands (the burst's events all handled), at most `maxMs`. */
export async function untilQuiet(mesh: RunningMesh, quietMs = 1500, maxMs = 60_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = await readDatabaseWork(mesh, null);
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    await sleep(250);
    const now = await readDatabaseWork(mesh, null);
    // A few commands a second are the mesh's own background passes, not the burst.
    if (now.commands - last.commands > 5) quietSince = Date.now();
    last = now;
    if (Date.now() - quietSince >= quietMs) return;
  }
}

export function embeddedStatsClient(mesh: RunningMesh): Promise<MongoClient> | null {
  return mesh.database.kind.startsWith('embedded') ? new MongoClient(mesh.database.uri).connect() : null;
}

/**
 * Sends every request at once (resends included) and waits until every order is decided; the
 * database work is counted from the first send until the mesh is quiet again.
 */
export async function runBurst(
  mesh: RunningMesh,
  client: BenchClient,
  token: string,
  requests: readonly OrderRequest[],
  mongo: MongoClient | null,
): Promise<BurstOutcome> {
  await untilQuiet(mesh);
  const before = await readDatabaseWork(mesh, mongo);
  const cpuBefore = await cpuSecondsByRole(process.pid);
  const layersBefore = await readLayers(mesh);
  const overflowsBefore = await listenOverflows();
  const calls: BurstCall[] = [];
  const started = Date.now();
  const placed = await Promise.all(requests.map((request) => placeUntilAnswered(mesh.gatewayUrl, token, request, calls)));
  const overflows = (await listenOverflows()) - overflowsBefore;
  const layers = layersBetween(layersBefore, await readLayers(mesh));
  const decided = await waitUntilDecided(client, placed, 300_000);
  await untilQuiet(mesh);
  const after = await readDatabaseWork(mesh, mongo);
  const cpuAfter = await cpuSecondsByRole(process.pid);
  const idsPerKey = new Map<string, Set<string>>();
  for (const order of placed) idsPerKey.set(order.request.idempotencyKey, (idsPerKey.get(order.request.idempotencyKey) ?? new Set()).add(order.id));
  const lastDecision = Math.max(...decided.map((order) => order.decidedAt));
  return {
    calls,
    decided,
    idsPerKey: new Map([...idsPerKey].map(([key, ids]) => [key, ids.size])),
    allFinalMs: lastDecision - started,
    counters: workBetween(before, after),
    cpuSecondsByRole: difference(cpuBefore, cpuAfter),
    layers,
    listenOverflows: overflows,
  };
}

/** The burst's answers in one row of figures. */
export function describeCalls(calls: readonly BurstCall[]): { p50: number; p99: number; max: number; within3s: number; byOutcome: Record<string, number> } {
  const latencies = calls.map((call) => call.latencyMs);
  const byOutcome: Record<string, number> = {};
  for (const call of calls) byOutcome[call.outcome] = (byOutcome[call.outcome] ?? 0) + 1;
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: Math.max(...latencies),
    within3s: calls.filter((call) => call.latencyMs <= 3000).length,
    byOutcome,
  };
}
