import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { principals } from '@mesh/test-kit';
import { retailDataset } from '@mesh/seed-data';
import type { MeshReplica } from '@mesh/mesh-runner';
import { childPidWithEnv, startRawServer, startSubscriberWorker } from '../lib/fan-out-children.js';
import { buildPhase, buildResults, type BuildPlan, type BuildRow } from '../lib/fan-out-builds.js';
import type { MovementTarget } from '../lib/fan-out-movements.js';
import { oursPhase, rawPhase, waitIdle, warmUp, type Load, type PhaseOutcome, type PhasePlan, type RawServer, type Side, type Worker } from '../lib/fan-out-phases.js';
import type { OpenResult } from '../lib/fan-out-protocol.js';
import { buildGatewayAt } from '../lib/gateway-at-commit.js';
import { sampleProcessTree, type ProcessTreeSample } from '../lib/process-stats.js';
import { LOAD_CORE } from '../lib/load.js';
import { ratio, type BenchContext, type MeasuredRatio, type Scenario, type ScenarioResult } from '../lib/scenario.js';
import { median, round } from '../lib/stats.js';

// Why: clienteling screens on a shop floor each hold one graphql-ws socket watching a hot product;
// one stock movement must reach all of them quickly. We measure that end to end (mutation sent ->
// screen received) and compare the gateway's fan-out with the least any WebSocket server can do.

const SIZES = {
  tiny: { subscribers: [50, 200], steadyMovements: 3, burstMovements: 10, rounds: 1, steadyDrainMs: 10_000, burstDrainMs: 10_000, distinctMovements: 60 },
  full: { subscribers: [1000, 5000], steadyMovements: 10, burstMovements: 100, rounds: 3, steadyDrainMs: 10_000, burstDrainMs: 20_000, distinctMovements: 300 },
} as const;
/**
 * The size of a run; for profiling, BENCH_S6_SUBSCRIBERS (one count, e.g. 1000) and BENCH_S6_BURST
 * (movements in the burst) replace the size's own.
 */
function sizeOf(size: BenchContext['size']) {
  const subscribers = Number(process.env['BENCH_S6_SUBSCRIBERS'] ?? 0);
  const burst = Number(process.env['BENCH_S6_BURST'] ?? 0);
  return { ...SIZES[size], ...(subscribers > 0 ? { subscribers: [subscribers] } : {}), ...(burst > 0 ? { burstMovements: burst } : {}) };
}
/** Movements per second over the distinct SKUs (a store network's steady trickle, spread over many products). */
const DISTINCT_PER_SECOND = 20;
const STEADY_INTERVAL_MS = 1000;
/** Burst mutations in flight at once (a few tills and a goods-in scanner at the same time). */
const BURST_IN_FLIGHT = 8;
/** Longest wait for the gateway replica to go quiet (a late backlog written out) before a phase. */
const IDLE_WAIT_MS = 10_000;
/** The hot product: the associate's store and the catalogue's last variant (no other scenario uses it). */
const STORE = principals.associate.storeId;

const WATCH = /* GraphQL */ `
  subscription HotProduct($skus: [ID!]!, $locationIds: [ID!]) {
    availabilityChanged(skus: $skus, locationIds: $locationIds) { cursor kind sku available previousAvailable onHand reserved at }
  }
`;

/** The gateway replica's limits: thousands of sockets from 127.0.0.1 under one associate subject. */
const REPLICA_ENV = {
  WS_MAX_SOCKETS_PER_CLIENT: '10000',
  // Opening thousands of sockets keeps a 2-core machine busy; the default 3 s could end honest ones.
  WS_CONNECTION_INIT_TIMEOUT_MS: '30000',
};

interface PhaseRow extends PhaseOutcome {
  readonly subscribers: number;
  /** 1..rounds for the alternating 1/s rounds; the burst runs once per subscriber count (round 0). */
  readonly round: number;
  readonly side: Side;
  readonly load: Load;
  /** Whether the gateway replica was quiet when the phase started. */
  readonly startedIdle: boolean;
}

interface MemoryRow {
  readonly subscribers: number;
  readonly connectMs: number;
  readonly gatewayBefore: ProcessTreeSample;
  readonly gatewayAfter: ProcessTreeSample;
  readonly gatewayEnd: ProcessTreeSample;
  readonly inventoryBefore: ProcessTreeSample;
  readonly inventoryAfter: ProcessTreeSample;
  readonly inventoryEnd: ProcessTreeSample;
  /** Deliveries of ours over the measured phases (the CPU between After and End went to them). */
  readonly oursDeliveries: number;
}

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
    const opened = await worker.call<OpenResult>({ type: 'open-ours', url: replica.url, token, count: subscribers, query: WATCH, variables: { skus: [target.sku], locationIds: [target.locationId] } });
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
      if (outcome.stats.duplicates > 0) throw new Error(`scenario 6: ${outcome.stats.duplicates} repeated deliveries (${subscribers} ${side} ${load}); availability is delivered exactly once`);
      phases.push({ subscribers, round, side, load, startedIdle, ...outcome });
      const { stats } = outcome;
      context.log(`${subscribers} ${side} ${load} r${round}: p50 ${stats.p50Ms} p99 ${stats.p99Ms} ms, spread ${stats.spreadMedianMs} ms, ${stats.delivered}/${stats.expected}${stats.errors ? `, ${stats.errors} errors` : ''}`);
    };
    for (let round = 1; round <= size.rounds; round++) {
      for (const side of round % 2 === 1 ? (['ours', 'raw'] as const) : (['raw', 'ours'] as const)) await runPhase(round, side, 'steady');
    }
    // Bursts once per count, ours last: a backlog it leaves when the deadline passes dies with the replica.
    await runPhase(0, 'raw', 'burst');
    await runPhase(0, 'ours', 'burst');
    const [gatewayEnd, inventoryEnd] = await Promise.all([sampleProcessTree(gatewayPid), sampleProcessTree(inventoryPid)]);
    const oursDeliveries = phases.filter((row) => row.side === 'ours').reduce((sum, row) => sum + row.stats.delivered, 0);
    return { phases, memory: { subscribers, connectMs: opened.ms, gatewayBefore, gatewayAfter, gatewayEnd, inventoryBefore, inventoryAfter, inventoryEnd, oursDeliveries } };
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
async function measureBuilds(context: BenchContext, worker: Worker, target: MovementTarget, builds: readonly GatewayBuild[], sequence: () => number): Promise<BuildRow[]> {
  const size = sizeOf(context.size);
  const subscribers = size.subscribers[size.subscribers.length - 1]!;
  const variants = retailDataset().variants.map((variant) => variant.sku).filter((sku) => sku !== target.sku);
  const common = { subscribers, inFlight: BURST_IN_FLIGHT, drainMs: size.steadyDrainMs, idleWaitMs: IDLE_WAIT_MS };
  const plans: BuildPlan[] = [
    { ...common, shape: 'distinct SKUs', skus: variants.slice(-Math.min(subscribers, variants.length)), movements: size.distinctMovements, perSecond: DISTINCT_PER_SECOND },
    ...(builds.length > 1 ? [{ ...common, shape: 'one SKU, burst', skus: [target.sku], movements: size.burstMovements, perSecond: Number.POSITIVE_INFINITY, drainMs: size.burstDrainMs } as const] : []),
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
          context.log(`${plan.shape}, ${subscribers} on ${plan.skus.length} SKU(s), ${build.label} r${r}: p50 ${stats.p50Ms} p99 ${stats.p99Ms} ms, ${stats.delivered}/${stats.expected}, gateway ${round(outcome.cpuMsPerThousand)} CPU ms/1k`);
        } finally {
          await replica.stop();
        }
      }
    }
  }
  return rows;
}

const phaseOf = (phases: readonly PhaseRow[], subscribers: number, round: number, side: Side, load: Load) =>
  phases.find((row) => row.subscribers === subscribers && row.round === round && row.side === side && row.load === load)!;
/** A single event's fan-out rate: subscribers over first-to-last receive (1 ms floor: Date.now() resolution). */
const fanOutRate = (row: PhaseRow) => (Number.isFinite(row.stats.spreadMedianMs) ? row.stats.subscribers / Math.max(1, row.stats.spreadMedianMs) : 0);
const missingShare = (row: PhaseRow) => (row.stats.expected - row.stats.delivered) / row.stats.expected;
/**
 * p99 over every expected delivery: when more than 1% never arrived before the phase ended, those
 * took longer than the wait after the last send, which bounds p99 from below.
 */
const p99OfAll = (row: PhaseRow) => (row.stats.delivered === 0 ? row.waitedMs : missingShare(row) > 0.01 ? Math.max(row.stats.p99Ms, row.waitedMs) : row.stats.p99Ms);
/** Table cells: a percentile of no deliveries is shown as '-'. */
const ms = (value: number) => (Number.isFinite(value) ? value : '-');
const cpuPerThousand = (from: ProcessTreeSample, to: ProcessTreeSample, deliveries: number) => round(((to.cpuSeconds - from.cpuSeconds) * 1_000_000) / Math.max(1, deliveries));
const kibPerSubscriber = (beforeMiB: number, afterMiB: number, subscribers: number) => round(((afterMiB - beforeMiB) * 1024) / subscribers);
const describe = (row: PhaseRow) => `${row.subscribers} ${row.side} ${row.load}${row.round > 0 ? ` round ${row.round}` : ''}`;

function buildResult(context: BenchContext, phases: readonly PhaseRow[], memory: readonly MemoryRow[], byBuild: readonly BuildRow[]): ScenarioResult {
  const size = sizeOf(context.size);
  const rounds = Array.from({ length: size.rounds }, (_, index) => index + 1);
  const largest = size.subscribers[size.subscribers.length - 1]!;
  const ratios: MeasuredRatio[] = [];
  for (const subscribers of size.subscribers) {
    ratios.push(
      ratio(
        `graphql-ws / raw ws fan-out rate, ${subscribers} subscribers (one event at 1/s: subscribers / first-to-last receive spread)`,
        rounds.map((r) => round(fanOutRate(phaseOf(phases, subscribers, r, 'ours', 'steady')) / fanOutRate(phaseOf(phases, subscribers, r, 'raw', 'steady')))),
        { text: '>= 0.5', met: (value) => value >= 0.5 },
      ),
      ratio(`graphql-ws / raw ws deliveries per second over the burst, ${subscribers} subscribers (one burst each)`, [
        round(phaseOf(phases, subscribers, 0, 'ours', 'burst').stats.deliveriesPerSecond / phaseOf(phases, subscribers, 0, 'raw', 'burst').stats.deliveriesPerSecond),
      ]),
    );
  }
  ratios.push(
    ratio(
      `p99 delivery in ms (mutation sent -> client received), ${largest} subscribers, 1 movement/s`,
      rounds.map((r) => p99OfAll(phaseOf(phases, largest, r, 'ours', 'steady'))),
      { text: '< 250 ms', met: (value) => value < 250 },
    ),
  );

  const latencyRows = phases.map((row) => [
    row.subscribers,
    row.round > 0 ? row.round : 'once',
    row.side === 'ours' ? 'our gateway (graphql-ws)' : 'raw ws broadcast',
    row.load === 'steady' ? `${row.stats.events} x 1/s` : `burst of ${row.stats.events}`,
    `${row.stats.delivered}/${row.stats.expected}`,
    `${row.stats.skipped}/${row.stats.late}`,
    ms(row.stats.p50Ms),
    ms(row.stats.p99Ms),
    ms(row.stats.maxMs),
    ms(row.stats.spreadMedianMs),
    row.load === 'burst' ? Math.round(row.stats.deliveriesPerSecond) : '-',
    row.sendingMs,
    row.stats.errors,
  ]);
  const memoryRows = memory.map((row) => [
    row.subscribers,
    round(row.gatewayBefore.rssMiB),
    round(row.gatewayAfter.rssMiB),
    kibPerSubscriber(row.gatewayBefore.rssMiB, row.gatewayAfter.rssMiB, row.subscribers),
    round(row.gatewayEnd.peakRssMiB),
    kibPerSubscriber(row.gatewayBefore.peakRssMiB, row.gatewayEnd.peakRssMiB, row.subscribers),
    kibPerSubscriber(row.inventoryBefore.rssMiB, row.inventoryAfter.rssMiB, row.subscribers),
    row.connectMs,
    cpuPerThousand(row.gatewayAfter, row.gatewayEnd, row.oursDeliveries),
    cpuPerThousand(row.inventoryAfter, row.inventoryEnd, row.oursDeliveries),
  ]);

  const builds = buildResults(byBuild, context.baselineRef);
  ratios.push(...builds.ratios);

  const notes: string[] = [];
  const skipped = phases.filter((row) => row.stats.skipped > 0);
  const late = phases.filter((row) => row.stats.late > 0);
  notes.push(
    skipped.length === 0
      ? 'Nothing was coalesced or lost: no subscriber missed an event older than the newest it received (the inventory subgraph coalesces availability only past 10,001 pending updates per subscriber).'
      : `Skipped events (coalesced or lost; availability values are absolute, so a slow reader may get only the newest): ${skipped.map((row) => `${describe(row)}: ${row.stats.skipped}`).join('; ')}.`,
    late.length === 0
      ? 'Every subscriber received every event before its phase ended.'
      : `Not delivered when the phase ended (${size.steadyDrainMs / 1000} s after the last send at 1/s, ${size.burstDrainMs / 1000} s after a burst; counted late, and p99 in the target row is at least that wait when over 1% are late): ${late.map((row) => `${describe(row)}: ${row.stats.late} of ${row.stats.expected}`).join('; ')}.`,
  );
  const errored = phases.filter((row) => row.stats.errors > 0);
  if (errored.length > 0) notes.push(`Subscriber errors (e.g. SLOW_CONSUMER, closed sockets): ${errored.map((row) => `${describe(row)}: ${row.stats.errors}`).join('; ')}.`);
  const unmatched = phases.filter((row) => row.stats.unmatched > 0);
  if (unmatched.length > 0) notes.push(`Deliveries of events not sent in that phase (late ones of an earlier phase): ${unmatched.map((row) => `${describe(row)}: ${row.stats.unmatched}`).join('; ')}.`);
  const busy = phases.filter((row) => !row.startedIdle);
  if (busy.length > 0) notes.push(`The gateway replica was still busy (> 0.15 core for ${IDLE_WAIT_MS / 1000} s, writing out a late backlog) when these phases started: ${busy.map(describe).join('; ')}.`);
  notes.push(
    `Latency of ours is the whole pipeline: the mutation over HTTP through the mesh's main gateway, the inventory write, its outbox relay (poked by the write), NATS, the inventory subgraph's subscription, the replica's plan execution per subscriber, and the client socket. Median 1/s p50 at ${largest}: ${median(rounds.map((r) => phaseOf(phases, largest, r, 'ours', 'steady').stats.p50Ms))} ms.`,
    'Identical client subscriptions (same document, variables and caller) share one group in the gateway: one upstream subscription on the inventory subgraph, one run of the rest of the plan and one serialisation per event, the same bytes written to every socket after its own graphql-ws message header. The raw baseline writes one pre-encoded buffer N times. CPU per 1,000 deliveries counts everything those processes did during the measured phases.',
    `Gateway builds side by side (last table): at ${size.subscribers[size.subscribers.length - 1]} subscribers, each on its own SKU as far as the catalogue's ${retailDataset().variants.length - 1} other variants reach (subscriber i on SKU i mod K), ${size.distinctMovements} RECEIPT movements over those SKUs in turn at ${DISTINCT_PER_SECOND}/s (${BURST_IN_FLIGHT} in flight at most); a delivery is matched by its SKU and on-hand. ` +
      `Gateway CPU is the replica's from the first measured send until every delivery arrived (with few deliveries per movement it includes the replica's background work). ` +
      (context.baselineRef
        ? `Each phase runs once per round on today's gateway and on the gateway built at ${context.baselineRef} (compiled in a temporary folder with this checkout's installed dependencies, serving today's supergraph), alternating which goes first, each on a fresh replica; with a baseline the one-SKU burst runs the same way.`
        : 'Only today\'s gateway ran (no --baseline-ref).'),
    `The gateway replica runs with ${Object.entries(REPLICA_ENV).map(([name, value]) => `${name}=${value}`).join(', ')} (one subscription per socket, so WS_MAX_SUBSCRIPTIONS_PER_SOCKET stays 25); its open-files limit is the runner's (Node raises the soft limit to the hard one). The subscriber process holds 2N sockets.`,
  );

  return {
    id: '6',
    title: 'Subscription fan-out',
    method:
      `N graphql-ws sockets (N = ${size.subscribers.join(' and ')}), one per subscriber as shop-floor devices hold them, signed in as one associate, all on availabilityChanged for one SKU at one store, on a fresh gateway replica with raised socket limits; the subscribers run in one process pinned to core ${LOAD_CORE} (taskset). ` +
      `Load: ${size.steadyMovements} RECEIPT movements of one unit at 1/s per round, and once per N a burst of ${size.burstMovements} (${BURST_IN_FLIGHT} mutations in flight), sent by the runner through the main gateway as an admin; each delivery is matched to its movement by the on-hand it reports. Latency = client receive - mutation send (Date.now() on one machine). ` +
      `Baseline: a plain ws server in its own process (not pinned) broadcasting the exact bytes of a graphql-ws next message our gateway sent, to N plain ws clients in the same pinned process (which JSON-parse each message as graphql-ws does), on the same schedule; its latency is trigger -> receive. ` +
      `Since the gateway's receipt of an event cannot be seen from outside, the comparison is the fan-out itself: for each event at 1/s, the spread from the first subscriber receiving it to the last; fan-out rate = N / spread; ratio = ours / raw (target >= 0.5), ${size.rounds} round(s) alternating which side goes first, each phase starting when the gateway replica is idle. ` +
      `Deliveries per second over the burst (first to last receive) are shown too (ours is also paced by the mutations and the relay). RSS per subscriber = (the replica's RSS after connecting and warming up - before) / N.`,
    tables: [
      {
        title: 'Delivery per phase (ms; ours: mutation sent -> client received, raw: trigger -> client received; skipped/late: deliveries coalesced / not arrived by the end)',
        columns: ['subscribers', 'round', 'system', 'load', 'delivered/expected', 'skipped/late', 'p50', 'p99', 'max', 'spread median', 'deliveries/s', 'sending took', 'errors'],
        rows: latencyRows,
      },
      {
        title: 'Memory and CPU (MiB; KiB per subscriber; CPU ms per 1,000 deliveries of ours over the measured phases)',
        columns: ['subscribers', 'replica RSS before', 'RSS after connecting', 'KiB/subscriber (RSS)', 'peak RSS at end', 'KiB/subscriber (peak)', 'inventory KiB/subscriber', 'connect all (ms)', 'gateway CPU ms/1k', 'inventory CPU ms/1k'],
        rows: memoryRows,
      },
      builds.table,
    ],
    ratios,
    notes,
  };
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
