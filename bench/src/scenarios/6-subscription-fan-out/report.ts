/** Scenario 6's result: the ratios, the latency and memory tables and the notes over every phase. */
import { retailDataset } from '@mesh/seed-data';
import { buildResults, type BuildRow } from '../../lib/fan-out-builds.js';
import type { Load, Side } from '../../lib/fan-out-phases.js';
import type { ProcessTreeSample } from '../../lib/process-stats.js';
import { LOAD_CORE } from '../../lib/load.js';
import { ratio, type BenchContext, type MeasuredRatio, type ScenarioResult } from '../../lib/scenario.js';
import { median, round } from '../../lib/stats.js';
import { BURST_IN_FLIGHT, DISTINCT_PER_SECOND, IDLE_WAIT_MS, REPLICA_ENV, sizeOf, type MemoryRow, type PhaseRow } from './settings.js';

const phaseOf = (phases: readonly PhaseRow[], subscribers: number, round: number, side: Side, load: Load) =>
  phases.find((row) => row.subscribers === subscribers && row.round === round && row.side === side && row.load === load)!;
/** A single event's fan-out rate: subscribers over first-to-last receive (1 ms floor: Date.now() resolution). */
const fanOutRate = (row: PhaseRow) => (Number.isFinite(row.stats.spreadMedianMs) ? row.stats.subscribers / Math.max(1, row.stats.spreadMedianMs) : 0);
const missingShare = (row: PhaseRow) => (row.stats.expected - row.stats.delivered) / row.stats.expected;
/**
 * p99 over every expected delivery: when more than 1% never arrived before the phase ended, those
 * took longer than the wait after the last send, which bounds p99 from below.
 */
const p99OfAll = (row: PhaseRow) =>
  row.stats.delivered === 0 ? row.waitedMs : missingShare(row) > 0.01 ? Math.max(row.stats.p99Ms, row.waitedMs) : row.stats.p99Ms;
/** Table cells: a percentile of no deliveries is shown as '-'. */
const ms = (value: number) => (Number.isFinite(value) ? value : '-');
const cpuPerThousand = (from: ProcessTreeSample, to: ProcessTreeSample, deliveries: number) =>
  round(((to.cpuSeconds - from.cpuSeconds) * 1_000_000) / Math.max(1, deliveries));
const kibPerSubscriber = (beforeMiB: number, afterMiB: number, subscribers: number) => round(((afterMiB - beforeMiB) * 1024) / subscribers);
const describe = (row: PhaseRow) => `${row.subscribers} ${row.side} ${row.load}${row.round > 0 ? ` round ${row.round}` : ''}`;

export function buildResult(context: BenchContext, phases: readonly PhaseRow[], memory: readonly MemoryRow[], byBuild: readonly BuildRow[]): ScenarioResult {
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
        round(
          phaseOf(phases, subscribers, 0, 'ours', 'burst').stats.deliveriesPerSecond /
            phaseOf(phases, subscribers, 0, 'raw', 'burst').stats.deliveriesPerSecond,
        ),
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
  if (errored.length > 0)
    notes.push(`Subscriber errors (e.g. SLOW_CONSUMER, closed sockets): ${errored.map((row) => `${describe(row)}: ${row.stats.errors}`).join('; ')}.`);
  const unmatched = phases.filter((row) => row.stats.unmatched > 0);
  if (unmatched.length > 0)
    notes.push(
      `Deliveries of events not sent in that phase (late ones of an earlier phase): ${unmatched.map((row) => `${describe(row)}: ${row.stats.unmatched}`).join('; ')}.`,
    );
  const busy = phases.filter((row) => !row.startedIdle);
  if (busy.length > 0)
    notes.push(
      `The gateway replica was still busy (> 0.15 core for ${IDLE_WAIT_MS / 1000} s, writing out a late backlog) when these phases started: ${busy.map(describe).join('; ')}.`,
    );
  notes.push(
    `Latency of ours is the whole pipeline: the mutation over HTTP through the mesh's main gateway, the inventory write, its outbox relay (poked by the write), NATS, the inventory subgraph's subscription, the replica's plan execution per subscriber, and the client socket. Median 1/s p50 at ${largest}: ${median(rounds.map((r) => phaseOf(phases, largest, r, 'ours', 'steady').stats.p50Ms))} ms.`,
    'Identical client subscriptions (same document, variables and caller) share one group in the gateway: one upstream subscription on the inventory subgraph, one run of the rest of the plan and one serialisation per event, the same bytes written to every socket after its own graphql-ws message header. The raw baseline writes one pre-encoded buffer N times. CPU per 1,000 deliveries counts everything those processes did during the measured phases.',
    `Gateway builds side by side (last table): at ${size.subscribers[size.subscribers.length - 1]} subscribers, each on its own SKU as far as the catalogue's ${retailDataset().variants.length - 1} other variants reach (subscriber i on SKU i mod K), ${size.distinctMovements} RECEIPT movements over those SKUs in turn at ${DISTINCT_PER_SECOND}/s (${BURST_IN_FLIGHT} in flight at most); a delivery is matched by its SKU and on-hand. ` +
      `Gateway CPU is the replica's from the first measured send until every delivery arrived (with few deliveries per movement it includes the replica's background work). ` +
      (context.baselineRef
        ? `Each phase runs once per round on today's gateway and on the gateway built at ${context.baselineRef} (compiled in a temporary folder with this checkout's installed dependencies, serving today's supergraph), alternating which goes first, each on a fresh replica; with a baseline the one-SKU burst runs the same way.`
        : "Only today's gateway ran (no --baseline-ref)."),
    `The gateway replica runs with ${Object.entries(REPLICA_ENV)
      .map(([name, value]) => `${name}=${value}`)
      .join(
        ', ',
      )} (one subscription per socket, so WS_MAX_SUBSCRIPTIONS_PER_SOCKET stays 25); its open-files limit is the runner's (Node raises the soft limit to the hard one). The subscriber process holds 2N sockets.`,
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
        title:
          'Delivery per phase (ms; ours: mutation sent -> client received, raw: trigger -> client received; skipped/late: deliveries coalesced / not arrived by the end)',
        columns: [
          'subscribers',
          'round',
          'system',
          'load',
          'delivered/expected',
          'skipped/late',
          'p50',
          'p99',
          'max',
          'spread median',
          'deliveries/s',
          'sending took',
          'errors',
        ],
        rows: latencyRows,
      },
      {
        title: 'Memory and CPU (MiB; KiB per subscriber; CPU ms per 1,000 deliveries of ours over the measured phases)',
        columns: [
          'subscribers',
          'replica RSS before',
          'RSS after connecting',
          'KiB/subscriber (RSS)',
          'peak RSS at end',
          'KiB/subscriber (peak)',
          'inventory KiB/subscriber',
          'connect all (ms)',
          'gateway CPU ms/1k',
          'inventory CPU ms/1k',
        ],
        rows: memoryRows,
      },
      builds.table,
    ],
    ratios,
    notes,
  };
}
