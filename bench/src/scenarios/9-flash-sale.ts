/**
 * Scenario 9, flash sale: the intake issue's burst. Every order of the sale is sent at once (distinct
 * keys plus resends of keys already used), single-unit on one SKU with far fewer units than orders.
 * Every call must be answered within 3 s (PENDING allowed), every order be final within 10 s,
 * exactly the units given be confirmed, and each key name one order. The database work per order
 * (commands, documents examined) is counted by the services and the embedded server themselves.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { principals } from '@mesh/test-kit';
import { BenchClient } from '../lib/bench-client.js';
import { describeCalls, describeCollections, embeddedStatsClient, runBurst, topCollections, untilQuiet, type BurstOutcome } from '../lib/flash-sale.js';
import { cpuSecondsByRole } from '../lib/process-stats.js';
import { describeLayers } from '../lib/call-layers.js';
import { benchCustomers, catalogSkus, runKey, type OrderRequest } from '../lib/orders.js';
import type { BenchContext, Scenario, ScenarioResult } from '../lib/scenario.js';
import { round } from '../lib/stats.js';
import { readLevels, setAvailable } from '../lib/stock.js';

const LOCATION = 'loc_wh_nj';
const SIZES = {
  tiny: { units: 10, distinct: 60, resends: 12, restSeconds: 3 },
  full: { units: 100, distinct: 1000, resends: 200, restSeconds: 30 },
} as const;

/** CPU of the whole mesh (every process this runner started, not the runner) while nothing is asked of it, in % of one core, in all and per process kind. */
async function cpuAtRest(context: BenchContext, seconds: number): Promise<{ total: number; byRole: Record<string, number> }> {
  await untilQuiet(context.mesh);
  const before = await cpuSecondsByRole(process.pid);
  await sleep(seconds * 1000);
  const after = await cpuSecondsByRole(process.pid);
  const byRole = Object.fromEntries(
    Object.entries(after)
      .filter(([role]) => role !== 'bench runner')
      .map(([role, cpu]) => [role, ((cpu - (before[role] ?? 0)) / seconds) * 100]),
  );
  return { total: Object.values(byRole).reduce((sum, share) => sum + share, 0), byRole };
}

/** CPU seconds per process kind, largest first. */
const describeCpu = (byRole: Readonly<Record<string, number>>) =>
  Object.entries(byRole)
    .sort(([, a], [, b]) => b - a)
    .map(([role, seconds]) => `${role} ${round(seconds)}`)
    .join(', ');

/**
 * When the sale's orders got their first answer and their decision, from the first send: a long
 * tail of decisions after the last answer means the orders waited in the mesh; decisions that keep
 * pace with answers mean the callers (their retry hints) set the pace.
 */
function describeTimeline(outcome: BurstOutcome): string {
  const started = Math.max(...outcome.decided.map((order) => order.decidedAt)) - outcome.allFinalMs;
  const quantiles = (values: number[]) => {
    const sorted = values.sort((a, b) => a - b);
    return [0.25, 0.5, 0.9, 1].map((share) => round(sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)]! / 1000)).join(' / ');
  };
  const answered = quantiles(outcome.decided.map((order) => order.sentAt + order.latencyMs - started));
  const accepted = quantiles(outcome.decided.map((order) => order.placedAt - started));
  const decided = quantiles(outcome.decided.map((order) => order.decidedAt - started));
  const waited = quantiles(outcome.decided.map((order) => order.decidedAt - order.placedAt));
  return (
    `orders accepted (stored PLACED, server clock) at 25% / 50% / 90% / all: ${accepted}; ` +
    `answered (placed or decided) at 25% / 50% / 90% / all: ${answered}; decided at 25% / 50% / 90% / all: ${decided}; ` +
    `accepted -> decided, 25% / 50% / 90% / max: ${waited}`
  );
}

/**
 * Where the slowest orders spent the time between being stored and being decided: each domain's
 * trace steps (events published, reservation, status changes) as seconds after the order was stored.
 */
async function describeSlowest(client: BenchClient, outcome: BurstOutcome, count = 3): Promise<string> {
  const slowest = [...outcome.decided].sort((a, b) => b.decidedAt - b.placedAt - (a.decidedAt - a.placedAt)).slice(0, count);
  const lines: string[] = [];
  for (const order of slowest) {
    const data = await client.request<{ trace: { steps: { at: string; domain: string; kind: string }[] } }>(
      'slow order trace',
      'query SlowOrder($id: String!) { trace(correlationId: $id) { steps { at domain kind } } }',
      { id: order.correlationId },
    );
    const steps = data.trace.steps.map((step) => `${step.domain.toLowerCase()} ${step.kind} +${round((Date.parse(step.at) - order.placedAt) / 1000)}`);
    lines.push(`${order.id} (${order.status}, ${round((order.decidedAt - order.placedAt) / 1000)} s): ${steps.join('; ')}`);
  }
  return lines.join(' | ');
}

/** The burst: `distinct` keys, then `resends` of the first keys again, shuffled so resends race their originals. */
export function flashSaleRequests(label: string, sku: string, distinct: number, resends: number): OrderRequest[] {
  const key = runKey(label);
  const customers = benchCustomers();
  const originals = Array.from({ length: distinct }, (_, index): OrderRequest => ({
    idempotencyKey: `${key}-${index}`,
    sku,
    locationId: LOCATION,
    currency: 'USD',
    customerId: customers[index % customers.length]!,
  }));
  const all = [...originals, ...originals.slice(0, resends)];
  for (let index = all.length - 1; index > 0; index--) {
    const other = Math.floor(Math.random() * (index + 1));
    [all[index], all[other]] = [all[other]!, all[index]!];
  }
  return all;
}

/** Checks the sale's invariants (throws when broken) and answers its figures as a table row. */
export function checkedRow(label: string, outcome: BurstOutcome, units: number, distinct: number): (string | number)[] {
  const confirmed = outcome.decided.filter((order) => order.status === 'CONFIRMED');
  const confirmedIds = new Set(confirmed.map((order) => order.id));
  if (confirmedIds.size !== units) throw new Error(`${label}: ${confirmedIds.size} orders confirmed, ${units} units given`);
  const split = [...outcome.idsPerKey].filter(([, ids]) => ids !== 1);
  if (split.length > 0) throw new Error(`${label}: ${split.length} idempotency key(s) answered with more than one order`);
  if (outcome.idsPerKey.size !== distinct) throw new Error(`${label}: ${outcome.idsPerKey.size} keys answered, ${distinct} sent`);
  const calls = describeCalls(outcome.calls);
  const failures = Object.entries(calls.byOutcome).filter(([code]) => !['PLACED', 'PENDING', 'CONFIRMED', 'REJECTED', 'INTAKE_SATURATED'].includes(code));
  const work = outcome.counters;
  return [
    label,
    outcome.calls.length,
    Object.entries(calls.byOutcome)
      .map(([code, count]) => `${code} ${count}`)
      .join(', '),
    failures.reduce((sum, [, count]) => sum + count, 0),
    round(calls.p50),
    round(calls.p99),
    round(calls.max),
    `${calls.within3s}/${outcome.calls.length}`,
    round(outcome.allFinalMs / 1000),
    confirmedIds.size,
    round(distinct / (outcome.allFinalMs / 1000)),
    round(work.commands / distinct),
    round(work.docsExamined / distinct),
    round(work.scans / distinct),
  ];
}

export const FLASH_SALE_COLUMNS = [
  'run',
  'HTTP calls',
  'answers',
  'failed calls (time-outs, 5xx)',
  'call p50 ms',
  'call p99 ms',
  'call max ms',
  'calls answered within 3 s',
  'all final after s',
  'confirmed',
  'orders decided per s',
  'database commands per order',
  'documents examined per order',
  'collection scans per order',
];

export const flashSale: Scenario = {
  id: '9',
  title: 'Flash sale: 1,000 orders and 200 resends at once on one SKU with 100 units',
  async run(context: BenchContext): Promise<ScenarioResult> {
    const size = SIZES[context.size];
    const token = await context.bearerFor(principals.admin);
    const client = new BenchClient(context.mesh.gatewayUrl, token);
    const sku = catalogSkus().at(-1)!;
    const given = await setAvailable(client, [sku], LOCATION, size.units, runKey('s9-stock'));
    if (given.get(sku)!.available !== size.units) throw new Error(`scenario 9: ${sku} does not hold the ${size.units} units given`);
    const restingCpu = await cpuAtRest(context, size.restSeconds);
    const mongo = await embeddedStatsClient(context.mesh);
    try {
      const outcome = await runBurst(context.mesh, client, token, flashSaleRequests('s9', sku, size.distinct, size.resends), mongo);
      const row = checkedRow('flash sale', outcome, size.units, size.distinct);
      const after = (await readLevels(client, [sku], LOCATION)).get(sku)!;
      if (after.available !== 0 || after.reserved - given.get(sku)!.reserved !== size.units)
        throw new Error(`scenario 9: after the sale ${sku} has ${after.available} available and ${after.reserved} reserved`);
      context.log(`flash sale: ${row.join(' | ')}`);
      const slowest = await describeSlowest(client, outcome);
      context.log(`slowest: ${slowest}`);
      return {
        id: '9',
        title: flashSale.title,
        method:
          `${size.distinct} single-unit WEB orders with distinct idempotency keys plus ${size.resends} resends of the same keys (shuffled in among them), all sent at once through the gateway, ` +
          `on ${sku} at ${LOCATION} after a cycle count to ${size.units} available. A call refused with INTAKE_SATURATED is sent again after its retryAfterMs; a gateway or client time-out or another retryable failure (SUBGRAPH_UNAVAILABLE) is counted as failed and sent again with the same key. ` +
          'Then the orders are read back until every one is CONFIRMED or REJECTED. "All final" runs from the first send to the last decision (server clock). ' +
          "Database commands are the subgraphs' own counters (mesh_db_commands_total); documents examined and scans are the embedded server's (meshQueryStats), both from the first send until the mesh is quiet again (ledger postings and availability events included), divided by the distinct orders.",
        tables: [
          { title: 'Burst', columns: FLASH_SALE_COLUMNS, rows: [row] },
          {
            title: 'At rest, before the burst',
            columns: ['seconds sampled', 'CPU of the whole mesh, % of one core'],
            rows: [[size.restSeconds, round(restingCpu.total)]],
          },
        ],
        ratios: [],
        notes: [
          `Checked: exactly ${size.units} confirmed, one order per key, ${sku} ends with 0 available and exactly ${size.units} more reserved.`,
          `Documents examined per order by collection (the largest): ${topCollections(outcome.counters, size.distinct)}.`,
          `Queries per order by collection (the largest): ${topCollections(outcome.counters, size.distinct, 8, outcome.counters.queriesByCollection)}.`,
          `Database commands per order by service (the largest): ${topCollections(outcome.counters, size.distinct, 10, outcome.counters.commandsByService)}.`,
          `CPU seconds per process kind during the burst: ${describeCpu(outcome.cpuSecondsByRole)}.`,
          `The database's garbage collections from the first send until quiet (share of the time until all final): ${describeCollections(outcome.counters, outcome.allFinalMs)}.`,
          `At rest, % of one core per process kind: ${describeCpu(restingCpu.byRole)}.`,
          `Timeline from the first send (s): ${describeTimeline(outcome)}.`,
          `Connections dropped for a full accept queue during the calls (kernel ListenOverflows, whole machine): ${outcome.listenOverflows}.`,
          `Call time by layer (each service's own placeOrder operation histogram): ${describeLayers(
            outcome.layers,
            outcome.calls.map((call) => call.latencyMs),
          )}.`,
          `The slowest orders from stored to decided, with their trace steps (s after stored): ${slowest}.`,
        ],
      };
    } finally {
      await mongo?.close();
    }
  },
};
