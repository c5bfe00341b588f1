/**
 * Scenario 1, gateway engine: the retail query mix through our gateway and through each peer
 * gateway (one worker each) over the same running subgraphs, alternating runs, ratios per round.
 */
import { createRequire } from 'node:module';
import { GatewayClient } from '@mesh/mesh-runner';
import { principals } from '@mesh/test-kit';
import type { BenchContext, Scenario, ScenarioResult } from '../lib/scenario.js';
import { PEER_GATEWAYS, PROPAGATED_HEADER, pidListeningOn, writeRoutedSupergraph, type PeerGateway, type RunningPeer } from '../peers/index.js';
import { firstDifference, measureGateway, postGraphql, type GatewayTarget } from '../peers/gateway-run.js';
import { GOVERNED_CLIENT, startOursGoverned } from '../peers/ours-governed.js';
import { startOursTraced } from '../peers/ours-traced.js';
import { startOtlpSink, type OtlpSink } from '../lib/otlp-sink.js';
import { RETAIL_PAGE_SIZES, checkRetailAnswer, discoverRetailFixtures, ensureCustomerOrders, retailMixBodies, type RetailBody } from '../queries.js';
import { report } from './1-gateway-engine/report.js';
import { GOVERNED_ID, SETTINGS, TRACING_RATIOS, tracedId, type Measurement } from './1-gateway-engine/settings.js';

/** bench/src/run.ts starts the mesh (our gateway included) with NODE_ENV=test; Node peers get the same. */
const MESH_NODE_ENV = 'test';
/** More failed requests than this share in a measured run fails the scenario. */
const MAX_ERROR_SHARE = 0.01;
/** Every request is an admin's: it may read any customer's orders, and every gateway masks PII alike. */
const PRINCIPAL = principals.admin;

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
      throw new Error(
        `our gateway answered ${item.operation} for ${item.subject} with HTTP ${expected.status}: ${JSON.stringify(expected.errors ?? []).slice(0, 500)}`,
      );
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
    if (answer.status !== 200 || answer.errors?.length)
      throw new Error(`${target.label} answered ${operation} with errors after a run: ${JSON.stringify(answer.errors ?? answer.status).slice(0, 300)}`);
  }
}

async function run(context: BenchContext): Promise<ScenarioResult> {
  const settings = SETTINGS[context.size];
  const notes: string[] = [];
  const admin = new GatewayClient(context.mesh.gatewayUrl, await context.bearerFor(PRINCIPAL));
  const fixtures = await discoverRetailFixtures(admin, settings.fixtures);
  const placed = await ensureCustomerOrders(admin, fixtures.customerIds, RETAIL_PAGE_SIZES.orders, Date.now().toString(36));
  context.log(
    `fixtures: ${fixtures.productIds.length} products, ${fixtures.customerIds.length} customers (${placed} orders placed for them), ${fixtures.regions.length} regional checks`,
  );
  if (placed > 0)
    notes.push(
      `${placed} orders were placed through our gateway before measuring, so that each customer page has ${RETAIL_PAGE_SIZES.orders} orders (the seeded history gives few per customer).`,
    );
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
      tracedProcesses.push(
        await startOursTraced({
          id: tracedId(samplingRatio),
          workDir: context.workDir,
          supergraphPath,
          nodeEnv: MESH_NODE_ENV,
          otlpEndpoint: sink.endpoint,
          samplingRatio,
        }),
      );
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
        const start = await gateway.start({
          workDir: context.workDir,
          supergraphPath,
          subgraphUrls: context.mesh.subgraphUrls,
          nodeEnv: MESH_NODE_ENV,
          log: context.log,
        });
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
    const mismatches = await compareAnswers(
      ours,
      started.map((entry) => entry.target),
      mix,
    );
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
        context.log(
          `round ${round} ${target.id}: ${Math.round(result.requestsPerSecond)} req/s, p99 ${result.p99Ms} ms, peak RSS ${Math.round(result.peakRssMiB)} MiB`,
        );
        const failed = result.errors + result.non2xx;
        if (failed > MAX_ERROR_SHARE * Math.max(1, result.requests)) {
          throw new Error(
            `${target.label}: ${failed} of ${result.requests} requests failed in round ${round} (errors ${result.errors}, non-2xx ${result.non2xx})`,
          );
        }
        await checkStillAnswers(target, mix);
        measurements.push({ round, target, run: result, ...(otlpBytes === undefined ? {} : { otlpBytes }) });
      }
    }
    for (const [index, sink] of sinks.entries())
      if (sink.counts().exports === 0) throw new Error(`${traced[index]!.label} exported no spans to its OTLP receiver`);
    const exported = sinks
      .map((sink, index) => `${traced[index]!.label}: ${sink.counts().exports} exports, ${Math.round(sink.counts().bytes / 1024)} KiB`)
      .join('; ');
    return report(context, settings, mix, lineup, measurements, failedPeers, notes, exported);
  } finally {
    await Promise.all([governedProcess.stop(), ...tracedProcesses.map((process) => process.stop()), ...started.map((entry) => entry.peer.stop())]);
    await Promise.all(sinks.map((sink) => sink.close()));
  }
}

export const gatewayEngine: Scenario = { id: '1', title: 'Gateway engine', run };
