/** Scenario 1's result: the method, the tables and the notes around the measured runs. */
import type { BenchContext, ScenarioResult } from '../../lib/scenario.js';
import { median } from '../../lib/stats.js';
import type { PeerGateway } from '../../peers/index.js';
import type { GatewayRun, GatewayTarget } from '../../peers/gateway-run.js';
import { RETAIL_PAGE_SIZES, type RetailBody } from '../../queries.js';
import { governanceRatio, ratiosFor, tracingRatios } from './ratios.js';
import { GOVERNED_ID, TRACING_RATIOS, tracedId, type Measurement, type Settings } from './settings.js';

/** Tracing off, 10 % and 100 % side by side: medians over the rounds, and what each exported. */
function tracingTable(lineup: readonly GatewayTarget[], measurements: readonly Measurement[]) {
  const rows = lineup
    .filter((target) => target.id === 'ours' || TRACING_RATIOS.some((samplingRatio) => tracedId(samplingRatio) === target.id))
    .map((target) => {
      const runs = measurements.filter((entry) => entry.target.id === target.id);
      const off = measurements.filter((entry) => entry.target.id === 'ours');
      const perRound = runs.map((entry) => entry.run.requestsPerSecond / off.find((other) => other.round === entry.round)!.run.requestsPerSecond);
      const exportedPer1k = runs
        .filter((entry) => entry.otlpBytes !== undefined)
        .map((entry) => ((entry.otlpBytes! / Math.max(1, entry.run.requests)) * 1000) / 1024);
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

export function report(
  context: BenchContext,
  settings: Settings,
  mix: readonly RetailBody[],
  lineup: readonly GatewayTarget[],
  measurements: readonly Measurement[],
  failedPeers: readonly { gateway: PeerGateway; why: string }[],
  notes: string[],
  exported: string,
): ScenarioResult {
  const count = (operation: string) => new Set(mix.filter((item) => item.operation === operation).map((item) => item.subject)).size;
  const medianOf = (target: GatewayTarget, pick: (run: GatewayRun) => number) =>
    median(measurements.filter((entry) => entry.target.id === target.id).map((entry) => pick(entry.run)));
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
        rows: measurements.map(({ round, target, run }) => [
          round,
          target.label,
          run.requestsPerSecond,
          run.p50Ms,
          run.p99Ms,
          run.cpuSecondsPer1000,
          run.peakRssMiB,
          run.requests,
          run.errors,
          run.non2xx,
        ]),
      },
    ],
    ratios: [
      governanceRatio(measurements),
      ...tracingRatios(measurements),
      ...lineup.filter((target) => target.id !== 'ours' && target.id !== GOVERNED_ID).flatMap((peer) => ratiosFor(peer, measurements)),
    ],
    notes: context.size === 'tiny' ? [...notes, 'Tiny size: one short round, a smoke test, not a measurement.'] : notes,
  };
}
