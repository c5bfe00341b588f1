/**
 * Scenario 1, gateway engine: the retail query mix through our gateway and through each peer
 * gateway (one worker each) over the same running subgraphs, alternating runs, ratios per round.
 */
import { createRequire } from 'node:module';
import { GatewayClient } from '@mesh/mesh-runner';
import { principals } from '@mesh/test-kit';
import { ratio, type BenchContext, type MeasuredRatio, type Scenario, type ScenarioResult } from '../lib/scenario.js';
import { median } from '../lib/stats.js';
import { PEER_GATEWAYS, PROPAGATED_HEADER, pidListeningOn, writeRoutedSupergraph, type PeerGateway, type RunningPeer } from '../peers/index.js';
import { firstDifference, measureGateway, postGraphql, type GatewayRun, type GatewayTarget, type LoadTiming } from '../peers/gateway-run.js';
import { GOVERNED_CLIENT, startOursGoverned } from '../peers/ours-governed.js';
import { startOursTraced } from '../peers/ours-traced.js';
import { startOtlpSink, type OtlpSink } from '../lib/otlp-sink.js';
import { RETAIL_PAGE_SIZES, checkRetailAnswer, discoverRetailFixtures, ensureCustomerOrders, retailMixBodies, type FixtureCounts, type RetailBody } from '../queries.js';

const SETTINGS = {
  full: { rounds: 3, timing: { warmupSeconds: 4, durationSeconds: 12, connections: 32 }, fixtures: { products: 16, customers: 6, regionChecks: 12 } },
  tiny: { rounds: 1, timing: { warmupSeconds: 1, durationSeconds: 2, connections: 32 }, fixtures: { products: 4, customers: 2, regionChecks: 4 } },
} as const satisfies Record<string, { rounds: number; timing: LoadTiming; fixtures: FixtureCounts }>;

/** bench/src/run.ts starts the mesh (our gateway included) with NODE_ENV=test; Node peers get the same. */
const MESH_NODE_ENV = 'test';
/** More failed requests than this share in a measured run fails the scenario. */
const MAX_ERROR_SHARE = 0.01;
/** Every request is an admin's: it may read any customer's orders, and every gateway masks PII alike. */
const PRINCIPAL = principals.admin;

interface Measurement {
  readonly round: number;
  readonly target: GatewayTarget;
  readonly run: GatewayRun;
  /** OTLP bytes the receiver got during the run (traced gateways only). */
  readonly otlpBytes?: number;
}

/** Our gateway traced at these sampling ratios, beside ours with tracing off (the mesh's gateway). */
const TRACING_RATIOS = [0.1, 1] as const;
const tracedId = (samplingRatio: number) => `ours-traced-${Math.round(samplingRatio * 100)}`;

/** Issue 11: our gateway with rate limits and trusted-operation checks on keeps this share of its throughput with them off. */
const GOVERNANCE_TARGET = 0.95;
const GOVERNED_ID = 'ours-governed';

/** Issue targets against the two Hive peers; other peers are reported without one. */
const TARGETS: Readonly<Record<string, { throughput?: number; lowerP99?: boolean; rssAtMost?: number }>> = {
  hive: { throughput: 1.5, lowerP99: true, rssAtMost: 0.5 },
  'hive-rust': { throughput: 1.0 },
};

function ourVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    return `this repo (@apollo/gateway ${(require('@apollo/gateway/package.json') as { version: string }).version})`;
  } catch {
    return 'this repo';
  }
}

async function ourTarget(context: BenchContext): Promise<GatewayTarget> {
  const url = context.mesh.gatewayUrl;
  return {
    id: 'ours',
    label: 'ours',
    url,
    pid: await pidListeningOn(Number(new URL(url).port)),
    version: ourVersion(),
    workers: 'one Node process',
    // Ours verifies the bearer token and signs the subgraph credential itself: work the peers skip.
    headers: async () => ({ authorization: `Bearer ${await context.bearerFor(PRINCIPAL)}` }),
  };
}

const peerTarget = (gateway: PeerGateway, peer: RunningPeer, context: BenchContext): GatewayTarget => ({
  id: gateway.id,
  label: gateway.label,
  url: peer.url,
  pid: peer.pid,
  version: peer.version,
  workers: peer.workers,
  headers: async () => ({ [PROPAGATED_HEADER]: await context.internalCredentialFor(PRINCIPAL) }),
});

/** Every body through ours (no errors, the page sizes) and through each peer (no errors, data equal to ours). */
async function compareAnswers(ours: GatewayTarget, peers: readonly GatewayTarget[], bodies: readonly RetailBody[]): Promise<Map<string, string>> {
  const mismatches = new Map<string, string>();
  const oursHeaders = await ours.headers();
  const peerHeaders = await Promise.all(peers.map((peer) => peer.headers()));
  for (const item of bodies) {
    const expected = await postGraphql(ours.url, oursHeaders, item.body);
    if (expected.status !== 200 || expected.errors?.length) {
      throw new Error(`our gateway answered ${item.operation} for ${item.subject} with HTTP ${expected.status}: ${JSON.stringify(expected.errors ?? []).slice(0, 500)}`);
    }
    checkRetailAnswer(item, expected.data);
    for (const [index, peer] of peers.entries()) {
      if (mismatches.has(peer.id)) continue;
      const answer = await postGraphql(peer.url, peerHeaders[index]!, item.body);
      const difference = answer.errors?.length
        ? `HTTP ${answer.status}, errors ${JSON.stringify(answer.errors).slice(0, 300)}`
        : firstDifference(expected.data, answer.data);
      if (difference) mismatches.set(peer.id, `${item.operation} for ${item.subject}: ${difference}`);
    }
  }
  return mismatches;
}

/** After a run: the same headers still get answers without errors (an expired credential would fail fast and look fast). */
async function checkStillAnswers(target: GatewayTarget, bodies: readonly RetailBody[]): Promise<void> {
  const headers = await target.headers();
  for (const operation of new Set(bodies.map((item) => item.operation))) {
    const item = bodies.find((candidate) => candidate.operation === operation)!;
    const answer = await postGraphql(target.url, headers, item.body);
    if (answer.status !== 200 || answer.errors?.length) throw new Error(`${target.label} answered ${operation} with errors after a run: ${JSON.stringify(answer.errors ?? answer.status).slice(0, 300)}`);
  }
}

function ratiosFor(peer: GatewayTarget, measurements: readonly Measurement[]): MeasuredRatio[] {
  const pairs = measurements
    .filter((entry) => entry.target.id === peer.id)
    .map((entry) => ({ peer: entry.run, ours: measurements.find((other) => other.round === entry.round && other.target.id === 'ours')!.run }));
  const target = TARGETS[peer.id] ?? {};
  const throughput = target.throughput;
  const rssAtMost = target.rssAtMost;
  return [
    ratio(
      `throughput ours / ${peer.id}`,
      pairs.map((pair) => pair.ours.requestsPerSecond / pair.peer.requestsPerSecond),
      throughput === undefined ? undefined : { text: `>= ${throughput}`, met: (value) => value >= throughput },
    ),
    ratio(
      `p99 ${peer.id} / ours`,
      pairs.map((pair) => pair.peer.p99Ms / pair.ours.p99Ms),
      target.lowerP99 ? { text: '> 1 (ours lower)', met: (value) => value > 1 } : undefined,
    ),
    ratio(
      `peak RSS ours / ${peer.id}`,
      pairs.map((pair) => pair.ours.peakRssMiB / pair.peer.peakRssMiB),
      rssAtMost === undefined ? undefined : { text: `<= ${rssAtMost}`, met: (value) => value <= rssAtMost },
    ),
    ratio(`CPU per request ours / ${peer.id}`, pairs.map((pair) => pair.ours.cpuSecondsPer1000 / pair.peer.cpuSecondsPer1000)),
  ];
}

/** Throughput of our gateway with governance on over the same gateway with it off, per round. */
function governanceRatio(measurements: readonly Measurement[]): MeasuredRatio {
  const perRound = measurements
    .filter((entry) => entry.target.id === GOVERNED_ID)
    .map((entry) => entry.run.requestsPerSecond / measurements.find((other) => other.round === entry.round && other.target.id === 'ours')!.run.requestsPerSecond);
  return ratio('throughput ours with rate limits and trusted operations on / off', perRound, { text: `>= ${GOVERNANCE_TARGET}`, met: (value) => value >= GOVERNANCE_TARGET });
}

/** Per round: our gateway traced at each ratio over ours with tracing off (throughput, p99, CPU per request). */
function tracingRatios(measurements: readonly Measurement[]): MeasuredRatio[] {
  return TRACING_RATIOS.flatMap((samplingRatio) => {
    const pairs = measurements
      .filter((entry) => entry.target.id === tracedId(samplingRatio))
      .map((entry) => ({ traced: entry.run, off: measurements.find((other) => other.round === entry.round && other.target.id === 'ours')!.run }));
    const percent = Math.round(samplingRatio * 100);
    return [
      ratio(`throughput ours tracing ${percent} % / tracing off`, pairs.map((pair) => pair.traced.requestsPerSecond / pair.off.requestsPerSecond)),
      ratio(`p99 ours tracing ${percent} % / tracing off`, pairs.map((pair) => pair.traced.p99Ms / pair.off.p99Ms)),
      ratio(`CPU per request ours tracing ${percent} % / tracing off`, pairs.map((pair) => pair.traced.cpuSecondsPer1000 / pair.off.cpuSecondsPer1000)),
    ];
  });
}

/** Tracing off, 10 % and 100 % side by side: medians over the rounds, and what each exported. */
function tracingTable(lineup: readonly GatewayTarget[], measurements: readonly Measurement[]) {
  const rows = lineup
    .filter((target) => target.id === 'ours' || TRACING_RATIOS.some((samplingRatio) => tracedId(samplingRatio) === target.id))
    .map((target) => {
      const runs = measurements.filter((entry) => entry.target.id === target.id);
      const off = measurements.filter((entry) => entry.target.id === 'ours');
      const perRound = runs.map((entry) => entry.run.requestsPerSecond / off.find((other) => other.round === entry.round)!.run.requestsPerSecond);
      const exportedPer1k = runs.filter((entry) => entry.otlpBytes !== undefined).map((entry) => (entry.otlpBytes! / Math.max(1, entry.run.requests)) * 1000 / 1024);
      return [
        target.label,
        median(runs.map((entry) => entry.run.requestsPerSecond)),
        median(perRound),
        median(runs.map((entry) => entry.run.p99Ms)),
        median(runs.map((entry) => entry.run.cpuSecondsPer1000)),
        exportedPer1k.length === 0 ? '-' : median(exportedPer1k),
      ];
    });
  return {
    title: 'Tracing overhead: our gateway with tracing off, 10 % and 100 % sampled (OTLP export to a real receiver)',
    columns: ['gateway', 'median req/s', 'median throughput / tracing off', 'median p99 ms', 'median CPU s / 1k req', 'median OTLP KiB / 1k req'],
    rows,
  };
}

async function run(context: BenchContext): Promise<ScenarioResult> {
  const settings = SETTINGS[context.size];
  const notes: string[] = [];
  const admin = new GatewayClient(context.mesh.gatewayUrl, await context.bearerFor(PRINCIPAL));
  const fixtures = await discoverRetailFixtures(admin, settings.fixtures);
  const placed = await ensureCustomerOrders(admin, fixtures.customerIds, RETAIL_PAGE_SIZES.orders, Date.now().toString(36));
  context.log(`fixtures: ${fixtures.productIds.length} products, ${fixtures.customerIds.length} customers (${placed} orders placed for them), ${fixtures.regions.length} regional checks`);
  if (placed > 0) notes.push(`${placed} orders were placed through our gateway before measuring, so that each customer page has ${RETAIL_PAGE_SIZES.orders} orders (the seeded history gives few per customer).`);
  const mix = retailMixBodies(fixtures);
  const bodies = mix.map((item) => item.body);

  const ours = await ourTarget(context);
  const supergraphPath = await writeRoutedSupergraph(context.workDir, context.mesh.subgraphUrls);
  const started: { gateway: PeerGateway; peer: RunningPeer; target: GatewayTarget }[] = [];
  const failedPeers: { gateway: PeerGateway; why: string }[] = [];
  context.log('starting our gateway again with rate limits and trusted operations on...');
  const governedProcess = await startOursGoverned({ workDir: context.workDir, supergraphPath, nodeEnv: MESH_NODE_ENV, bodies });
  const governed: GatewayTarget = {
    id: GOVERNED_ID,
    label: 'ours, governance on',
    url: governedProcess.url,
    pid: governedProcess.pid,
    version: governedProcess.version,
    workers: governedProcess.workers,
    headers: async () => ({ ...(await ours.headers()), 'apollographql-client-name': GOVERNED_CLIENT }),
  };
  // Every span goes to a real OTLP/HTTP receiver (one per traced gateway), so the export's cost is in the traced runs.
  const sinks: OtlpSink[] = [];
  const tracedProcesses: RunningPeer[] = [];
  try {
    for (const samplingRatio of TRACING_RATIOS) {
      context.log(`starting our gateway again with tracing on, ${Math.round(samplingRatio * 100)} % sampled...`);
      const sink = await startOtlpSink();
      sinks.push(sink);
      tracedProcesses.push(await startOursTraced({ id: tracedId(samplingRatio), workDir: context.workDir, supergraphPath, nodeEnv: MESH_NODE_ENV, otlpEndpoint: sink.endpoint, samplingRatio }));
    }
  } catch (error) {
    await Promise.all([governedProcess.stop(), ...tracedProcesses.map((traced) => traced.stop()), ...sinks.map((sink) => sink.close())]);
    throw error;
  }
  const sinkOf = (target: GatewayTarget): OtlpSink | undefined => sinks[TRACING_RATIOS.findIndex((samplingRatio) => tracedId(samplingRatio) === target.id)];
  const traced: GatewayTarget[] = tracedProcesses.map((process, index) => ({
    id: tracedId(TRACING_RATIOS[index]!),
    label: `ours, tracing ${Math.round(TRACING_RATIOS[index]! * 100)} % sampled`,
    url: process.url,
    pid: process.pid,
    version: process.version,
    workers: process.workers,
    headers: ours.headers,
  }));
  try {
    for (const gateway of PEER_GATEWAYS) {
      context.log(`starting ${gateway.label}...`);
      try {
        const start = await gateway.start({ workDir: context.workDir, supergraphPath, subgraphUrls: context.mesh.subgraphUrls, nodeEnv: MESH_NODE_ENV, log: context.log });
        if (!start.ran) {
          failedPeers.push({ gateway, why: `not run: ${start.reason}` });
          continue;
        }
        started.push({ gateway, peer: start.peer, target: peerTarget(gateway, start.peer, context) });
      } catch (error) {
        if (gateway.required) throw error;
        failedPeers.push({ gateway, why: `could not start: ${error instanceof Error ? error.message.slice(0, 600) : String(error)}` });
      }
    }
    for (const { gateway, peer, target } of started) {
      if (peer.verify) notes.push(`${gateway.label}: ${await peer.verify(await target.headers())}.`);
    }

    const governedMismatch = (await compareAnswers(ours, [governed], mix)).get(GOVERNED_ID);
    if (governedMismatch) throw new Error(`our gateway with governance on answers differently: ${governedMismatch}`);
    for (const [id, difference] of await compareAnswers(ours, traced, mix)) throw new Error(`our gateway ${id} answers differently: ${difference}`);
    const mismatches = await compareAnswers(ours, started.map((entry) => entry.target), mix);
    for (const [id, difference] of mismatches) {
      const entry = started.find((candidate) => candidate.gateway.id === id)!;
      failedPeers.push({ gateway: entry.gateway, why: `FAILED: its data differs from ours, so it was not measured (${difference})` });
    }
    const measured = started.filter((entry) => !mismatches.has(entry.gateway.id)).map((entry) => entry.target);
    context.log(`every body answered identically by ours and ${measured.map((target) => target.id).join(', ') || 'no peer'}`);

    const measurements: Measurement[] = [];
    const lineup = [ours, governed, ...traced, ...measured];
    // One unmeasured run each first: connection pools, JIT and caches of every gateway start warm.
    for (const target of lineup) await measureGateway(target, bodies, { ...settings.timing, warmupSeconds: 0, durationSeconds: settings.timing.warmupSeconds });
    for (let round = 1; round <= settings.rounds; round++) {
      // Round-robin, reversed every other round, so no gateway always runs first or last.
      for (const target of round % 2 === 1 ? lineup : [...lineup].reverse()) {
        const sink = sinkOf(target);
        const exportedBefore = sink?.counts().bytes ?? 0;
        const result = await measureGateway(target, bodies, settings.timing);
        const otlpBytes = sink ? sink.counts().bytes - exportedBefore : undefined;
        context.log(`round ${round} ${target.id}: ${Math.round(result.requestsPerSecond)} req/s, p99 ${result.p99Ms} ms, peak RSS ${Math.round(result.peakRssMiB)} MiB`);
        const failed = result.errors + result.non2xx;
        if (failed > MAX_ERROR_SHARE * Math.max(1, result.requests)) {
          throw new Error(`${target.label}: ${failed} of ${result.requests} requests failed in round ${round} (errors ${result.errors}, non-2xx ${result.non2xx})`);
        }
        await checkStillAnswers(target, mix);
        measurements.push({ round, target, run: result, ...(otlpBytes === undefined ? {} : { otlpBytes }) });
      }
    }
    for (const [index, sink] of sinks.entries()) if (sink.counts().exports === 0) throw new Error(`${traced[index]!.label} exported no spans to its OTLP receiver`);
    const exported = sinks.map((sink, index) => `${traced[index]!.label}: ${sink.counts().exports} exports, ${Math.round(sink.counts().bytes / 1024)} KiB`).join('; ');
    return report(context, settings, mix, lineup, measurements, failedPeers, notes, exported);
  } finally {
    await Promise.all([governedProcess.stop(), ...tracedProcesses.map((process) => process.stop()), ...started.map((entry) => entry.peer.stop())]);
    await Promise.all(sinks.map((sink) => sink.close()));
  }
}

function report(
  context: BenchContext,
  settings: (typeof SETTINGS)[keyof typeof SETTINGS],
  mix: readonly RetailBody[],
  lineup: readonly GatewayTarget[],
  measurements: readonly Measurement[],
  failedPeers: readonly { gateway: PeerGateway; why: string }[],
  notes: string[],
  exported: string,
): ScenarioResult {
  const count = (operation: string) => new Set(mix.filter((item) => item.operation === operation).map((item) => item.subject)).size;
  const medianOf = (target: GatewayTarget, pick: (run: GatewayRun) => number) => median(measurements.filter((entry) => entry.target.id === target.id).map((entry) => pick(entry.run)));
  const { timing } = settings;
  notes.push(
    'Peers forward the x-mesh-principal header the load sends (a credential the subgraphs require and only our gateway can sign, signed by the bench before each run); ours gets a bearer token instead, verifies it and signs the credential itself, work the peers do not do.',
    'Peers route by a copy of our supergraph whose @join__graph URLs point at the running subgraphs; Cosmo cannot read an Apollo supergraph, so wgc composes its execution config from the same subgraph SDLs.',
    `"ours, governance on" is the same build as ours in its own process, with per-client rate limits and cost budgets counted (limits far above the load, so none is refused) and the persisted-operation manifest enforced for the load's client type (every body is a listed operation); ours runs with all of it off.`,
    `"ours, tracing N % sampled" is the same build as ours in its own process, started with the telemetry register and OTEL_TRACES_SAMPLER=parentbased_traceidratio, OTEL_TRACES_SAMPLER_ARG=N/100, exporting OTLP/HTTP protobuf (batched, the SDK defaults) to its own receiver the bench runs on this machine, which reads every export and answers success (${exported}); ours runs with no endpoint, so tracing is off. Only the gateway traces: the subgraphs are the mesh's, untraced, shared by every gateway. Exports leave in batches (every 5 s by default), so the KiB of a run may include the tail of the same gateway's previous run.`,
    'Peak RSS is the highest resident set of the gateway process tree sampled every 250 ms during the measured part; CPU is user+system seconds of that tree during the measured part.',
    ...failedPeers.map((entry) => `${entry.gateway.label}: ${entry.why}`),
  );
  return {
    id: '1',
    title: 'Gateway engine',
    method:
      `The retail mix (product page: product, variants, prices, availability at ${RETAIL_PAGE_SIZES.locations} locations, ${count('ProductPage')} products; ` +
      `customer page: profile and ${RETAIL_PAGE_SIZES.orders} orders with lines and products, ${count('CustomerPage')} customers; ` +
      `stock of ${RETAIL_PAGE_SIZES.skus} SKUs with their names across one region's locations, ${count('RegionAvailability')} SKU sets over the regions), interleaved in rotation, each connection starting at a different point of it (so identical requests are rarely in flight together), ` +
      `POSTed over ${timing.connections} connections through our gateway and each peer (one worker each) over the same subgraphs. ` +
      `Every body was first answered by every gateway without errors and with data equal to ours. ` +
      `After one unmeasured ${timing.warmupSeconds} s run per gateway, ${settings.rounds} round(s), each gateway once per round in round-robin order (reversed every other round): ${timing.warmupSeconds} s warm-up, then ${timing.durationSeconds} s measured. Ratios pair each peer with ours in the same round.`,
    tables: [
      {
        title: 'Gateways',
        columns: ['gateway', 'version', 'workers', 'median req/s', 'median p50 ms', 'median p99 ms', 'median CPU s / 1k req', 'median peak RSS MiB'],
        rows: [
          ...lineup.map((target) => [
            target.label,
            target.version,
            target.workers,
            medianOf(target, (run) => run.requestsPerSecond),
            medianOf(target, (run) => run.p50Ms),
            medianOf(target, (run) => run.p99Ms),
            medianOf(target, (run) => run.cpuSecondsPer1000),
            medianOf(target, (run) => run.peakRssMiB),
          ]),
          ...failedPeers.map((entry) => [entry.gateway.label, '', '', entry.why.split(':')[0] ?? '', '', '', '', '']),
        ],
      },
      tracingTable(lineup, measurements),
      {
        title: 'Every measured run',
        columns: ['round', 'gateway', 'req/s', 'p50 ms', 'p99 ms', 'CPU s / 1k req', 'peak RSS MiB', 'requests', 'errors', 'non-2xx'],
        rows: measurements.map(({ round, target, run }) => [round, target.label, run.requestsPerSecond, run.p50Ms, run.p99Ms, run.cpuSecondsPer1000, run.peakRssMiB, run.requests, run.errors, run.non2xx]),
      },
    ],
    ratios: [governanceRatio(measurements), ...tracingRatios(measurements), ...lineup.filter((target) => target.id !== 'ours' && target.id !== GOVERNED_ID).flatMap((peer) => ratiosFor(peer, measurements))],
    notes: context.size === 'tiny' ? [...notes, 'Tiny size: one short round, a smoke test, not a measurement.'] : notes,
  };
}

export const gatewayEngine: Scenario = { id: '1', title: 'Gateway engine', run };
