/**
 * Scenario 10, history growth: the same order load at two sizes of history (3,000 and 50,000
 * orders by default). The history is grown straight in the databases by copying orders the
 * workflows completed, with everything they left in every domain (see lib/history-bulk.ts). Each
 * size gets the same runs: a warm-up, then rounds of single-unit orders spread over distinct SKUs
 * (no contention), placed by a fixed number of clients, until all are decided. Orders decided per
 * second and the database work per order must not grow with the history.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { principals } from '@mesh/test-kit';
import { BenchClient } from '../lib/bench-client.js';
import { describeCollections, embeddedStatsClient, readDatabaseWork, topCollections, untilQuiet, workBetween } from '../lib/flash-sale.js';
import { countOrders, growHistory } from '../lib/history-bulk.js';
import { errorsByCode } from '../lib/service-counters.js';
import { cpuSecondsByRole, untilRoleIdle } from '../lib/process-stats.js';
import { machineSpeedProbeMs } from '../lib/machine-speed.js';
import { benchCustomers, catalogSkus, decisionFigures, oneUnitOfEach, placeClosedLoop, runKey, waitUntilDecided, type OrderRequest } from '../lib/orders.js';
import type { MongoClient } from 'mongodb';
import { ratio, type BenchContext, type Scenario, type ScenarioResult } from '../lib/scenario.js';
import { round } from '../lib/stats.js';
import { setAvailable } from '../lib/stock.js';

const LOCATION = 'loc_wh_nj';
const SIZES = {
  tiny: { histories: [400, 800], orders: 30, concurrency: 10, rounds: 2 },
  full: { histories: [3000, 50_000], orders: 300, concurrency: 25, rounds: 2 },
} as const;

/**
 * Knobs for the controls in bench/results (they belong to the command line that made a result):
 * BENCH_S10_HISTORIES "3000,3000" runs rounds with no growth between them; BENCH_S10_IDLE_MS
 * leaves the mesh idle that long before every size after the first, as a bulk load does;
 * BENCH_S10_REWARM=0 skips the warm-up before every size after the first.
 */
function knobs(size: (typeof SIZES)[keyof typeof SIZES]) {
  const histories = process.env['BENCH_S10_HISTORIES']?.split(',').map(Number) ?? size.histories;
  if (histories.some((history) => !Number.isInteger(history) || history <= 0)) throw new Error('BENCH_S10_HISTORIES: positive whole numbers, comma-separated');
  return { histories, idleMs: Number(process.env['BENCH_S10_IDLE_MS'] ?? 0), rewarm: process.env['BENCH_S10_REWARM'] !== '0' };
}

interface Measured {
  /** Which size of history (its index in the sizes run) and which round at that size. */
  readonly size: number;
  readonly round: number;
  readonly history: number;
  readonly orders: number;
  readonly seconds: number;
  readonly ordersPerSecond: number;
  readonly placeP99: number;
  readonly decisionP99: number;
  readonly docsExamined: number;
  readonly commandsPerOrder: number;
  readonly examinedPerOrder: number;
  readonly scansPerOrder: number;
  readonly top: string;
  readonly note: string;
}

export const historyGrowth: Scenario = {
  id: '10',
  title: 'History growth: the same order load at 3,000 and at 50,000 orders of history',
  async run(context: BenchContext): Promise<ScenarioResult> {
    const size = SIZES[context.size];
    const { histories, idleMs, rewarm } = knobs(size);
    const mongo = await embeddedStatsClient(context.mesh);
    if (!mongo)
      return {
        id: '10',
        title: historyGrowth.title,
        method: 'not run',
        tables: [],
        ratios: [],
        notes: ["the history is grown through the embedded server's databases"],
      };
    const client = new BenchClient(context.mesh.gatewayUrl, await context.bearerFor(principals.admin));
    const customers = benchCustomers();
    // Distinct SKUs per size, each counted to one available unit before every round: no order waits on another's stock.
    const catalog = catalogSkus();
    if (catalog.length < size.orders * histories.length + size.concurrency * 2)
      throw new Error(`scenario 10: the catalog has too few SKUs for ${histories.length} sizes`);
    const warmUpSkus = catalog.slice(size.orders * histories.length, size.orders * histories.length + size.concurrency * 2);
    const rows: Measured[] = [];
    const notes: string[] = [];
    try {
      for (const [index, history] of histories.entries()) {
        const stored = await countOrders(mongo);
        if (stored < history) {
          const started = Date.now();
          const grown = await growHistory(mongo, history - stored);
          // The copies keep the database busy for seconds with no command in flight (its collector;
          // on the file, H2 writing them out: 31 s once), which a count of commands misses.
          const digested = await untilRoleIdle(process.pid, 'database');
          notes.push(
            `${grown.orders} orders (${grown.documents} documents) copied in ${Math.round((Date.now() - started) / 1000)} s to reach ${history}, then ${round(digested.waitedMs / 1000)} s until the database was idle (${round(digested.cpuSeconds)} CPU s)`,
          );
        }
        if (index > 0 && idleMs > 0) await sleep(idleMs);
        // Not measured: a fresh mesh's first orders build indexes, compile and fill caches.
        if (index === 0 || rewarm) await warmUp(client, warmUpSkus, runKey(`s10-warm-up-${index}`), customers, size.concurrency);
        const skus = catalog.slice(index * size.orders, (index + 1) * size.orders);
        for (let round_ = 1; round_ <= size.rounds; round_++) {
          const measured = await measureRound({
            context,
            client,
            mongo,
            skus,
            customers,
            concurrency: size.concurrency,
            key: runKey(`s10-${history}-${round_}`),
            size: index,
            round: round_,
          });
          rows.push(measured);
          notes.push(`at ${measured.history}, round ${round_}: ${measured.note}`);
          context.log(
            `${measured.history} orders of history, round ${round_}: ${round(measured.ordersPerSecond)} orders/s, ${round(measured.examinedPerOrder)} documents examined per order`,
          );
        }
      }
    } finally {
      await mongo.close();
    }
    if (idleMs > 0 || !rewarm)
      notes.push(
        `controls: ${idleMs > 0 ? `the mesh left idle ${idleMs} ms before the rounds of every size after the first; ` : ''}${rewarm ? '' : 'no warm-up before the rounds of every size after the first'}`,
      );
    const [small, large] = [bySize(rows, 0), bySize(rows, histories.length - 1)];
    const roundRatios = Array.from({ length: size.rounds }, (_, index) => large.rounds[index]!.ordersPerSecond / small.rounds[index]!.ordersPerSecond);
    return {
      id: '10',
      title: historyGrowth.title,
      method:
        `At each size, after ${size.concurrency * 2} warm-up orders (not measured, on their own SKUs), ${size.rounds} rounds back to back of ${size.orders} single-unit WEB orders, each on its own SKU (given 1 unit at ${LOCATION}), placed through the gateway by ${size.concurrency} clients (each sends its next order when placeOrder answers), until all are decided. ` +
        "The history is grown before a size's rounds by copying finished web orders with all their documents in every domain (lib/history-bulk.ts), and the database is left to finish the work that leaves it (its collector) first. " +
        `Orders/s: orders / (first send to last decision, server clock); a size's rate is all its rounds' orders over their summed times. The first round after a bulk load runs slower than the next (the collector's marking of the heap the load grew, and the mesh idle during the load; bench/results/intake-15), so a size is measured over ${size.rounds} rounds. ` +
        "Database commands: the subgraphs' own counters; documents examined and scans: the embedded server's (meshQueryStats), from the first send until the mesh is quiet again.",
      tables: [
        {
          title: 'Rounds',
          columns: [
            'orders of history',
            'round',
            'orders decided per s',
            'placeOrder p99 ms',
            'decision p99 ms',
            'database commands per order',
            'documents examined per order',
            'scans per order',
            'documents examined per order, largest collections',
          ],
          rows: rows.map((row) => [
            row.history,
            row.round,
            round(row.ordersPerSecond),
            round(row.placeP99),
            round(row.decisionP99),
            round(row.commandsPerOrder),
            round(row.examinedPerOrder),
            round(row.scansPerOrder),
            row.top,
          ]),
        },
      ],
      ratios: [
        ratio(`orders/s at ${large.history} / at ${small.history} (all ${size.rounds} rounds of each size)`, [large.ordersPerSecond / small.ordersPerSecond], {
          text: '>= 0.9',
          met: (median) => median >= 0.9,
        }),
        ratio(`orders/s at ${large.history} / at ${small.history}, round by round`, roundRatios),
        ratio(`documents examined per order at ${large.history} / at ${small.history}`, [large.examinedPerOrder / small.examinedPerOrder], {
          text: '<= 1.1',
          met: (median) => median <= 1.1,
        }),
      ],
      notes,
    };
  },
};

interface RoundInput {
  readonly context: BenchContext;
  readonly client: BenchClient;
  readonly mongo: MongoClient;
  readonly skus: readonly string[];
  readonly customers: readonly string[];
  readonly concurrency: number;
  readonly key: string;
  readonly size: number;
  readonly round: number;
}

/** One round: a unit of stock on each SKU, one order on each by `concurrency` clients, until all are decided and the mesh is quiet. */
async function measureRound({ context, client, mongo, skus, customers, concurrency, key, size, round: round_ }: RoundInput): Promise<Measured> {
  await setAvailable(client, skus, LOCATION, 1, `${key}-stock`);
  await untilQuiet(context.mesh);
  const requests: OrderRequest[] = oneUnitOfEach(skus, key, LOCATION, customers);
  const before = await readDatabaseWork(context.mesh, mongo);
  const errorsBefore = await errorsByCode(context.mesh.subgraphUrls.order);
  const probeMs = machineSpeedProbeMs();
  const cpuBefore = await cpuSecondsByRole(process.pid);
  const started = Date.now();
  // The monotonic clock is what cpu-profile-top.ts's --from takes, to profile one round.
  context.log(`round ${round_} starts ${new Date(started).toISOString()} (monotonic ${process.hrtime.bigint() / 1000n} µs)`);
  const placed = await placeClosedLoop(client, requests, concurrency);
  const decided = await waitUntilDecided(client, placed, 300_000);
  await untilQuiet(context.mesh);
  const work = workBetween(before, await readDatabaseWork(context.mesh, mongo));
  const roundMs = Date.now() - started;
  const cpuPerOrder = cpuMsPerOrder(cpuBefore, await cpuSecondsByRole(process.pid), decided.length);
  const errors = Object.entries(await errorsByCode(context.mesh.subgraphUrls.order))
    .map(([code, count]) => [code, count - (errorsBefore[code] ?? 0)] as const)
    .filter(([, count]) => count > 0);
  return {
    size,
    round: round_,
    history: await countOrders(mongo),
    orders: decided.length,
    ...decisionFigures(decided, started),
    docsExamined: work.docsExamined,
    commandsPerOrder: work.commands / decided.length,
    examinedPerOrder: work.docsExamined / decided.length,
    scansPerOrder: work.scans / decided.length,
    top: topCollections(work, decided.length, 4),
    note: `errors the order service answered (each retried by the client after its hint, within the call's latency): ${errors.map(([code, count]) => `${code} ${count}`).join(', ') || 'none'}; index builds in the database: ${work.indexBuilds}; the database's garbage collections from the first send until quiet: ${describeCollections(work, roundMs)}; CPU ms per order by process kind: ${cpuPerOrder}; the machine-speed probe before the round: ${round(probeMs)} ms`,
  };
}

/** A size's rounds together: its rate is all their orders over their summed times. */
function bySize(rows: readonly Measured[], size: number) {
  const rounds = rows.filter((row) => row.size === size);
  const orders = rounds.reduce((sum, row) => sum + row.orders, 0);
  return {
    history: rounds[0]!.history,
    rounds,
    ordersPerSecond: orders / rounds.reduce((sum, row) => sum + row.seconds, 0),
    examinedPerOrder: rounds.reduce((sum, row) => sum + row.docsExamined, 0) / orders,
  };
}

/** Places one single-unit order on each of `skus` (given 1 unit first) and waits for their decisions. */
async function warmUp(client: BenchClient, skus: readonly string[], key: string, customers: readonly string[], concurrency: number): Promise<void> {
  await setAvailable(client, skus, LOCATION, 1, `${key}-stock`);
  const placed = await placeClosedLoop(client, oneUnitOfEach(skus, key, LOCATION, customers), concurrency);
  await waitUntilDecided(client, placed, 120_000);
}

/** CPU milliseconds per order each kind of process used between two readings, largest first: "database 9.1, order 7.4, ...". */
function cpuMsPerOrder(before: Readonly<Record<string, number>>, after: Readonly<Record<string, number>>, orders: number): string {
  return Object.entries(after)
    .map(([role, seconds]) => [role, ((seconds - (before[role] ?? 0)) * 1000) / orders] as const)
    .filter(([, ms]) => ms >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([role, ms]) => `${role} ${round(ms)}`)
    .join(', ');
}
