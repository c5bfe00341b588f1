/**
 * Scenario 10, history growth: the same order load at two sizes of history (3,000 and 50,000
 * orders by default). The history is grown straight in the databases by copying orders the
 * workflows completed, with everything they left in every domain (see lib/history-bulk.ts). Each
 * size gets the same run: single-unit orders spread over distinct SKUs (no contention), placed by
 * a fixed number of clients, until all are decided. Orders decided per second and the database
 * work per order must not grow with the history.
 */
import { principals } from '@mesh/test-kit';
import { BenchClient } from '../lib/bench-client.js';
import { describeCollections, embeddedStatsClient, readDatabaseWork, topCollections, untilQuiet, workBetween } from '../lib/flash-sale.js';
import { countOrders, growHistory } from '../lib/history-bulk.js';
import { errorsByCode } from '../lib/service-counters.js';
import { cpuSecondsByRole } from '../lib/process-stats.js';
import { machineSpeedProbeMs } from '../lib/machine-speed.js';
import { benchCustomers, catalogSkus, oneUnitOfEach, placeClosedLoop, runKey, waitUntilDecided, type OrderRequest } from '../lib/orders.js';
import { ratio, type BenchContext, type Scenario, type ScenarioResult } from '../lib/scenario.js';
import { percentile, round } from '../lib/stats.js';
import { setAvailable } from '../lib/stock.js';

const LOCATION = 'loc_wh_nj';
const SIZES = {
  tiny: { histories: [400, 800], orders: 30, concurrency: 10 },
  full: { histories: [3000, 50_000], orders: 300, concurrency: 25 },
} as const;

interface Measured {
  readonly history: number;
  readonly ordersPerSecond: number;
  readonly placeP99: number;
  readonly decisionP99: number;
  readonly commandsPerOrder: number;
  readonly examinedPerOrder: number;
  readonly scansPerOrder: number;
  readonly top: string;
}

export const historyGrowth: Scenario = {
  id: '10',
  title: 'History growth: the same order load at 3,000 and at 50,000 orders of history',
  async run(context: BenchContext): Promise<ScenarioResult> {
    const size = SIZES[context.size];
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
    // Distinct SKUs per run, each counted to one available unit first: no order waits on another's stock.
    const pool = catalogSkus().slice(0, size.orders * size.histories.length);
    const rows: Measured[] = [];
    const loads: string[] = [];
    try {
      // Warm-up, not measured: the first orders of a fresh mesh build the indexes they read, compile, and fill caches.
      const warmUp = catalogSkus().slice(pool.length, pool.length + size.concurrency * 2);
      const warmKey = runKey('s10-warm-up');
      await setAvailable(client, warmUp, LOCATION, 1, `${warmKey}-stock`);
      const warmPlaced = await placeClosedLoop(client, oneUnitOfEach(warmUp, warmKey, LOCATION, customers), size.concurrency);
      await waitUntilDecided(client, warmPlaced, 120_000);
      for (const [round_, history] of size.histories.entries()) {
        const stored = await countOrders(mongo);
        if (stored < history) {
          const started = Date.now();
          const grown = await growHistory(mongo, history - stored);
          loads.push(`${grown.orders} orders (${grown.documents} documents) copied in ${Math.round((Date.now() - started) / 1000)} s to reach ${history}`);
        }
        const skus = pool.slice(round_ * size.orders, (round_ + 1) * size.orders);
        const key = runKey(`s10-${history}`);
        await setAvailable(client, skus, LOCATION, 1, `${key}-stock`);
        await untilQuiet(context.mesh);
        const requests: OrderRequest[] = oneUnitOfEach(skus, key, LOCATION, customers);
        const before = await readDatabaseWork(context.mesh, mongo);
        const errorsBefore = await errorsByCode(context.mesh.subgraphUrls.order);
        const probeMs = machineSpeedProbeMs();
        const cpuBefore = await cpuSecondsByRole(process.pid);
        const started = Date.now();
        const placed = await placeClosedLoop(client, requests, size.concurrency);
        const decided = await waitUntilDecided(client, placed, 300_000);
        const lastDecision = Math.max(...decided.map((order) => order.decidedAt));
        await untilQuiet(context.mesh);
        const work = workBetween(before, await readDatabaseWork(context.mesh, mongo));
        const roundMs = Date.now() - started;
        const cpuPerOrder = cpuMsPerOrder(cpuBefore, await cpuSecondsByRole(process.pid), decided.length);
        const errors = Object.entries(await errorsByCode(context.mesh.subgraphUrls.order))
          .map(([code, count]) => [code, count - (errorsBefore[code] ?? 0)] as const)
          .filter(([, count]) => count > 0);
        loads.push(
          `at ${history}: errors the order service answered (each retried by the client after its hint, within the call's latency): ${errors.map(([code, count]) => `${code} ${count}`).join(', ') || 'none'}; index builds in the database: ${work.indexBuilds}; the database's garbage collections from the first send until quiet: ${describeCollections(work, roundMs)}; CPU ms per order by process kind: ${cpuPerOrder}; the machine-speed probe before the round: ${round(probeMs)} ms`,
        );
        const measured: Measured = {
          history: await countOrders(mongo),
          ordersPerSecond: decided.length / ((lastDecision - started) / 1000),
          placeP99: percentile(
            decided.map((order) => order.latencyMs),
            99,
          ),
          decisionP99: percentile(
            decided.map((order) => order.decidedAt - order.placedAt),
            99,
          ),
          commandsPerOrder: work.commands / decided.length,
          examinedPerOrder: work.docsExamined / decided.length,
          scansPerOrder: work.scans / decided.length,
          top: topCollections(work, decided.length, 4),
        };
        rows.push(measured);
        context.log(
          `${measured.history} orders of history: ${round(measured.ordersPerSecond)} orders/s, ${round(measured.examinedPerOrder)} documents examined per order`,
        );
      }
    } finally {
      await mongo.close();
    }
    const [small, large] = [rows[0]!, rows.at(-1)!];
    return {
      id: '10',
      title: historyGrowth.title,
      method:
        `After ${size.concurrency * 2} warm-up orders (not measured), at each size ${size.orders} single-unit WEB orders, each on its own SKU (given 1 unit at ${LOCATION}), placed through the gateway by ${size.concurrency} clients (each sends its next order when placeOrder answers), until all are decided. ` +
        'The history is grown between the runs by copying finished web orders with all their documents in every domain (lib/history-bulk.ts). Orders/s: orders / (first send to last decision, server clock). ' +
        "Database commands: the subgraphs' own counters; documents examined and scans: the embedded server's (meshQueryStats), from the first send until the mesh is quiet again.",
      tables: [
        {
          title: 'Runs',
          columns: [
            'orders of history',
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
        ratio(`orders/s at ${large.history} / at ${small.history}`, [large.ordersPerSecond / small.ordersPerSecond], {
          text: '>= 0.9',
          met: (median) => median >= 0.9,
        }),
        ratio(`documents examined per order at ${large.history} / at ${small.history}`, [large.examinedPerOrder / small.examinedPerOrder], {
          text: '<= 1.1',
          met: (median) => median <= 1.1,
        }),
      ],
      notes: loads,
    };
  },
};

/** CPU milliseconds per order each kind of process used between two readings, largest first: "database 9.1, order 7.4, ...". */
function cpuMsPerOrder(before: Readonly<Record<string, number>>, after: Readonly<Record<string, number>>, orders: number): string {
  return Object.entries(after)
    .map(([role, seconds]) => [role, ((seconds - (before[role] ?? 0)) * 1000) / orders] as const)
    .filter(([, ms]) => ms >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([role, ms]) => `${role} ${round(ms)}`)
    .join(', ');
}
