import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { principals } from '@mesh/test-kit';
import { retailDataset } from '@mesh/seed-data';
import type { MeshReplica } from '@mesh/mesh-runner';
import { childPidWithEnv, startRawServer, startSubscriberWorker } from '../lib/fan-out-children.js';
import { buildPhase, type BuildPlan, type BuildRow } from '../lib/fan-out-builds.js';
import type { MovementTarget } from '../lib/fan-out-movements.js';
import { oursPhase, rawPhase, waitIdle, warmUp, type Load, type PhasePlan, type RawServer, type Side, type Worker } from '../lib/fan-out-phases.js';
import type { OpenResult } from '../lib/fan-out-protocol.js';
import { buildGatewayAt } from '../lib/gateway-at-commit.js';
import { sampleProcessTree } from '../lib/process-stats.js';
import type { BenchContext, Scenario, ScenarioResult } from '../lib/scenario.js';
import { round } from '../lib/stats.js';
import { buildResult } from './6-subscription-fan-out/report.js';
import {
  BURST_IN_FLIGHT,
  DISTINCT_PER_SECOND,
  IDLE_WAIT_MS,
  REPLICA_ENV,
  STEADY_INTERVAL_MS,
  sizeOf,
  type MemoryRow,
  type PhaseRow,
} from './6-subscription-fan-out/settings.js';

// Why: clienteling screens on a shop floor each hold one graphql-ws socket watching a hot product;
// one stock movement must reach all of them quickly. We measure that end to end (mutation sent ->
// screen received) and compare the gateway's fan-out with the least any WebSocket server can do.

/** The hot product: the associate's store and the catalogue's last variant (no other scenario uses it). */
const STORE = principals.associate.storeId;

const WATCH = /* GraphQL */ `
  subscription HotProduct($skus: [ID!]!, $locationIds: [ID!]) {
    availabilityChanged(skus: $skus, locationIds: $locationIds) {
      cursor
      kind
      sku
      available
      previousAvailable
      onHand
      reserved
      at
    }
  }
`;

interface Tools {
  readonly worker: Worker;
  readonly rawServer: RawServer;
  readonly rawUrl: string;
  readonly target: MovementTarget;
  readonly sequence: () => number;
}

/** A gateway build to start replicas of: this checkout's, or one compiled at the baseline commit. */
interface GatewayBuild {
  /** 'today', or the baseline commit as given. */
  readonly label: string;
  /** The compiled entry (absent: this checkout's gateway/dist/index.js). */
  readonly entry?: string;
}

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The supergraph both builds serve (an older gateway would otherwise read its own checkout's). */
const SUPERGRAPH_PATH = join(REPO_ROOT, 'schema/supergraph.graphql');

async function startFanOutGateway(context: BenchContext, build: GatewayBuild = { label: 'today' }): Promise<MeshReplica> {
  // For profiling the fan-out: BENCH_S6_CPU_PROF_DIR=/tmp/prof writes the replica's .cpuprofile on stop.
  const profileDir = process.env['BENCH_S6_CPU_PROF_DIR'];
  const preload = fileURLToPath(new URL('../lib/fan-out-cpu-profile.cjs', import.meta.url));
  const env: Record<string, string> = { ...REPLICA_ENV, SUPERGRAPH_PATH, ...(profileDir ? { NODE_OPTIONS: `--require ${preload}` } : {}) };
  // Replicas spawn with this process's environment: set the limits for this one, then restore.
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  try {
    return await context.mesh.startReplica('gateway', build.entry ? { entry: build.entry } : {});
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

const portOf = (url: string) => new URL(url).port;

/** One subscriber count: a fresh gateway replica, N graphql-ws and N raw sockets, alternating 1/s rounds, then the bursts. */
async function measureCount(context: BenchContext, tools: Tools, subscribers: number): Promise<{ phases: PhaseRow[]; memory: MemoryRow }> {
  const { worker, rawServer, rawUrl, target, sequence } = tools;
  const size = sizeOf(context.size);
  const replica = await startFanOutGateway(context);
  try {
    // MeshReplica has no pid: the runner spawns each service with its port in its environment.
    const gatewayPid = await childPidWithEnv('GATEWAY_PORT', portOf(replica.url));
    const inventoryPid = await childPidWithEnv('INVENTORY_PORT', portOf(context.mesh.subgraphUrls.inventory));
    const [gatewayBefore, inventoryBefore] = await Promise.all([sampleProcessTree(gatewayPid), sampleProcessTree(inventoryPid)]);
    context.log(`${subscribers} subscribers: opening graphql-ws sockets on a gateway replica (pid ${gatewayPid})`);
    const token = await context.bearerFor(principals.associate);
    const opened = await worker.call<OpenResult>({
      type: 'open-ours',
      url: replica.url,
      token,
      count: subscribers,
      query: WATCH,
      variables: { skus: [target.sku], locationIds: [target.locationId] },
    });
    if (opened.failed > 0) throw new Error(`scenario 6: ${opened.failed} of ${subscribers} graphql-ws sockets failed to open: ${opened.firstError ?? '?'}`);
    await sleep(500); // the last subscriptions reach the subgraph
    await warmUp(worker, target, subscribers, sequence);
    await waitIdle([gatewayPid], IDLE_WAIT_MS);
    const [gatewayAfter, inventoryAfter] = await Promise.all([sampleProcessTree(gatewayPid), sampleProcessTree(inventoryPid)]);

    const message = await worker.call<string | null>({ type: 'captured' });
    if (!message) throw new Error('scenario 6: no graphql-ws next message was captured for the raw baseline');
    await rawServer.call({ type: 'message', text: message });
    const rawOpened = await worker.call<OpenResult>({ type: 'open-raw', url: rawUrl, count: subscribers });
    if (rawOpened.failed > 0) throw new Error(`scenario 6: ${rawOpened.failed} raw sockets failed to open: ${rawOpened.firstError ?? '?'}`);
    context.log(`${subscribers} subscribers: ours opened in ${opened.ms} ms, raw in ${rawOpened.ms} ms`);

    const phases: PhaseRow[] = [];
    const runPhase = async (round: number, side: Side, load: Load) => {
      const plan: PhasePlan = {
        subscribers,
        load,
        count: load === 'steady' ? size.steadyMovements : size.burstMovements,
        intervalMs: STEADY_INTERVAL_MS,
        burstInFlight: BURST_IN_FLIGHT,
        drainMs: load === 'steady' ? size.steadyDrainMs : size.burstDrainMs,
      };
      // Only the replica: its sole work is this fan-out, while inventory has background passes.
      const startedIdle = await waitIdle([gatewayPid], IDLE_WAIT_MS);
      const outcome = side === 'ours' ? await oursPhase(worker, target, plan, sequence) : await rawPhase(worker, rawServer, plan);
      if (outcome.stats.duplicates > 0)
        throw new Error(`scenario 6: ${outcome.stats.duplicates} repeated deliveries (${subscribers} ${side} ${load}); availability is delivered exactly once`);
      phases.push({ subscribers, round, side, load, startedIdle, ...outcome });
      const { stats } = outcome;
      context.log(
        `${subscribers} ${side} ${load} r${round}: p50 ${stats.p50Ms} p99 ${stats.p99Ms} ms, spread ${stats.spreadMedianMs} ms, ${stats.delivered}/${stats.expected}${stats.errors ? `, ${stats.errors} errors` : ''}`,
      );
    };
    for (let round = 1; round <= size.rounds; round++) {
      for (const side of round % 2 === 1 ? (['ours', 'raw'] as const) : (['raw', 'ours'] as const)) await runPhase(round, side, 'steady');
    }
    // Bursts once per count, ours last: a backlog it leaves when the deadline passes dies with the replica.
    await runPhase(0, 'raw', 'burst');
    await runPhase(0, 'ours', 'burst');
    const [gatewayEnd, inventoryEnd] = await Promise.all([sampleProcessTree(gatewayPid), sampleProcessTree(inventoryPid)]);
    const oursDeliveries = phases.filter((row) => row.side === 'ours').reduce((sum, row) => sum + row.stats.delivered, 0);
    return {
      phases,
      memory: { subscribers, connectMs: opened.ms, gatewayBefore, gatewayAfter, gatewayEnd, inventoryBefore, inventoryAfter, inventoryEnd, oursDeliveries },
    };
  } finally {
    await worker.call({ type: 'close', which: 'ours' }).catch(() => undefined);
    await worker.call({ type: 'close', which: 'raw' }).catch(() => undefined);
    await rawServer.call({ type: 'close-clients' }).catch(() => undefined);
    await replica.stop();
  }
}

/**
 * At the largest subscriber count, once per round for each build (today's gateway, and the
 * baseline's when given), alternating which goes first, each on a fresh replica: the distinct-SKU
 * phase, and with a baseline also the one-SKU burst (the fan-out before and after).
 */
async function measureBuilds(
  context: BenchContext,
  worker: Worker,
  target: MovementTarget,
  builds: readonly GatewayBuild[],
  sequence: () => number,
): Promise<BuildRow[]> {
  const size = sizeOf(context.size);
  const subscribers = size.subscribers[size.subscribers.length - 1]!;
  const variants = retailDataset()
    .variants.map((variant) => variant.sku)
    .filter((sku) => sku !== target.sku);
  const common = { subscribers, inFlight: BURST_IN_FLIGHT, drainMs: size.steadyDrainMs, idleWaitMs: IDLE_WAIT_MS };
  const plans: BuildPlan[] = [
    {
      ...common,
      shape: 'distinct SKUs',
      skus: variants.slice(-Math.min(subscribers, variants.length)),
      movements: size.distinctMovements,
      perSecond: DISTINCT_PER_SECOND,
    },
    ...(builds.length > 1
      ? [
          {
            ...common,
            shape: 'one SKU, burst',
            skus: [target.sku],
            movements: size.burstMovements,
            perSecond: Number.POSITIVE_INFINITY,
            drainMs: size.burstDrainMs,
          } as const,
        ]
      : []),
  ];
  const token = await context.bearerFor(principals.associate);
  const rows: BuildRow[] = [];
  for (let r = 1; r <= size.rounds; r++) {
    for (const plan of plans) {
      for (const build of r % 2 === 1 ? builds : [...builds].reverse()) {
        const replica = await startFanOutGateway(context, build);
        try {
          const pid = await childPidWithEnv('GATEWAY_PORT', portOf(replica.url));
          const outcome = await buildPhase(worker, { url: replica.url, pid }, token, WATCH, target, plan, sequence);
          rows.push({ build: build.label, shape: plan.shape, round: r, subscribers, skus: plan.skus.length, ...outcome });
          const { stats } = outcome;
          context.log(
            `${plan.shape}, ${subscribers} on ${plan.skus.length} SKU(s), ${build.label} r${r}: p50 ${stats.p50Ms} p99 ${stats.p99Ms} ms, ${stats.delivered}/${stats.expected}, gateway ${round(outcome.cpuMsPerThousand)} CPU ms/1k`,
          );
        } finally {
          await replica.stop();
        }
      }
    }
  }
  return rows;
}

async function run(context: BenchContext): Promise<ScenarioResult> {
  const variant = retailDataset().variants.at(-1);
  if (!variant) throw new Error('scenario 6: the catalogue has no variants');
  const target: MovementTarget = {
    gatewayUrl: context.mesh.gatewayUrl,
    token: await context.bearerFor(principals.admin),
    sku: variant.sku,
    locationId: STORE,
    run: `bench-s6-${Date.now().toString(36)}`,
  };
  let next = 0;
  const sequence = () => next++;
  const baselineDir = context.baselineRef ? await mkdtemp(join(tmpdir(), 'bench-s6-gateway-')) : undefined;
  const worker = startSubscriberWorker();
  const rawServer = startRawServer();
  try {
    const builds: GatewayBuild[] = [{ label: 'today' }];
    if (context.baselineRef && baselineDir) {
      context.log(`building the gateway at ${context.baselineRef} in ${baselineDir}`);
      builds.push({ label: context.baselineRef, entry: await buildGatewayAt(REPO_ROOT, context.baselineRef, baselineDir) });
    }
    const rawUrl = await rawServer.call<string>({ type: 'listen' });
    const phases: PhaseRow[] = [];
    const memory: MemoryRow[] = [];
    for (const subscribers of sizeOf(context.size).subscribers) {
      const measured = await measureCount(context, { worker, rawServer, rawUrl, target, sequence }, subscribers);
      phases.push(...measured.phases);
      memory.push(measured.memory);
    }
    return buildResult(context, phases, memory, await measureBuilds(context, worker, target, builds, sequence));
  } finally {
    await Promise.all([worker.stop(), rawServer.stop()]);
    if (baselineDir) await rm(baselineDir, { recursive: true, force: true });
  }
}

export const subscriptionFanOut: Scenario = { id: '6', title: 'Subscription fan-out', run };
