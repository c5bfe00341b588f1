/**
 * Scenario 8, the embedded database: the hot reads of the retail mix answered with the launcher's
 * indexes (QueryPlanner) against the same reads answered by whole-collection scans (upstream
 * mongo-java-server's way), switched on the running server with `{ meshPlanner: false }`, in
 * alternating rounds on the same data. Per page: latency through the gateway, the database
 * process's CPU, and documents examined against documents returned (the server's meshQueryStats).
 */
import { MongoClient } from 'mongodb';
import { GatewayClient } from '@mesh/mesh-runner';
import { principals } from '@mesh/test-kit';
import { sampleProcessTree } from '../lib/process-stats.js';
import { ratio, type BenchContext, type MeasuredRatio, type ResultTable, type Scenario, type ScenarioResult } from '../lib/scenario.js';
import { percentile, sequentialLatencies } from '../lib/stats.js';
import {
  CUSTOMER_PAGE,
  PRODUCT_PAGE,
  REGION_AVAILABILITY,
  customerPageVariables,
  discoverRetailFixtures,
  productPageVariables,
  regionAvailabilityVariables,
} from '../queries.js';

const ORDER_BY_NUMBER = `query OrderByNumber($number: String!) { orderByNumber(number: $number) { id number status lines { lineNumber quantity } } }`;
const round = (value: number, digits: number) => Number(value.toFixed(digits));
const SETTINGS = { full: { requests: 60, rounds: 3 }, tiny: { requests: 4, rounds: 1 } } as const;

interface PageMeasure {
  readonly page: string;
  readonly mode: 'indexes' | 'scans';
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly dbCpuMsPerPage: number;
  readonly docsExaminedPerPage: number;
  readonly returnedPerPage: number;
  readonly scansPerPage: number;
}

interface Totals {
  readonly docsExamined: number;
  readonly returned: number;
  readonly scans: number;
}

async function totals(client: MongoClient): Promise<Totals> {
  const stats = await client.db('mesh_bench').command({ meshQueryStats: 1 });
  const all = stats['totals'] as Totals;
  return { docsExamined: all.docsExamined, returned: all.returned, scans: all.scans };
}

async function measure(
  context: BenchContext,
  client: MongoClient,
  page: string,
  mode: PageMeasure['mode'],
  requests: number,
  send: (index: number) => Promise<void>,
): Promise<PageMeasure> {
  await client.db('mesh_bench').command({ meshPlanner: mode === 'indexes' });
  await send(0); // warm: caches and plans on both sides
  const pid = context.mesh.database.pid;
  const cpuBefore = pid ? (await sampleProcessTree(pid)).cpuSeconds : 0;
  const before = await totals(client);
  const latencies = await sequentialLatencies(requests, send);
  const after = await totals(client);
  const cpuAfter = pid ? (await sampleProcessTree(pid)).cpuSeconds : 0;
  return {
    page,
    mode,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    dbCpuMsPerPage: ((cpuAfter - cpuBefore) * 1000) / requests,
    docsExaminedPerPage: (after.docsExamined - before.docsExamined) / requests,
    returnedPerPage: (after.returned - before.returned) / requests,
    scansPerPage: (after.scans - before.scans) / requests,
  };
}

export const embeddedDatabase: Scenario = {
  id: '8',
  title: 'Embedded database: indexed reads vs whole-collection scans',
  async run(context: BenchContext): Promise<ScenarioResult> {
    if (!context.mesh.database.kind.startsWith('embedded')) {
      return {
        id: '8',
        title: embeddedDatabase.title,
        method: 'not run',
        tables: [],
        ratios: [],
        notes: [`the mesh runs on ${context.mesh.database.kind}, not the embedded server`],
      };
    }
    const settings = SETTINGS[context.size];
    const gateway = new GatewayClient(context.mesh.gatewayUrl, await context.bearerFor(principals.admin));
    const fixtures = await discoverRetailFixtures(gateway, { products: 10, customers: 10, regionChecks: 6 });
    const { orders } = await gateway.request<{ orders: { edges: { node: { number: string } }[] } }>(
      'benchOrderNumbers',
      '{ orders(first: 50) { edges { node { number } } } }',
    );
    const numbers = orders.edges.map((edge) => edge.node.number);
    const pages: Record<string, (index: number) => Promise<void>> = {
      'product page (5 variants, 25 locations)': async (index) =>
        void (await gateway.request(
          'ProductPage',
          PRODUCT_PAGE,
          productPageVariables(fixtures.productIds[index % fixtures.productIds.length]!, fixtures.productPageLocationIds),
        )),
      'availability of 50 SKUs over a region': async (index) => {
        const region = fixtures.regions[index % fixtures.regions.length]!;
        await gateway.request('RegionAvailability', REGION_AVAILABILITY, regionAvailabilityVariables(region.skus, region.locationIds));
      },
      "a customer's 20 latest orders": async (index) =>
        void (await gateway.request('CustomerPage', CUSTOMER_PAGE, customerPageVariables(fixtures.customerIds[index % fixtures.customerIds.length]!))),
      'order by number': async (index) => void (await gateway.request('OrderByNumber', ORDER_BY_NUMBER, { number: numbers[index % numbers.length]! })),
    };
    const client = await new MongoClient(context.mesh.database.uri).connect();
    const rows: PageMeasure[] = [];
    const ratios: MeasuredRatio[] = [];
    try {
      const perRound = new Map<string, { latency: number[]; cpu: number[] }>();
      for (let round = 0; round < settings.rounds; round++) {
        // Alternate which goes first, so that drift on a noisy machine falls on both sides.
        const order: PageMeasure['mode'][] = round % 2 === 0 ? ['scans', 'indexes'] : ['indexes', 'scans'];
        for (const [page, send] of Object.entries(pages)) {
          const measured: Partial<Record<PageMeasure['mode'], PageMeasure>> = {};
          for (const mode of order) measured[mode] = await measure(context, client, page, mode, settings.requests, send);
          rows.push(measured.indexes!, measured.scans!);
          const entry = perRound.get(page) ?? { latency: [], cpu: [] };
          entry.latency.push(measured.scans!.p50Ms / measured.indexes!.p50Ms);
          entry.cpu.push(measured.scans!.dbCpuMsPerPage / Math.max(0.01, measured.indexes!.dbCpuMsPerPage));
          perRound.set(page, entry);
          context.log(
            `${page}, round ${round + 1}: p50 ${measured.indexes!.p50Ms.toFixed(1)} ms with indexes, ${measured.scans!.p50Ms.toFixed(1)} ms with scans`,
          );
        }
      }
      for (const [page, entry] of perRound) {
        ratios.push(ratio(`${page}: p50 latency, scans / indexes`, entry.latency));
        ratios.push(ratio(`${page}: database CPU per page, scans / indexes`, entry.cpu));
      }
    } finally {
      await client
        .db('mesh_bench')
        .command({ meshPlanner: true })
        .catch(() => undefined);
      await client.close();
    }
    const table: ResultTable = {
      title: 'Per page, each round (sequential requests through the gateway, one at a time)',
      columns: ['page', 'reads', 'p50 ms', 'p99 ms', 'database CPU ms/page', 'docs examined/page', 'docs returned/page', 'scans/page'],
      rows: rows.map((row) => [
        row.page,
        row.mode,
        round(row.p50Ms, 1),
        round(row.p99Ms, 1),
        round(row.dbCpuMsPerPage, 2),
        round(row.docsExaminedPerPage, 1),
        round(row.returnedPerPage, 1),
        round(row.scansPerPage, 2),
      ]),
    };
    return {
      id: '8',
      title: embeddedDatabase.title,
      method:
        "Each page is requested sequentially through the gateway (an admin token), first once to warm, then N times, with the embedded server answering from its indexes or by scans (switched on the running server), alternating which goes first per round. Database CPU is the Java process's user+system time over the N pages; documents examined and returned are the server's own counters (meshQueryStats) over the same window, summed over every query any subgraph made for the page (background passes included).",
      tables: [table],
      ratios,
      notes: [
        '"docs returned" counts each query\'s first batch; the pages here fit in one batch.',
        'Background work (outbox relays, the reservation expiry job) runs during both modes and is counted in both.',
      ],
    };
  },
};
